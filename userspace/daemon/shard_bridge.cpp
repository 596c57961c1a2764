#include "daemon/shard_bridge.h"

#include <sys/epoll.h>

#include <cerrno>

namespace xtcp::daemon {

bool CompletionQueue::push(Completion&& c) {
  if (!q_.try_push(std::move(c))) return false;
  (void)fd_.signal();
  return true;
}

void ShardBridge::send(Completion&& c) {
  c.shard = index_;
  // In order: nothing overtakes what already waits in overflow_.
  if (overflow_.empty() && out_.push(std::move(c))) return;
  ++stats_.completion_overflow;
  overflow_.push_back(std::move(c));
}

DaemonConn* ShardBridge::find(stack::ConnId id, std::shared_ptr<DaemonConn>* keep) {
  const std::optional<uint64_t> token = shard_->lease_of(id);
  if (!token) return nullptr;
  const std::shared_ptr<DaemonConn>* p = memory_.get(*token);
  if (p == nullptr) return nullptr;
  if (keep) *keep = *p;
  return p->get();
}

bool ShardBridge::before_pass() {
  bool work = false;
  while (!overflow_.empty() && out_.push(std::move(overflow_.front()))) {
    overflow_.pop_front();
    work = true;
  }
  constexpr int kMaxEvents = 64;
  epoll_event evs[kMaxEvents];
  const int n = epoll_wait(memory_.epoll_fd(), evs, kMaxEvents, 0);
  for (int i = 0; i < n; ++i) {
    const std::shared_ptr<DaemonConn>* p = memory_.get(evs[i].data.u64);
    if (p == nullptr) continue;
    DaemonConn& d = **p;
    (void)d.kick.drain();
    // daemon-design.md: clear the flag and fence before the pass reads the
    // indices, so a publish that saw the armed value and kicked is seen.
    d.ch.disarm_kick();
    d.armed = false;
    ++stats_.kicks;
    shard_->kick(d.conn);
    work = true;
  }
  // A quiet pass prepares the next connection's channel (not counted as
  // work: it must not keep an idle adaptive loop awake).
  if (!work) (void)memory_.top_up_spares();
  return work;
}

void ShardBridge::on_command_done(uint64_t token, int err, stack::ConnId conn) {
  if (token == 0) return;  // fire-and-forget (shutdown, close, options)
  Completion c;
  c.kind = Completion::Kind::kCommandDone;
  c.token = token;
  c.err = err;
  c.conn = conn;
  if (err == 0 && conn != stack::kNoConn) {
    if (DaemonConn* d = find(conn, &c.dc)) d->conn = conn;  // a connect: bind the channel
  }
  send(std::move(c));
}

void ShardBridge::on_accepted(const stack::ListenerId& l, stack::ConnId conn,
                              const tcp::FourTuple& t) {
  Completion c;
  DaemonConn* d = find(conn, &c.dc);
  if (d == nullptr) {
    // Memory was refused when the SYN arrived: the engine owns rings no app
    // can see, so the connection cannot be served. Reset it.
    ++stats_.no_channel;
    if (tcp::Connection* tc = shard_->connection(conn)) tc->abort();
    shard_->kick(conn);
    return;
  }
  d->conn = conn;
  if (tcp::Connection* tc = shard_->connection(conn)) publish(*d, *tc);
  c.kind = Completion::Kind::kAccepted;
  c.conn = conn;
  c.listener = l;
  (void)t;
  send(std::move(c));
}

void ShardBridge::on_established(stack::ConnId conn) {
  DaemonConn* d = find(conn);
  tcp::Connection* tc = shard_->connection(conn);
  if (d && tc) publish(*d, *tc);
}

void ShardBridge::on_sync(stack::ConnId conn, tcp::Connection& c) {
  DaemonConn* d = find(conn);
  if (d == nullptr || d->violation_reported) return;
  const AppIndices in = d->ch.read_app_indices();
  if (in.violation != ChannelViolation::kNone) {
    // Hostile or broken app: this connection only is reset (ECONNRESET to
    // the peer); everything else goes on.
    d->violation_reported = true;
    ++stats_.ring_violations;
    c.abort();
    publish(*d, c);
    return;
  }
  // Before the new bytes: they are sent with the Nagle setting asked for.
  if (const bool nd = (in.app_flags & XTCP_CHAN_APP_NODELAY) != 0; nd != d->nodelay_flag) {
    d->nodelay_flag = nd;
    c.set_no_delay(nd);
  }
  if (in.tx_new > 0) (void)c.commit(static_cast<size_t>(in.tx_new));
  if (in.rx_freed > 0) c.consume(static_cast<size_t>(in.rx_freed));
  // app_flags was read before tx.prod: the FIN goes after the final byte.
  if ((in.app_flags & XTCP_CHAN_APP_SHUTDOWN_WR) && !d->shutdown_applied) {
    d->shutdown_applied = true;
    c.shutdown_write();
  }
  if ((in.app_flags & XTCP_CHAN_APP_CLOSE) && !d->close_applied) {
    d->close_applied = true;
    c.close_discarding_input();  // the app closed its socket: nothing reads again
  }
  publish(*d, c);
  // Event index: ask for a kick on the app's next publish. If it published
  // meanwhile, visit again instead of waiting for a kick that never comes.
  if (!d->armed) {
    if (d->ch.arm_kick()) {
      shard_->kick(conn);
    } else {
      d->armed = true;
    }
  }
}

void ShardBridge::on_readable(stack::ConnId conn) {
  DaemonConn* d = find(conn);
  tcp::Connection* tc = shard_->connection(conn);
  if (d && tc) publish(*d, *tc);
}

void ShardBridge::on_writable(stack::ConnId conn) { on_readable(conn); }

void ShardBridge::on_closed(stack::ConnId conn, tcp::TcpError err) {
  Completion c;
  if (DaemonConn* d = find(conn, &c.dc)) {
    ChannelEvents ev;
    ev.established = d->ever_established;
    ev.closed = true;
    ev.error = errno_of(err);
    ev.state = XTCP_CHAN_STATE_CLOSED;
    if (tcp::Connection* tc = shard_->connection(conn)) {
      ev.peer_fin = tc->peer_closed();
      (void)d->ch.publish_rx(tc->info().bytes_received);
      d->snap.update(tc->info(), tc->recv_queue_len(), tc->send_queue_len());
    }
    d->snap.state.store(XTCP_CHAN_STATE_CLOSED, std::memory_order_relaxed);
    d->ch.publish_events(ev);
    wake_app(*d);
  }
  c.kind = Completion::Kind::kClosed;
  c.conn = conn;
  c.reason = err;
  send(std::move(c));
}

// rx.prod = bytes delivered in order, tx.cons = bytes acknowledged (the
// send ring frees exactly those), then the events word.
void ShardBridge::publish(DaemonConn& d, tcp::Connection& c) {
  const tcp::TcpInfo info = c.info();
  bool changed = false;
  if (info.bytes_received != d.ch.rx_prod()) changed |= d.ch.publish_rx(info.bytes_received);
  if (info.bytes_acked != d.ch.tx_cons()) changed |= d.ch.publish_tx_consumed(info.bytes_acked);
  if (tcp::is_synchronized(c.state())) d.ever_established = true;
  ChannelEvents ev;
  ev.established = d.ever_established;
  ev.peer_fin = c.peer_closed();
  ev.error = errno_of(c.error());
  ev.closed = c.state() == tcp::State::kClosed;
  ev.state = chan_state(c.state());
  const uint64_t word = encode_events(ev);
  if (word != d.events_published) {
    d.events_published = word;
    d.ch.publish_events(ev);
    changed = true;
  }
  d.snap.update(info, c.recv_queue_len(), c.send_queue_len());
  if (changed) wake_app(d);
}

void ShardBridge::wake_app(DaemonConn& d) {
  if (!d.ch.should_wake_app()) return;
  (void)d.notify.signal();
  ++stats_.app_wakes;
}

}  // namespace xtcp::daemon
