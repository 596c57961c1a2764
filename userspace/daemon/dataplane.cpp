#include "daemon/dataplane.h"

#include <grp.h>
#include <sys/random.h>

#include <string>

#include "xsk/netlink.h"

namespace xtcp::daemon {
namespace {

xsk::Error fail(int code, std::string sentence) { return xsk::Error{code, std::move(sentence)}; }

// The interface must exist here, its MTU fit our frames, and it must have
// at least cfg.queues rx queues.
xsk::Result<xsk::LinkInfo> check_interface(const Config& cfg) {
  auto idx = xsk::ifindex_of(cfg.iface);
  if (!idx) {
    if (idx.code() == -ENODEV)
      return fail(-ENODEV, "no interface named " + cfg.iface +
                               " in this network namespace; check --iface, or run xtcpd in the "
                               "namespace that holds it (ip netns exec NS xtcpd ...)");
    return idx.error();
  }
  auto link = xsk::link_info(*idx);
  if (!link) return link.error();
  if (std::string why = check_mtu(cfg, link->mtu); !why.empty()) return fail(-EMSGSIZE, why);
  auto q = xsk::queue_count(cfg.iface);
  if (!q) return q.error();
  if (cfg.queues > q->rx)
    return fail(-EINVAL, "--queues " + std::to_string(cfg.queues) + " exceeds the " +
                             std::to_string(q->rx) + " rx queue(s) of " + cfg.iface +
                             "; use --queues " + std::to_string(q->rx) + " or fewer");
  return link;
}

wire::IpAddress to_wire(const xsk::IpAddr& a) {
  return a.family == AF_INET6 ? wire::IpAddress::v6_from_bytes(a.bytes.data())
                              : wire::IpAddress::v4_from_bytes(a.bytes.data());
}

bool link_local_v6(const wire::IpAddress& a) { return a.bytes[0] == 0xfe && (a.bytes[1] & 0xc0) == 0x80; }

// The interface's addresses: every one is a valid LISTEN/CONNECT source;
// the first IPv4 and the first global IPv6 are the defaults for CONNECT.
xsk::Status read_addresses(int ifindex, AppStackConfig& app) {
  for (int family : {AF_INET, AF_INET6}) {
    auto list = xsk::addresses(ifindex, family);
    if (!list) return list.error();
    for (const xsk::IfAddress& a : *list) {
      const wire::IpAddress ip = to_wire(a.addr);
      app.addresses.push_back(ip);
      if (family == AF_INET && !app.local_v4) app.local_v4 = ip;
      if (family == AF_INET6 && !app.local_v6 && !link_local_v6(ip)) app.local_v6 = ip;
    }
  }
  return {};
}

stack::PollPolicy policy_of(const std::string& name) {
  stack::PollPolicy p = stack::PollPolicy::kAdaptive;
  (void)stack::parse_poll_policy(name, &p);
  return p;
}

template <class T>
void fill_random(T& bytes) {
  size_t got = 0;
  while (got < sizeof(bytes)) {
    const ssize_t n = getrandom(reinterpret_cast<uint8_t*>(&bytes) + got, sizeof(bytes) - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
}

}  // namespace

xsk::Result<std::unique_ptr<Dataplane>> Dataplane::start(const Config& cfg,
                                                        ResolutionHelper* resolver) {
  auto link = check_interface(cfg);
  if (!link) return link.error();
  std::unique_ptr<Dataplane> dp(new Dataplane());
  dp->iface_ = cfg.iface;
  AppStackConfig& app = dp->app_cfg_;
  if (auto st = read_addresses(link->ifindex, app); !st) return st.error();
  if (!cfg.socket_group.empty()) {
    // main.cpp refuses to start when the group does not exist.
    if (const struct group* g = getgrnam(cfg.socket_group.c_str())) app.socket_gid = g->gr_gid;
  }
  app.rx_ring = cfg.conn_buffer;
  app.tx_ring = cfg.conn_buffer;
  app.channel_bytes = uint64_t{cfg.conn_buffer} * 2 + XTCP_CHAN_HEADER_SIZE;
  app.limits.conns_per_app = cfg.max_app_conns;
  app.limits.memory_per_app = uint64_t{cfg.app_memory_mib} << 20;

  UnitConfig base;
  base.ifindex = link->ifindex;
  base.neighbour_cache = cfg.neighbour_cache;
  base.rx_ring = cfg.conn_buffer;
  base.tx_ring = cfg.conn_buffer;
  base.loop.policy = policy_of(cfg.poll);
  base.fault = cfg.fault;
  base.drop_capabilities = cfg.sandbox != SandboxMode::kOff;
  base.resolver = resolver;
  stack::ShardConfig& sc = base.shard;
  sc.local_mac.bytes = link->mac;
  sc.local_v4 = app.local_v4;
  sc.local_v6 = app.local_v6;
  sc.tcp.mtu = static_cast<uint16_t>(link->mtu);
  sc.max_connections = cfg.max_conns;
  sc.tcp.time_wait = tcp::Duration::seconds(cfg.time_wait_s);
  sc.max_time_wait = cfg.max_time_wait;
  sc.tcp.min_rto = tcp::Duration::millis(cfg.rto_min_ms);
  fill_random(sc.isn_secret);
  fill_random(sc.hash_key);
  fill_random(sc.cookie_secret);

  // Every channel of every queue together: what the per-queue connection
  // limit allows (the per-app limit is checked by the app layer).
  dp->budget_ = std::make_unique<MemoryBudget>(app.channel_bytes * cfg.max_conns * cfg.queues);
  dp->completions_ = std::make_unique<CompletionQueue>(size_t{1} << 16);
  auto prog = xsk::SteerProgram::attach(cfg.iface);
  if (!prog) return prog.error();
  dp->prog_ = std::move(prog.value());
  if (auto st = dp->open_queues(cfg, base); !st) return st.error();
  if (auto st = dp->install_listeners(cfg); !st) return st.error();
  return dp;
}

xsk::Status Dataplane::open_queues(const Config& cfg, const UnitConfig& base) {
  const xsk::XskConfig xcfg = xsk_config(cfg);
  for (uint32_t q = 0; q < cfg.queues; ++q) {
    auto sock = xsk::XskSocket::create(cfg.iface, q, xcfg);
    if (!sock) return sock.error();
    socks_.push_back(std::move(sock.value()));
    UnitConfig uc = base;
    uc.index = q;
    uc.shard.queue = q;
    uc.peers = &peers_;
    auto unit = ShardUnit::start(uc, *socks_.back(), *prog_, *budget_, *completions_);
    if (!unit) return unit.error();
    units_.push_back(std::move(unit.value()));
    peers_[q].store(&units_.back()->shard(), std::memory_order_release);
    if (auto st = prog_->register_socket(q, socks_.back()->fd()); !st) return st;
  }
  return {};
}

// --steer-port: wildcard IPv4 and IPv6 steering entries without a TCP
// listener behind them, so SYNs to the port reach xtcp (and are answered
// with a RST) instead of the kernel. For tests of the steering itself.
xsk::Status Dataplane::install_listeners(const Config& cfg) {
  xsk::IpAddr any4;
  xsk::IpAddr any6;
  any6.family = AF_INET6;
  for (uint16_t port : cfg.steer_ports) {
    if (auto st = prog_->add_listener(any4, port, 0); !st) return st;
    if (auto st = prog_->add_listener(any6, port, 0); !st) return st;
  }
  return {};
}

// Reverse order of start(): shards first (they use the sockets and maps),
// then the xsks entries and sockets, then the program (its bpf_link
// detaches).
void Dataplane::stop() {
  for (auto& u : units_) u->stop();  // all stopped before any goes (forwarding)
  for (auto& p : peers_) p.store(nullptr, std::memory_order_release);
  units_.clear();
  if (prog_)
    for (const auto& s : socks_) (void)prog_->unregister_socket(s->queue());
  socks_.clear();
  prog_.reset();
}

Dataplane::~Dataplane() { stop(); }

std::vector<ShardUnit*> Dataplane::shards() const {
  std::vector<ShardUnit*> out;
  for (const auto& u : units_) out.push_back(u.get());
  return out;
}

const char* Dataplane::mode_name() const {
  size_t zc = 0;
  for (const auto& s : socks_) zc += s->zero_copy() ? 1 : 0;
  if (zc == 0) return "copy";
  return zc == socks_.size() ? "zerocopy" : "mixed";
}

DaemonInfo Dataplane::info() const {
  DaemonInfo i;
  i.iface = iface_;
  i.queue_count = static_cast<uint32_t>(socks_.size());
  std::string m = mode_name();
  i.bind_mode = m == "copy" ? XTCP_BIND_COPY : m == "zerocopy" ? XTCP_BIND_ZEROCOPY : XTCP_BIND_MIXED;
  return i;
}

// Names are part of the control protocol: xtcpctl --json maps
// "bpf.<name>" and "queue<N>.<name>" onto its JSON keys; tests read
// queueN.conns and the frame counters to prove nothing leaked.
void Dataplane::snapshot(StatList& out) {
  out.clear();
  if (auto st = prog_->stats(); st) {
    for (size_t i = 0; i < XTCP_STAT_COUNT; ++i)
      add_stat(out, std::string("bpf.") + xsk::steer_stat_name(i), (*st)[i]);
  }
  for (size_t q = 0; q < units_.size(); ++q) {
    const std::string p = "queue" + std::to_string(q) + ".";
    const UnitStats u = units_[q]->stats_copy();
    const stack::ShardStats& s = u.shard;
    s.for_each_counter([&](const char* name, uint64_t v) { add_stat(out, p + name, v); });
    add_stat(out, p + "rx_malformed", s.malformed_total());
    // Why: one counter per parse error (wire/error.h names).
    for (size_t e = 1; e < s.rx_malformed.size(); ++e)
      add_stat(out, p + "rx_malformed_" + wire::name(static_cast<wire::ParseError>(e)), s.rx_malformed[e]);
    add_stat(out, p + "conns", u.conns);
    add_stat(out, p + "time_wait", u.time_wait);
    add_stat(out, p + "listeners", u.listeners);
    const tcp::ListenerStats& ls = u.listener_totals;
    add_stat(out, p + "syns_received", ls.syns_received);
    add_stat(out, p + "syn_queue_overflows", ls.syn_queue_overflows);
    add_stat(out, p + "accept_queue_overflows", ls.accept_queue_overflows);
    add_stat(out, p + "syn_cookies_sent", ls.syn_cookies_sent);
    add_stat(out, p + "syn_cookies_accepted", ls.syn_cookies_accepted);
    add_stat(out, p + "syn_cookies_limited", ls.syn_cookies_limited);
    add_stat(out, p + "channels", u.channels);
    add_stat(out, p + "channels_refused", u.channels_refused);
    add_stat(out, p + "ring_violations", u.bridge.ring_violations);
    add_stat(out, p + "app_kicks", u.bridge.kicks);
    add_stat(out, p + "app_wakes", u.bridge.app_wakes);
    if (u.fault_on) {  // --fault: what the injector did (issue 6)
      add_stat(out, p + "fault_rx_dropped", u.fault.rx_dropped);
      add_stat(out, p + "fault_rx_duplicated", u.fault.rx_duplicated);
      add_stat(out, p + "fault_rx_reordered", u.fault.rx_reordered);
      add_stat(out, p + "fault_rx_corrupted", u.fault.rx_corrupted);
      add_stat(out, p + "fault_rx_delayed", u.fault.rx_delayed);
      add_stat(out, p + "fault_tx_dropped", u.fault.tx_dropped);
      add_stat(out, p + "fault_tx_duplicated", u.fault.tx_duplicated);
      add_stat(out, p + "fault_tx_corrupted", u.fault.tx_corrupted);
    }
    add_stat(out, p + "frames_total", u.frames_total);
    add_stat(out, p + "frames_free", u.frames_free);
    add_stat(out, p + "frames_fill", u.frames_fill);
    add_stat(out, p + "frames_held", u.frames_held);
    add_stat(out, p + "frames_tx", u.frames_tx);
    add_stat(out, p + "frames_bad", u.frames_bad);
    add_stat(out, p + "loop_passes", u.loop.passes);
    add_stat(out, p + "loop_sleeps", u.loop.sleeps);
    xsk::XskStats ks;
    if (auto r = socks_[q]->stats(); r) ks = *r;
    ks.for_each_counter([&](const char* name, uint64_t v) { add_stat(out, p + "xsk_" + name, v); });
    add_stat(out, p + "xsk_fill_ring_empty", ks.rx_fill_ring_empty_descs);  // the name before issue 15
    u.xsk_io.for_each_counter(
        [&](const char* name, uint64_t v) { add_stat(out, p + "xsk_io_" + name, v); });
  }
}

}  // namespace xtcp::daemon
