// AppStack request handlers: LISTEN, ACCEPT, CONNECT, SHUTDOWN, CLOSE.
// Every field was range-checked by xtcp_ctl_check_fields; what is checked
// here is what only the daemon knows (ownership, ports, limits).
#include <sys/random.h>

#include <cassert>
#include <cerrno>
#include <cstring>

#include "daemon/app_stack.h"
#include "daemon/id_alloc.h"

namespace xtcp::daemon {

namespace {

wire::IpAddress to_ip(const xtcp_ctl_addr& a) {
  return a.family == AF_INET6 ? wire::IpAddress::v6_from_bytes(a.addr)
                              : wire::IpAddress::v4_from_bytes(a.addr);
}

xtcp_ctl_addr to_ctl(const wire::IpAddress& ip, uint16_t port) {
  xtcp_ctl_addr a{};
  a.family = ip.family == wire::IpFamily::kV6 ? AF_INET6 : AF_INET;
  a.port = port;
  std::memcpy(a.addr, ip.bytes.data(), ip.size());
  return a;
}

template <class Msg>
Msg read_msg(const uint8_t* p) {
  Msg m;
  std::memcpy(&m, p, sizeof(m));
  return m;
}

const char* reserve_text(int rc) {
  switch (-rc) {
    case EADDRINUSE: return "address and port already in use (by a kernel socket or another xtcp app)";
    case EACCES: return "ports below 1024 need root or CAP_NET_BIND_SERVICE";
    case EADDRNOTAVAIL: return "that address does not belong to the interface xtcpd serves";
    default: return "the kernel refused to reserve the port";
  }
}

// Equal keys, in time that does not depend on where they differ.
bool same_key(const uint8_t* a, const uint8_t* b, size_t n) {
  uint8_t diff = 0;
  for (size_t i = 0; i < n; ++i) diff |= static_cast<uint8_t>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

void AppStack::error(Reply* out, uint32_t seq, uint16_t type, int code, const std::string& text) {
  out->fds.clear();
  out->bytes.assign(sizeof(xtcp_ctl_error), 0);
  auto* e = reinterpret_cast<xtcp_ctl_error*>(out->bytes.data());
  xtcp_ctl_header_init(&e->hdr, XTCP_CTL_ERROR, sizeof(*e), seq);
  e->code = code;
  e->request_type = type;
  std::strncpy(e->text, text.c_str(), sizeof(e->text) - 1);
}

void AppStack::ack(Reply* out, uint16_t type, uint32_t seq, uint32_t id) {
  out->fds.clear();
  out->bytes.assign(sizeof(xtcp_ctl_ack), 0);
  auto* a = reinterpret_cast<xtcp_ctl_ack*>(out->bytes.data());
  xtcp_ctl_header_init(&a->hdr, static_cast<uint16_t>(type | XTCP_CTL_REPLY_BIT), sizeof(*a), seq);
  a->id = id;
}

void AppStack::conn_reply(Reply* out, uint16_t type, uint32_t seq, uint32_t app_id,
                          const ConnRec& r, uint32_t pending) {
  out->bytes.assign(sizeof(xtcp_ctl_conn_reply), 0);
  auto* m = reinterpret_cast<xtcp_ctl_conn_reply*>(out->bytes.data());
  xtcp_ctl_header_init(&m->hdr, type, sizeof(*m), seq);
  const DaemonConn& d = *r.dc;
  m->conn_id = app_id;
  m->state = type == XTCP_CTL_CONNECT_REPLY
                 ? static_cast<uint32_t>(XTCP_CHAN_STATE_SYN_SENT)
                 : d.snap.state.load(std::memory_order_relaxed);
  if (m->state > XTCP_CTL_MAX_CHAN_STATE) m->state = XTCP_CHAN_STATE_CLOSED;
  m->local = to_ctl(d.tuple.local, d.tuple.local_port);
  m->peer = to_ctl(d.tuple.remote, d.tuple.remote_port);
  m->pending = pending;
  out->fds = {d.ch.fd(), d.kick.fd(), d.notify.fd()};
}

// Frames to other addresses never reach our AF_XDP sockets.
bool AppStack::serves(const wire::IpAddress& a) const {
  for (const wire::IpAddress& mine : cfg_.addresses)
    if (mine == a) return true;
  return false;
}

uint32_t AppStack::new_app_id(Session& s) {
  return next_free_id(s.next_id, [&](uint32_t id) {
    return s.conns.count(id) != 0 || s.listeners.count(id) != 0;
  });
}

AppStack::ConnRec* AppStack::conn_of(Session& s, uint32_t app_id) {
  auto it = s.conns.find(app_id);
  if (it == s.conns.end()) return nullptr;
  auto c = conns_.find(it->second);
  return c == conns_.end() ? nullptr : &c->second;
}

// nullopt, or why one more connection is refused (and *code: EMFILE/ENOMEM).
std::optional<std::string> AppStack::over_limit(const Session& s, int* code) const {
  const uint64_t held = s.conns.size() + s.connecting;
  if (held >= cfg_.limits.conns_per_app) {
    *code = EMFILE;
    return "this app holds " + std::to_string(held) +
           " connections, the per-app limit (xtcpd --max-app-conns); close some";
  }
  if ((held + 1) * cfg_.channel_bytes > cfg_.limits.memory_per_app) {
    *code = ENOMEM;
    return "one more connection would pass this app's ring memory limit (xtcpd --app-memory)";
  }
  return std::nullopt;
}

bool AppStack::request(uint32_t sid, const uint8_t* msg, size_t len, Reply* out) {
  (void)len;
  ++counters_.requests;
  xtcp_ctl_header h;
  std::memcpy(&h, msg, sizeof(h));
  auto it = sessions_.find(sid);
  if (it == sessions_.end()) {
    error(out, h.seq, h.type, EPIPE, "session unknown to the application layer");
    return true;
  }
  Session& s = it->second;
  switch (h.type) {
    case XTCP_CTL_LISTEN: return on_listen(s, sid, read_msg<xtcp_ctl_listen>(msg), out);
    case XTCP_CTL_ACCEPT: return on_accept(s, sid, read_msg<xtcp_ctl_accept>(msg), out);
    case XTCP_CTL_SHARE: return on_share(s, read_msg<xtcp_ctl_share>(msg), out);
    case XTCP_CTL_CONNECT: return on_connect(s, sid, read_msg<xtcp_ctl_connect>(msg), out);
    case XTCP_CTL_SHUTDOWN: return on_shutdown(s, read_msg<xtcp_ctl_shutdown>(msg), out);
    case XTCP_CTL_CLOSE: return on_close(s, read_msg<xtcp_ctl_close>(msg), out);
    case XTCP_CTL_SET_OPTION: return on_set_option(s, read_msg<xtcp_ctl_option>(msg), out);
    case XTCP_CTL_GET_OPTION: return on_get_option(s, read_msg<xtcp_ctl_option>(msg), out);
    default: error(out, h.seq, h.type, ENOSYS, "request not served by this xtcpd"); return true;
  }
}

bool AppStack::on_listen(Session& s, uint32_t sid, const xtcp_ctl_listen& m, Reply* out) {
  const uint32_t seq = m.hdr.seq;
  const uint16_t type = XTCP_CTL_LISTEN;
  if (s.listeners.size() >= cfg_.limits.listeners_per_app) {
    ++counters_.refused_limit;
    error(out, seq, type, EMFILE, "this app has reached its listener limit; close some");
    return true;
  }
  if (m.local.port < unprivileged_port_start() && !s.may_bind_privileged_port()) {
    error(out, seq, type, EACCES, "ports below 1024 need root or CAP_NET_BIND_SERVICE");
    return true;
  }
  const wire::IpAddress local = to_ip(m.local);
  if (!is_wildcard(local) && !serves(local)) {
    error(out, seq, type, EADDRNOTAVAIL,
          "that address does not belong to the interface xtcpd serves");
    return true;
  }
  ListenerRec l;
  const PortSharing sharing = (m.flags & XTCP_CTL_LISTEN_REUSEADDR) != 0
                                  ? PortSharing::kTimeWaitOk
                                  : PortSharing::kExclusive;
  if (int rc = PortReservation::reserve(local, m.local.port, &l.port, sharing); rc < 0) {
    error(out, seq, type, -rc, reserve_text(rc));
    return true;
  }
  if (!l.port.held() || stack::EventFd::create(l.ready) < 0) {
    error(out, seq, type, EMFILE, "xtcpd is out of descriptors");
    return true;
  }
  if (getrandom(l.share_key.data(), l.share_key.size(), 0) !=
      static_cast<ssize_t>(l.share_key.size())) {
    error(out, seq, type, EAGAIN, "the kernel gave no random bytes for the share key; try again");
    return true;
  }
  const uint32_t key =
      next_free_id(next_listener_, [&](uint32_t id) { return listeners_.count(id) != 0; });
  l.session = sid;
  l.app_id = new_app_id(s);
  l.id = stack::ListenerId{local, m.local.port};
  l.backlog = m.backlog;
  const uint64_t token = next_token_++;
  Op op;
  op.session = sid;
  op.seq = seq;
  op.type = type;
  op.remaining = static_cast<uint32_t>(shards_.size());
  op.listener = key;
  s.listeners[l.app_id] = key;
  listener_by_addr_[key_of(l.id)] = key;
  const stack::Command cmd{.kind = stack::CommandKind::kListen, .token = token, .local = local,
                           .local_port = m.local.port};
  const bool inserted = listeners_.emplace(key, std::move(l)).second;
  assert(inserted && "next_free_id skipped every live listener key");
  (void)inserted;
  // Every shard listens: a SYN may arrive on any receive queue.
  for (uint32_t i = 0; i < shards_.size(); ++i) {
    if (!post(i, cmd)) {
      --op.remaining;
      op.err = -EAGAIN;
    }
  }
  if (op.remaining == 0) {
    finish_listen(token, op);  // replies through the sink
    return false;
  }
  ops_.emplace(token, std::move(op));
  return false;
}

bool AppStack::on_share(Session& s, const xtcp_ctl_share& m, Reply* out) {
  const uint16_t type = XTCP_CTL_SHARE;
  auto found = listeners_.find(m.share_id);
  if (found == listeners_.end() ||
      !same_key(found->second.share_key.data(), m.share_key, sizeof(m.share_key))) {
    error(out, m.hdr.seq, type, EBADF, "no listener has that share ticket (closed, or never issued)");
    return true;
  }
  if (s.listeners.size() >= cfg_.limits.listeners_per_app) {
    ++counters_.refused_limit;
    error(out, m.hdr.seq, type, EMFILE, "this app has reached its listener limit; close some");
    return true;
  }
  ListenerRec& l = found->second;
  const uint32_t app_id = new_app_id(s);
  s.listeners[app_id] = m.share_id;
  ++l.holders;
  out->bytes.assign(sizeof(xtcp_ctl_listen_reply), 0);
  auto* r = reinterpret_cast<xtcp_ctl_listen_reply*>(out->bytes.data());
  xtcp_ctl_header_init(&r->hdr, XTCP_CTL_SHARE_REPLY, sizeof(*r), m.hdr.seq);
  r->listener_id = app_id;
  r->share_id = m.share_id;
  std::memcpy(r->share_key, l.share_key.data(), sizeof(r->share_key));
  out->fds = {l.ready.fd()};
  return true;
}

bool AppStack::on_accept(Session& s, uint32_t sid, const xtcp_ctl_accept& m, Reply* out) {
  auto li = s.listeners.find(m.listener_id);
  auto found = li == s.listeners.end() ? listeners_.end() : listeners_.find(li->second);
  if (found == listeners_.end()) {
    error(out, m.hdr.seq, XTCP_CTL_ACCEPT, EBADF, "no such listener in this session");
    return true;
  }
  ListenerRec& l = found->second;
  while (!l.pending.empty()) {
    const ConnKey key = l.pending.front();
    auto c = conns_.find(key);
    if (c == conns_.end()) {
      l.pending.pop_front();
      continue;
    }
    int code = 0;
    if (auto why = over_limit(s, &code)) {
      ++counters_.refused_limit;
      error(out, m.hdr.seq, XTCP_CTL_ACCEPT, code, *why);  // stays queued, like accept(2)
      if (l.holders > 1) (void)l.ready.signal();  // another holder may take it
      return true;
    }
    l.pending.pop_front();
    ConnRec& rec = c->second;
    rec.listener = 0;
    rec.session = sid;  // a shared listener's connection is the acceptor's
    rec.app_id = new_app_id(s);
    rec.pid = s.pid();
    s.conns[rec.app_id] = key;
    conn_reply(out, XTCP_CTL_ACCEPT_REPLY, m.hdr.seq, rec.app_id, rec,
               static_cast<uint32_t>(l.pending.size()));
    // Holders share one ready eventfd and each drains it before ACCEPT: one
    // that drained and then stalls must not hide what is still queued from
    // the others (the kernel's listener stays readable while its queue is
    // not empty).
    if (l.holders > 1 && !l.pending.empty()) (void)l.ready.signal();
    return true;
  }
  error(out, m.hdr.seq, XTCP_CTL_ACCEPT, EAGAIN, "no connection is waiting on this listener");
  return true;
}

bool AppStack::on_connect(Session& s, uint32_t sid, const xtcp_ctl_connect& m, Reply* out) {
  const uint32_t seq = m.hdr.seq;
  const uint16_t type = XTCP_CTL_CONNECT;
  int code = 0;
  if (auto why = over_limit(s, &code)) {
    ++counters_.refused_limit;
    error(out, seq, type, code, *why);
    return true;
  }
  const wire::IpAddress remote = to_ip(m.remote);
  wire::IpAddress local;
  if (m.local.family != 0 && !is_wildcard(to_ip(m.local))) {
    local = to_ip(m.local);
    if (!serves(local)) {
      error(out, seq, type, EADDRNOTAVAIL,
            "the local address does not belong to the interface xtcpd serves");
      return true;
    }
  } else {
    const auto& src = remote.family == wire::IpFamily::kV6 ? cfg_.local_v6 : cfg_.local_v4;
    if (!src) {
      error(out, seq, type, EADDRNOTAVAIL, "the interface has no address of that family");
      return true;
    }
    local = *src;
  }
  if (m.local.family != 0 && m.local.port != 0 && m.local.port < unprivileged_port_start() &&
      !s.may_bind_privileged_port()) {
    error(out, seq, type, EACCES, "ports below 1024 need root or CAP_NET_BIND_SERVICE");
    return true;
  }
  Op op;
  const int rc = m.local.port != 0 ? PortReservation::reserve(local, m.local.port, &op.port)
                                   : PortReservation::reserve_ephemeral(local, &op.port);
  if (rc < 0) {
    error(out, seq, type, -rc, reserve_text(rc));
    return true;
  }
  const uint64_t token = next_token_++;
  const uint32_t shard = next_shard_++ % static_cast<uint32_t>(shards_.size());
  const stack::Command cmd{.kind = stack::CommandKind::kConnect, .token = token, .local = local,
                           .local_port = op.port.port(), .remote = remote,
                           .remote_port = m.remote.port};
  if (!post(shard, cmd)) {
    error(out, seq, type, EAGAIN, "the shard's command queue is full; try again");
    return true;
  }
  op.session = sid;
  op.seq = seq;
  op.type = type;
  ++s.connecting;
  ops_.emplace(token, std::move(op));
  return false;
}

bool AppStack::on_shutdown(Session& s, const xtcp_ctl_shutdown& m, Reply* out) {
  ConnRec* r = conn_of(s, m.conn_id);
  if (r == nullptr) {
    error(out, m.hdr.seq, XTCP_CTL_SHUTDOWN, EBADF, "no such connection in this session");
    return true;
  }
  if (m.how != SHUT_RD && !r->gone) {
    const ConnKey& key = s.conns.at(m.conn_id);
    post_or_retry(key.first,
                  stack::Command{.kind = stack::CommandKind::kShutdownWrite, .conn = key.second});
  }
  ack(out, XTCP_CTL_SHUTDOWN, m.hdr.seq, m.conn_id);
  return true;
}

bool AppStack::on_close(Session& s, const xtcp_ctl_close& m, Reply* out) {
  if (m.kind == XTCP_CTL_OBJ_LISTENER) {
    auto li = s.listeners.find(m.id);
    if (li == s.listeners.end()) {
      error(out, m.hdr.seq, XTCP_CTL_CLOSE, EBADF, "no such listener in this session");
      return true;
    }
    release_listener(li->second);
    s.listeners.erase(li);
    ack(out, XTCP_CTL_CLOSE, m.hdr.seq, m.id);
    return true;
  }
  if (conn_of(s, m.id) == nullptr) {
    error(out, m.hdr.seq, XTCP_CTL_CLOSE, EBADF, "no such connection in this session");
    return true;
  }
  release_conn(s, m.id);
  ack(out, XTCP_CTL_CLOSE, m.hdr.seq, m.id);
  return true;
}

// close(2): FIN after the queued data; the record stays (without an app)
// until the shard is done with the connection.
void AppStack::release_conn(Session& s, uint32_t app_id) {
  const ConnKey key = s.conns.at(app_id);
  s.conns.erase(app_id);
  auto c = conns_.find(key);
  if (c == conns_.end()) return;
  if (c->second.gone) {
    conns_.erase(c);
    return;
  }
  c->second.session = 0;
  c->second.app_id = 0;
  post_or_retry(key.first, stack::Command{.kind = stack::CommandKind::kClose, .conn = key.second});
}

}  // namespace xtcp::daemon
