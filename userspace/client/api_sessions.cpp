// The control half of the C API: contexts, listen, accept, connect,
// shutdown, close. Each call is one validated request/reply with xtcpd.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "client/context.h"
#include "client/sockaddr_convert.h"

using namespace xtcp::client;

namespace {

void set_nonblock(int fd) {
  const int fl = fcntl(fd, F_GETFL);
  if (fl >= 0) fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int send_hello(xtcp_ctx* ctx) {
  xtcp_ctl_hello m{};
  xtcp_ctl_header_init(&m.hdr, XTCP_CTL_HELLO, sizeof(m), 0);
  m.pid = static_cast<uint32_t>(getpid());
  std::strncpy(m.client, "libxtcp", sizeof(m.client) - 1);
  xtcp_ctl_hello_reply r;
  return ctx->link.request(&m, sizeof(m), &r, sizeof(r), {});
}

int close_remote(xtcp_ctx* ctx, uint32_t id, uint32_t kind) {
  xtcp_ctl_close m{};
  xtcp_ctl_header_init(&m.hdr, XTCP_CTL_CLOSE, sizeof(m), 0);
  m.id = id;
  m.kind = kind;
  xtcp_ctl_ack r;
  return ctx->link.request(&m, sizeof(m), &r, sizeof(r), {});
}

// Turns an ACCEPT/CONNECT reply and its [memfd, kick, notify] into a handle.
int adopt_conn(xtcp_ctx* ctx, const xtcp_ctl_conn_reply& r, const int (&fds)[3]) {
  ChannelOpenError why = ChannelOpenError::kNone;
  auto ch = AppChannel::open(fds[0], &why);
  close(fds[0]);  // the mapping outlives the memfd
  if (!ch) {
    close(fds[1]);
    close(fds[2]);
    close_remote(ctx, r.conn_id, XTCP_CTL_OBJ_CONN);
    return fail(EPROTO, std::string("xtcpd passed an unusable channel: ") + describe(why));
  }
  // A hostile or stuck daemon must never block the app on these fds.
  set_nonblock(fds[1]);
  set_nonblock(fds[2]);
  auto h = std::make_unique<Handle>();
  h->conn.emplace(ConnHandle{.id = r.conn_id, .channel = std::move(*ch), .kick_fd = fds[1],
                             .notify_fd = fds[2], .local = r.local, .peer = r.peer,
                             .established_at_reply = r.state >= XTCP_CHAN_STATE_ESTABLISHED});
  h->conn->channel.events();  // baseline for kEvents waits
  const int sock = ctx->add(std::move(h));
  if (sock < 0) {
    close_remote(ctx, r.conn_id, XTCP_CTL_OBJ_CONN);
    return fail(EMFILE, "this context holds 65536 sockets already; close some");
  }
  return sock;
}

int accept_once(xtcp_ctx* ctx, ListenerHandle& l, sockaddr_storage* peer) {
  drain_eventfd(l.ready_fd);  // before asking: a later arrival re-signals it
  xtcp_ctl_accept m{};
  xtcp_ctl_header_init(&m.hdr, XTCP_CTL_ACCEPT, sizeof(m), 0);
  m.listener_id = l.id;
  xtcp_ctl_conn_reply r;
  int fds[3];
  if (int rc = ctx->link.request(&m, sizeof(m), &r, sizeof(r), fds); rc < 0) {
    if (rc == -EAGAIN) l.pending_hint = 0;
    return fail_link(ctx->link, rc);
  }
  l.pending_hint = r.pending;
  const int sock = adopt_conn(ctx, r, fds);
  if (sock >= 0 && peer) from_ctl_addr(r.peer, peer);
  return sock;
}

// Blocking connect: wait for ESTABLISHED or an error in the events word.
int wait_connected(xtcp_ctx* ctx, int sock, const Deadline& d) {
  ConnHandle& c = *ctx->conn(sock);
  for (;;) {
    const AppEvents ev = decode_events(c.channel.events());
    if (ev.established || c.established_at_reply) return sock;
    if (ctx->lost() && !ev.error) {
      xtcp_close(ctx, sock);
      return fail_lost("xtcp_connect");
    }
    if (ev.error || ev.closed) {
      const int err = ev.error_code > 0 ? ev.error_code : ECONNRESET;
      xtcp_close(ctx, sock);
      return fail(err, std::string("connect failed: ") + xtcp_strerror(err));
    }
    if (d.expired()) {
      xtcp_close(ctx, sock);
      return fail(ETIMEDOUT, "connect: no answer from the peer before the timeout; the attempt was abandoned");
    }
    if (c.channel.prepare_sleep(kEvents) && wait_readable(ctx, c.notify_fd, d))
      drain_eventfd(c.notify_fd);
    c.channel.finish_sleep();
  }
}

}  // namespace

extern "C" xtcp_ctx* xtcp_open(const char* socket_path) {
  auto* ctx = new (std::nothrow) xtcp_ctx;
  if (!ctx) {
    fail(ENOMEM, "out of memory for a new context");
    return nullptr;
  }
  const char* path = socket_path ? socket_path : xtcp_ctl_socket_path();
  int rc = ctx->link.connect(path);
  if (rc == 0) rc = send_hello(ctx);
  if (rc < 0) {
    fail_link(ctx->link, rc);
    const int saved = errno;
    delete ctx;
    errno = saved;
    return nullptr;
  }
  return ctx;
}

extern "C" void xtcp_close_ctx(xtcp_ctx* ctx) {
  if (!ctx) return;
  const int saved = errno;
  for (size_t i = 0; i < ctx->handles.size(); ++i)
    if (ctx->handles[i]) xtcp_close(ctx, static_cast<int>(i));
  delete ctx;
  errno = saved;
}

namespace {

// A LISTEN or SHARE reply's listener as a handle of the context.
int add_listener(xtcp_ctx* ctx, const xtcp_ctl_listen_reply& r, int ready_fd,
                 const xtcp_ctl_addr& local) {
  set_nonblock(ready_fd);
  auto h = std::make_unique<Handle>();
  ListenerHandle l{.id = r.listener_id, .ready_fd = ready_fd, .local = local};
  l.ticket.id = r.share_id;
  std::memcpy(l.ticket.key, r.share_key, sizeof(l.ticket.key));
  h->listener.emplace(l);
  const int sock = ctx->add(std::move(h));
  if (sock < 0) {
    close_remote(ctx, r.listener_id, XTCP_CTL_OBJ_LISTENER);
    return fail(EMFILE, "this context holds 65536 sockets already; close some");
  }
  return sock;
}

}  // namespace

extern "C" int xtcp_listen(xtcp_ctx* ctx, const sockaddr* addr, socklen_t addrlen, int backlog) {
  return xtcp_listen_flags(ctx, addr, addrlen, backlog, 0);
}

extern "C" int xtcp_listen_flags(xtcp_ctx* ctx, const sockaddr* addr, socklen_t addrlen,
                                 int backlog, unsigned flags) {
  static_assert(XTCP_LISTEN_REUSEADDR == XTCP_CTL_LISTEN_REUSEADDR, "public flag is the wire flag");
  if ((flags & ~XTCP_LISTEN_REUSEADDR) != 0)
    return fail(EINVAL, "xtcp_listen_flags: unknown flags");
  xtcp_ctl_listen m{};
  xtcp_ctl_header_init(&m.hdr, XTCP_CTL_LISTEN, sizeof(m), 0);
  m.flags = flags;
  if (!to_ctl_addr(addr, addrlen, &m.local))
    return fail(EINVAL, "xtcp_listen: the address must be a sockaddr_in or sockaddr_in6");
  m.backlog = backlog <= 0 ? 128 : static_cast<uint32_t>(backlog);
  if (m.backlog > XTCP_CTL_MAX_BACKLOG) m.backlog = XTCP_CTL_MAX_BACKLOG;
  if (xtcp_ctl_check_fields(&m, sizeof(m)) < 0)
    return fail(EINVAL, "xtcp_listen: port must be between 1 and 65535");
  xtcp_ctl_listen_reply r;
  int fd = -1;
  if (int rc = ctx->link.request(&m, sizeof(m), &r, sizeof(r), {&fd, 1}); rc < 0)
    return fail_link(ctx->link, rc);
  return add_listener(ctx, r, fd, m.local);
}

extern "C" int xtcp_listener_ticket(xtcp_ctx* ctx, int listener, xtcp_share_ticket* out) {
  const ListenerHandle* l = ctx ? ctx->listener(listener) : nullptr;
  if (!l) return bad_handle(listener, "a listener");
  *out = l->ticket;
  from_ctl_addr(l->local, &out->local);
  return 0;
}

extern "C" int xtcp_listen_share(xtcp_ctx* ctx, const xtcp_share_ticket* ticket) {
  static_assert(sizeof(ticket->key) == XTCP_CTL_SHARE_KEY_LEN, "ticket key is the wire key");
  xtcp_ctl_share m{};
  xtcp_ctl_header_init(&m.hdr, XTCP_CTL_SHARE, sizeof(m), 0);
  m.share_id = ticket->id;
  std::memcpy(m.share_key, ticket->key, sizeof(m.share_key));
  if (xtcp_ctl_check_fields(&m, sizeof(m)) < 0)
    return fail(EBADF, "xtcp_listen_share: the ticket names no listener");
  xtcp_ctl_listen_reply r;
  int fd = -1;
  if (int rc = ctx->link.request(&m, sizeof(m), &r, sizeof(r), {&fd, 1}); rc < 0)
    return fail_link(ctx->link, rc);
  xtcp_ctl_addr local{};
  if (!to_ctl_addr(reinterpret_cast<const sockaddr*>(&ticket->local), sizeof(ticket->local), &local))
    local = xtcp_ctl_addr{};  // getsockname then says the family only
  return add_listener(ctx, r, fd, local);
}

extern "C" void xtcp_forget_inherited(xtcp_ctx* ctx) {
  delete ctx;  // handle and link destructors close descriptors, send nothing
}

extern "C" int xtcp_accept(xtcp_ctx* ctx, int listener, sockaddr_storage* peer, int timeout_ms) {
  const Deadline d(timeout_ms);
  for (;;) {
    ListenerHandle* l = ctx->listener(listener);
    if (!l) return bad_handle(listener, "a listener");
    if (ctx->lost()) return fail_lost("xtcp_accept");
    pollfd p{l->ready_fd, POLLIN, 0};
    if (l->pending_hint > 0 || poll(&p, 1, 0) > 0) {
      const int sock = accept_once(ctx, *l, peer);
      if (sock >= 0 || errno != EAGAIN) return sock;
      continue;  // a stale signal: wait again
    }
    if (timeout_ms == 0) return fail(EAGAIN, "xtcp_accept: no pending connection");
    if (!wait_readable(ctx, l->ready_fd, d) && d.expired())
      return fail(ETIMEDOUT, "xtcp_accept: no connection arrived before the timeout");
  }
}

extern "C" int xtcp_connect(xtcp_ctx* ctx, const sockaddr* remote, socklen_t remote_len,
                            const sockaddr* local, socklen_t local_len, int timeout_ms) {
  xtcp_ctl_connect m{};
  xtcp_ctl_header_init(&m.hdr, XTCP_CTL_CONNECT, sizeof(m), 0);
  if (!to_ctl_addr(remote, remote_len, &m.remote) ||
      (local && !to_ctl_addr(local, local_len, &m.local)))
    return fail(EINVAL, "xtcp_connect: addresses must be sockaddr_in or sockaddr_in6");
  if (xtcp_ctl_check_fields(&m, sizeof(m)) < 0)
    return fail(EINVAL, "xtcp_connect: remote port must be non-zero and both addresses of one family");
  const Deadline d(timeout_ms);
  xtcp_ctl_conn_reply r;
  int fds[3];
  if (int rc = ctx->link.request(&m, sizeof(m), &r, sizeof(r), fds); rc < 0)
    return fail_link(ctx->link, rc);
  const int sock = adopt_conn(ctx, r, fds);
  if (sock < 0 || timeout_ms == 0) return sock;
  return wait_connected(ctx, sock, d);
}

extern "C" int xtcp_shutdown(xtcp_ctx* ctx, int sock, int how) {
  ConnHandle* c = ctx->conn(sock);
  if (!c) return bad_handle(sock, "a connection");
  if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
    return fail(EINVAL, "xtcp_shutdown: how must be SHUT_RD, SHUT_WR or SHUT_RDWR");
  if (how != SHUT_RD) {
    // The flag rides the ring after the last byte: FIN follows all data.
    c->shut_wr = true;
    c->channel.request_shutdown_write();
    kick_if_needed(*c);
  }
  if (how != SHUT_WR) c->shut_rd = true;
  xtcp_ctl_shutdown m{};
  xtcp_ctl_header_init(&m.hdr, XTCP_CTL_SHUTDOWN, sizeof(m), 0);
  m.conn_id = c->id;
  m.how = static_cast<uint32_t>(how);
  xtcp_ctl_ack r;
  if (int rc = ctx->link.request(&m, sizeof(m), &r, sizeof(r), {}); rc < 0)
    return fail_link(ctx->link, rc);
  return 0;
}

extern "C" int xtcp_close(xtcp_ctx* ctx, int sock) {
  int rc = 0;
  if (ctx->lost() && (ctx->conn(sock) || ctx->listener(sock))) {
    ctx->remove(sock);  // nobody to tell: the daemon released it when it died
    return 0;
  }
  if (ConnHandle* c = ctx->conn(sock)) {
    // The ring flag closes the connection (the shard applies it after the
    // last published byte); the CLOSE message only retires the id in the
    // session, so it is posted without waiting for its reply.
    c->channel.request_close();
    kick_if_needed(*c);
    xtcp_ctl_close m{};
    xtcp_ctl_header_init(&m.hdr, XTCP_CTL_CLOSE, sizeof(m), 0);
    m.id = c->id;
    m.kind = XTCP_CTL_OBJ_CONN;
    rc = ctx->link.post(&m, sizeof(m));
  } else if (ListenerHandle* l = ctx->listener(sock)) {
    rc = close_remote(ctx, l->id, XTCP_CTL_OBJ_LISTENER);
  } else {
    return bad_handle(sock, "a socket");
  }
  ctx->remove(sock);  // released locally whatever the daemon said, like close(2)
  return rc < 0 ? fail_link(ctx->link, rc) : 0;
}
