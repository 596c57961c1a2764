// AppStack: sessions, shard completions, stats and the connection table.
// The request handlers are in app_requests.cpp and app_options.cpp.
#include "daemon/app_stack.h"

#include <cerrno>
#include <cstring>

namespace xtcp::daemon {

AppStack::AppStack(std::vector<ShardUnit*> shards, CompletionQueue& completions,
                   ReplySink& sink, AppStackConfig cfg)
    : shards_(std::move(shards)), completions_(completions), sink_(sink), cfg_(std::move(cfg)) {}

AppStack::~AppStack() = default;

AppStack::AddrKey AppStack::key_of(const stack::ListenerId& id) {
  return {static_cast<uint8_t>(id.local.family), id.local.bytes, id.port};
}

bool AppStack::post(uint32_t shard, const stack::Command& c) {
  return shard < shards_.size() && shards_[shard]->shard().post(c);
}

void AppStack::post_or_retry(uint32_t shard, const stack::Command& c) {
  if (!retry_.empty() || !post(shard, c)) retry_.emplace_back(shard, c);  // keeps the order
}

void AppStack::post_all(const stack::Command& c) {
  for (uint32_t i = 0; i < shards_.size(); ++i) post_or_retry(i, c);
}

void AppStack::abort_conn(const ConnKey& k) {
  post_or_retry(k.first, stack::Command{.kind = stack::CommandKind::kAbort, .conn = k.second});
}

void AppStack::session_opened(uint32_t session, PeerCredentials creds) {
  Session& s = sessions_[session];
  s.creds = std::move(creds);
  ++counters_.sessions_opened;
}

// Everything the session owned goes: connections reset (the peer sees a
// RST), listeners removed from every shard, queued connections reset.
// Records of reset connections stay until their shard reports them closed,
// so their kernel ports are held until the tuple is really free.
void AppStack::session_closed(uint32_t session) {
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return;
  Session& s = it->second;
  for (auto& [app_id, key] : s.conns) {
    auto c = conns_.find(key);
    if (c == conns_.end()) continue;
    if (c->second.gone) {
      conns_.erase(c);
      continue;
    }
    c->second.session = 0;
    c->second.app_id = 0;
    abort_conn(key);
    ++counters_.orphans_reset;
  }
  for (auto& [app_id, lkey] : s.listeners) release_listener(lkey);
  for (auto& [token, op] : ops_)
    if (op.session == session) op.session = 0;  // answered into the void
  sessions_.erase(it);
}

void AppStack::release_listener(uint32_t key) {
  auto it = listeners_.find(key);
  if (it == listeners_.end()) return;
  ListenerRec& l = it->second;
  if (--l.holders == 0) {
    drop_listener(key);
  } else if (!l.pending.empty()) {
    (void)l.ready.signal();  // the one that left may have drained the signal
  }
}

void AppStack::drop_listener(uint32_t key) {
  auto it = listeners_.find(key);
  if (it == listeners_.end()) return;
  ListenerRec& l = it->second;
  post_all(stack::Command{.kind = stack::CommandKind::kUnlisten, .local = l.id.local,
                          .local_port = l.id.port});
  for (const ConnKey& k : l.pending) {
    auto c = conns_.find(k);
    if (c == conns_.end()) continue;
    if (c->second.gone) {
      conns_.erase(c);
    } else {
      c->second.listener = 0;
      c->second.session = 0;
      abort_conn(k);
    }
  }
  listener_by_addr_.erase(key_of(l.id));
  listeners_.erase(it);  // closes the ready eventfd, releases the port
}

void AppStack::drain_completions() {
  size_t sent = 0;
  while (sent < retry_.size() && post(retry_[sent].first, retry_[sent].second)) ++sent;
  retry_.erase(retry_.begin(), retry_.begin() + static_cast<std::ptrdiff_t>(sent));
  completions_.drain_fd();
  Completion c;
  while (completions_.pop(c)) {
    switch (c.kind) {
      case Completion::Kind::kCommandDone: on_command_done(c); break;
      case Completion::Kind::kAccepted: on_accepted(c); break;
      case Completion::Kind::kClosed: on_closed(c); break;
    }
    c = Completion{};
  }
}

void AppStack::on_command_done(Completion& c) {
  auto it = ops_.find(c.token);
  if (it == ops_.end()) return;
  Op& op = it->second;
  if (op.type == XTCP_CTL_LISTEN) {
    if (c.err != 0 && op.err == 0) op.err = c.err;
    if (--op.remaining == 0) {
      finish_listen(c.token, op);
      ops_.erase(it);
    }
    return;
  }
  if (op.type == XTCP_CTL_CONNECT) {
    finish_connect(op, c);
    ops_.erase(it);
  }
}

void AppStack::finish_listen(uint64_t token, Op& op) {
  (void)token;
  Reply r;
  auto l = listeners_.find(op.listener);
  auto s = sessions_.find(op.session);
  if (op.err != 0 || l == listeners_.end() || s == sessions_.end()) {
    if (l != listeners_.end()) {
      if (s != sessions_.end()) s->second.listeners.erase(l->second.app_id);
      drop_listener(op.listener);
    }
    if (s == sessions_.end()) return;
    const int code = -op.err;
    error(&r, op.seq, XTCP_CTL_LISTEN, code,
          code == EADDRINUSE ? "xtcp already listens on that address and port"
                             : std::string("a shard refused the listener: ") + std::strerror(code));
    (void)sink_.send_reply(op.session, r);
    return;
  }
  r.bytes.assign(sizeof(xtcp_ctl_listen_reply), 0);
  auto* m = reinterpret_cast<xtcp_ctl_listen_reply*>(r.bytes.data());
  xtcp_ctl_header_init(&m->hdr, XTCP_CTL_LISTEN_REPLY, sizeof(*m), op.seq);
  m->listener_id = l->second.app_id;
  m->share_id = op.listener;
  std::memcpy(m->share_key, l->second.share_key.data(), sizeof(m->share_key));
  r.fds.push_back(l->second.ready.fd());
  if (!sink_.send_reply(op.session, r)) session_closed(op.session);
}

void AppStack::finish_connect(Op& op, Completion& c) {
  auto s = sessions_.find(op.session);
  if (s != sessions_.end() && s->second.connecting > 0) --s->second.connecting;
  if (c.err != 0 || !c.dc) {
    if (c.err == 0) abort_conn({c.shard, c.conn});  // no channel: cannot be served
    if (s == sessions_.end()) return;
    Reply r;
    const int code = c.err != 0 ? -c.err : ENOMEM;
    error(&r, op.seq, XTCP_CTL_CONNECT, code,
          std::string("connect refused by the shard: ") + std::strerror(code));
    (void)sink_.send_reply(op.session, r);
    return;
  }
  const ConnKey key{c.shard, c.conn};
  ConnRec& rec = conns_[key];
  rec.dc = std::move(c.dc);
  rec.port = std::move(op.port);
  if (s == sessions_.end()) {
    abort_conn(key);  // the app died while its shard was connecting
    return;
  }
  Session& sess = s->second;
  rec.session = op.session;
  rec.app_id = new_app_id(sess);
  rec.pid = sess.pid();
  sess.conns[rec.app_id] = key;
  Reply r;
  conn_reply(&r, XTCP_CTL_CONNECT_REPLY, op.seq, rec.app_id, rec, 0);
  if (!sink_.send_reply(op.session, r)) session_closed(op.session);
}

void AppStack::on_accepted(Completion& c) {
  const ConnKey key{c.shard, c.conn};
  auto idx = listener_by_addr_.find(key_of(c.listener));
  ListenerRec* l = idx == listener_by_addr_.end() ? nullptr : &listeners_[idx->second];
  if (l == nullptr || l->pending.size() >= l->backlog) {
    // Nobody listens any more, or the app does not accept fast enough
    // (Linux drops the final ACK instead; a RST frees the peer sooner).
    ++counters_.accept_overflow;
    abort_conn(key);
    return;
  }
  ConnRec& rec = conns_[key];
  rec.dc = std::move(c.dc);
  rec.listener = idx->second;
  rec.session = l->session;
  l->pending.push_back(key);
  (void)l->ready.signal();
}

void AppStack::on_closed(Completion& c) {
  auto it = conns_.find({c.shard, c.conn});
  if (it == conns_.end()) return;
  ConnRec& rec = it->second;
  rec.port.release();  // the tuple is free in the shard now
  if (rec.app_id != 0 && rec.session != 0) {
    rec.gone = true;  // the app still names it; CLOSE removes the record
    return;
  }
  if (rec.listener != 0) {
    auto l = listeners_.find(rec.listener);
    if (l != listeners_.end()) std::erase(l->second.pending, it->first);
  }
  conns_.erase(it);
}

void AppStack::add_stats(StatList& out) const {
  // conns: held by an app (accepted or connected, not yet closed by it);
  // queued: waiting for ACCEPT; closing: closed by the app or reset after
  // its death, still finishing in their shard (FIN, TIME-WAIT).
  uint64_t held = 0, queued = 0, closing = 0;
  for (const auto& [key, rec] : conns_) {
    if (rec.gone) continue;
    if (rec.app_id != 0) {
      ++held;
    } else if (rec.listener != 0) {
      ++queued;
    } else {
      ++closing;
    }
  }
  add_stat(out, "app.sessions", sessions_.size());
  add_stat(out, "app.sessions_opened", counters_.sessions_opened);
  add_stat(out, "app.conns", held);
  add_stat(out, "app.conns_queued", queued);
  add_stat(out, "app.conns_closing", closing);
  add_stat(out, "app.listeners", listeners_.size());
  add_stat(out, "app.requests", counters_.requests);
  add_stat(out, "app.refused_limit", counters_.refused_limit);
  add_stat(out, "app.accept_overflow", counters_.accept_overflow);
  add_stat(out, "app.orphans_reset", counters_.orphans_reset);
}

std::optional<uid_t> AppStack::owner_uid(const ConnRec& r) const {
  uint32_t session = r.session;
  if (session == 0 && r.listener != 0) {
    auto l = listeners_.find(r.listener);
    if (l != listeners_.end()) session = l->second.session;
  }
  auto s = sessions_.find(session);
  if (s == sessions_.end()) return std::nullopt;
  return s->second.uid();
}

void AppStack::message_from(uint32_t session, pid_t pid, uid_t uid) {
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return;
  it->second.sender_pid = pid;
  it->second.sender_uid = uid;
  it->second.sender_known = true;
}

void AppStack::connections(uint32_t session, std::vector<xtcp_ctl_conn_entry>& out) {
  out.clear();
  auto viewer = sessions_.find(session);
  if (viewer == sessions_.end()) return;
  const Session& who = viewer->second;
  // Tuples, byte counts and pids are the apps' business: one app sees its
  // own; root and the socket's group (the operators) see all.
  const bool sees_all = who.uid() == 0 || (cfg_.socket_gid && who.creds.gid() == *cfg_.socket_gid);
  for (const auto& [key, rec] : conns_) {
    if (!rec.dc) continue;
    if (!sees_all && owner_uid(rec) != who.uid()) continue;
    const DaemonConn& d = *rec.dc;
    const ConnSnapshot& s = d.snap;
    constexpr auto r = std::memory_order_relaxed;
    xtcp_ctl_conn_entry e{};
    e.local_family = static_cast<uint8_t>(d.tuple.local.family);
    e.state = static_cast<uint8_t>(s.state.load(r));
    e.local_port = d.tuple.local_port;
    e.peer_port = d.tuple.remote_port;
    e.shard = static_cast<uint16_t>(key.first);
    std::memcpy(e.local_addr, d.tuple.local.bytes.data(), 16);
    std::memcpy(e.peer_addr, d.tuple.remote.bytes.data(), 16);
    e.owner_pid = rec.session != 0 ? static_cast<uint32_t>(rec.pid) : 0;
    e.mss = s.mss.load(r);
    e.rtt_us = s.rtt_us.load(r);
    e.rttvar_us = s.rttvar_us.load(r);
    e.rto_ms = s.rto_ms.load(r);
    e.cwnd = s.cwnd.load(r);
    e.ssthresh = s.ssthresh.load(r);
    e.rx_queue = s.rx_queue.load(r);
    e.tx_queue = s.tx_queue.load(r);
    e.retransmits = s.retransmits.load(r);
    e.bytes_sent = s.bytes_sent.load(r);
    e.bytes_acked = s.bytes_acked.load(r);
    e.bytes_received = s.bytes_received.load(r);
    out.push_back(e);
  }
}

}  // namespace xtcp::daemon
