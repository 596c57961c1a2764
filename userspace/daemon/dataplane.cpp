#include "daemon/dataplane.h"

#include <string>

#include "xsk/netlink.h"

namespace xtcp::daemon {
namespace {

xsk::Error fail(int code, std::string sentence) { return xsk::Error{code, std::move(sentence)}; }

// The interface must exist here, its MTU fit our frames, and it must have
// at least cfg.queues rx queues.
xsk::Status check_interface(const Config& cfg) {
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
  return {};
}

}  // namespace

xsk::Result<std::unique_ptr<Dataplane>> Dataplane::start(const Config& cfg) {
  if (auto st = check_interface(cfg); !st) return st.error();
  std::unique_ptr<Dataplane> dp(new Dataplane());
  dp->iface_ = cfg.iface;
  auto prog = xsk::SteerProgram::attach(cfg.iface);
  if (!prog) return prog.error();
  dp->prog_ = std::move(prog.value());
  if (auto st = dp->open_queues(cfg); !st) return st.error();
  if (auto st = dp->install_listeners(cfg); !st) return st.error();
  return dp;
}

xsk::Status Dataplane::open_queues(const Config& cfg) {
  const xsk::XskConfig xcfg = xsk_config(cfg);
  for (uint32_t q = 0; q < cfg.queues; ++q) {
    auto sock = xsk::XskSocket::create(cfg.iface, q, xcfg);
    if (!sock) return sock.error();
    socks_.push_back(std::move(sock.value()));
    // The worker fills the fill ring first: frames steered to a socket
    // with an empty fill ring are dropped.
    auto worker = QueueWorker::start(*socks_.back());
    if (!worker) return worker.error();
    workers_.push_back(std::move(worker.value()));
    if (auto st = prog_->register_socket(q, socks_.back()->fd()); !st) return st;
  }
  return {};
}

// First-form stand-in for listen() (issue 4): wildcard IPv4 and IPv6
// listeners, so SYNs to the port on any local address are steered to us.
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

// Reverse order of start(): workers first (they use the sockets), then the
// xsks entries and sockets, then the program (its bpf_link detaches).
void Dataplane::stop() {
  for (auto& w : workers_) w->stop();
  workers_.clear();
  for (const auto& s : socks_) (void)prog_->unregister_socket(s->queue());
  socks_.clear();
  prog_.reset();
}

Dataplane::~Dataplane() { stop(); }

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
// "bpf.<name>" and "queue<N>.<name>" onto its JSON keys.
void Dataplane::snapshot(StatList& out) {
  out.clear();
  if (auto st = prog_->stats(); st) {
    for (size_t i = 0; i < XTCP_STAT_COUNT; ++i)
      add_stat(out, std::string("bpf.") + xsk::steer_stat_name(i), (*st)[i]);
  }
  for (size_t q = 0; q < socks_.size(); ++q) {
    const std::string p = "queue" + std::to_string(q) + ".";
    add_stat(out, p + "rx_frames", workers_[q]->rx_frames());
    add_stat(out, p + "rx_bytes", workers_[q]->rx_bytes());
    xsk::XskStats ks;
    if (auto r = socks_[q]->stats(); r) ks = *r;
    add_stat(out, p + "xsk_rx_dropped", ks.rx_dropped);
    add_stat(out, p + "xsk_rx_ring_full", ks.rx_ring_full);
    add_stat(out, p + "xsk_fill_ring_empty", ks.rx_fill_ring_empty_descs);
  }
}

}  // namespace xtcp::daemon
