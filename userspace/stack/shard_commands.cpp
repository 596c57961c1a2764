// Commands pass (daemon-design.md "Shard loop" step 2): listen, unlisten,
// connect, and per-connection requests from the control thread and apps.
// Each answers through ShardEvents::on_command_done (kicks do not).
#include <cerrno>

#include "stack/shard.h"

namespace xtcp::stack {

namespace {

bool unspecified(const wire::IpAddress& a) {
  for (uint8_t b : a.bytes)
    if (b != 0) return false;
  return true;
}

}  // namespace

bool Shard::commands(tcp::Instant now) {
  Command c;
  size_t n = 0;
  // Bounded: commands posted during the pass wait for the next one.
  for (size_t budget = commands_.capacity(); budget > 0 && commands_.try_pop(c); --budget) {
    execute(c, now);
    ++n;
  }
  return n > 0;
}

void Shard::execute(const Command& c, tcp::Instant now) {
  ++stats_.commands;
  ConnId id = c.conn;
  int err = 0;
  switch (c.kind) {
    case CommandKind::kListen: err = listen(c); break;
    case CommandKind::kUnlisten: err = unlisten(c); break;
    case CommandKind::kConnect: err = connect(c, now, id); break;
    case CommandKind::kKick:
      kick(c.conn);
      return;  // no reply: kicks are frequent and cannot fail usefully
    default: err = on_conn_command(c); break;
  }
  if (err != 0) ++stats_.commands_failed;
  events_.on_command_done(c.token, err, err == 0 ? id : kNoConn);
}

int Shard::listen(const Command& c) {
  if (listeners_.find_exact(c.local, c.local_port) != nullptr) return -EADDRINUSE;
  if (free_lslots_.empty()) return -ENOBUFS;
  const uint32_t index = free_lslots_.back();
  ListenerSlot& l = lslots_[index];
  tcp::IsnSource isn = [this](const tcp::FourTuple& t, tcp::Instant at) {
    return isn_.isn(t, at);
  };
  l.listener = std::make_unique<tcp::Listener>(cfg_.tcp, c.local_port, std::move(isn),
                                               cfg_.syn_backlog, cfg_.accept_backlog);
  l.listener->set_buffer_provider(
      [this, index](const tcp::FourTuple& t) { return lease_for_listener(index, t); });
  if (cfg_.syn_cookies) l.listener->enable_syn_cookies(cfg_.cookie_secret);
  l.id = ListenerId{c.local, c.local_port};
  l.leases.clear();
  l.leases.reserve(size_t{cfg_.syn_backlog} + cfg_.accept_backlog);
  if (listeners_.insert(c.local, c.local_port, index).status != InsertStatus::kInserted) {
    l.listener.reset();
    return -ENOBUFS;
  }
  if (int e = steering_.add_listener(c.local, c.local_port); e != 0) {
    ++stats_.steering_errors;
    listeners_.erase(c.local, c.local_port);
    l.listener.reset();
    return e < 0 ? e : -e;
  }
  free_lslots_.pop_back();
  return 0;
}

// Connections already accepted live on; those still in the listener's
// queues go with it (their peers get a RST on their next segment).
int Shard::unlisten(const Command& c) {
  const uint32_t* found = listeners_.find_exact(c.local, c.local_port);
  if (found == nullptr) return -ENOENT;
  ListenerSlot& l = lslots_[*found];
  listeners_.erase(c.local, c.local_port);
  if (steering_.remove_listener(c.local, c.local_port) != 0) ++stats_.steering_errors;
  dirty_.remove(l);
  wheel_.cancel(l);
  l.listener.reset();
  for (const auto& lease : l.leases) memory_.release(lease.token);
  l.leases.clear();
  free_lslots_.push_back(l.index);
  return 0;
}

// A free ephemeral port for t (local address set): no connection uses the
// tuple and no listener the local port. Round robin over the range.
bool Shard::pick_port(tcp::FourTuple& t) {
  const uint32_t span = uint32_t{cfg_.ephemeral_high} - cfg_.ephemeral_low + 1;
  for (uint32_t tries = 0; tries < span; ++tries) {
    const uint16_t port = next_port_;
    next_port_ = port >= cfg_.ephemeral_high ? cfg_.ephemeral_low : static_cast<uint16_t>(port + 1);
    t.local_port = port;
    if (flows_.find(t) == nullptr && time_wait_.find(t) == nullptr &&
        listeners_.match(t.local, port) == nullptr)
      return true;
  }
  return false;
}

int Shard::connect(const Command& c, tcp::Instant now, ConnId& id) {
  tcp::FourTuple t{c.local, c.local_port, c.remote, c.remote_port};
  if (c.remote_port == 0 || unspecified(c.remote)) return -EINVAL;
  if (unspecified(t.local)) {
    const auto& src = c.remote.family == wire::IpFamily::kV4 ? cfg_.local_v4 : cfg_.local_v6;
    if (!src) return -EADDRNOTAVAIL;
    t.local = *src;
  }
  if (t.local.family != t.remote.family) return -EAFNOSUPPORT;
  if (t.local_port == 0 && !pick_port(t)) return -EADDRNOTAVAIL;
  if (flows_.find(t) != nullptr) return -EADDRINUSE;
  // Linux connect(2) without tcp_tw_reuse: the tuple is still in TIME-WAIT.
  if (time_wait_.find(t) != nullptr) return -EADDRNOTAVAIL;
  if (free_slots_.empty()) return -ENOBUFS;
  std::optional<MemoryLease> lease = memory_.acquire(t);
  if (!lease) {
    ++stats_.memory_refused;
    return -ENOMEM;
  }
  auto conn = tcp::Connection::connect(cfg_.tcp, t, isn_.isn(t, now), now, lease->mem);
  ConnSlot* s = adopt(std::move(conn), true, true, lease->token);
  if (s == nullptr) return -ENOBUFS;
  id = id_of(*s);
  return 0;
}

int Shard::on_conn_command(const Command& c) {
  ConnSlot* s = slot_of(c.conn);
  if (s == nullptr) return -ENOTCONN;
  tcp::Connection& conn = *s->conn;
  // FIN follows every byte the app wrote before asking (RFC 9293 3.10.4):
  // let the owner hand those bytes over before the engine queues the FIN.
  if (c.kind == CommandKind::kShutdownWrite || c.kind == CommandKind::kClose)
    events_.on_sync(id_of(*s), conn);
  switch (c.kind) {
    case CommandKind::kShutdownWrite: conn.shutdown_write(); break;
    case CommandKind::kClose: conn.close_discarding_input(); break;  // the app closed its socket
    case CommandKind::kAbort: conn.abort(); break;
    case CommandKind::kSetNoDelay: conn.set_no_delay(c.flag); break;
    case CommandKind::kSetKeepalive: conn.set_keepalive(c.flag, c.idle, c.interval, c.count); break;
    case CommandKind::kSetCongestion: conn.set_congestion(c.cc); break;
    case CommandKind::kSetUserTimeout: conn.set_user_timeout(c.user_timeout); break;
    default: return -EINVAL;
  }
  dirty_.mark(*s);
  return 0;
}

}  // namespace xtcp::stack
