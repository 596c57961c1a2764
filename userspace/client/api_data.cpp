// The data half of the C API: send/recv over the shared-memory rings,
// readiness (xtcp_poll, the user-epoll pair), addresses and socket errors.
// While the daemon is awake a send or recv is a copy plus an index store:
// syscalls happen only to kick a sleeping daemon or to sleep ourselves.
// Every sleep also watches the control socket: a daemon that died never
// signals an eventfd, but its session hangs up (ctx->lost()).
#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <span>
#include <string>
#include <vector>

#include "client/context.h"
#include "client/sockaddr_convert.h"

using namespace xtcp::client;

namespace {

bool established(ConnHandle& c, const AppEvents& ev) {
  return ev.established || c.established_at_reply;
}

// Readiness of one socket in XTCP_POLL* bits (ERR/HUP always included).
short conn_revents(xtcp_ctx* ctx, ConnHandle& c, short events) {
  // Without a daemon the socket has failed: every call returns at once.
  if (ctx->lost())
    return static_cast<short>(XTCP_POLLERR | XTCP_POLLHUP | (events & (XTCP_POLLIN | XTCP_POLLOUT)));
  const AppEvents ev = decode_events(c.channel.events());
  short r = 0;
  if ((events & XTCP_POLLIN) &&
      (c.channel.rx_available() > 0 || ev.peer_fin || ev.error || ev.closed || c.shut_rd))
    r |= XTCP_POLLIN;
  if ((events & XTCP_POLLOUT) &&
      ((established(c, ev) && !c.shut_wr && c.channel.tx_free() > 0) || ev.error))
    r |= XTCP_POLLOUT;
  if (ev.error) r |= XTCP_POLLERR;
  if (ev.closed || (ev.peer_fin && c.shut_wr)) r |= XTCP_POLLHUP;
  return r;
}

short listener_revents(xtcp_ctx* ctx, ListenerHandle& l, short events) {
  const short lost = static_cast<short>(XTCP_POLLERR | XTCP_POLLHUP | (events & XTCP_POLLIN));
  if (ctx->lost()) return lost;
  if (l.pending_hint > 0 && (events & XTCP_POLLIN)) return XTCP_POLLIN;
  pollfd p[2] = {{l.ready_fd, POLLIN, 0}, ctx->link.hangup_pollfd()};
  if (poll(p, 2, 0) <= 0) return 0;
  if (ctx->link.note_hangup(p[1])) return lost;
  return (events & XTCP_POLLIN) && (p[0].revents & POLLIN) ? XTCP_POLLIN : 0;
}

// What AppChannel::prepare_sleep must watch for `events`.
unsigned wait_mask(ConnHandle& c, short events) {
  unsigned m = kEvents;  // errors, FIN and completion of a connect
  if (events & XTCP_POLLIN) m |= kReadable;
  if ((events & XTCP_POLLOUT) && established(c, decode_events(c.channel.events()))) m |= kWritable;
  return m;
}

// Sleeps on the notify eventfd (and the session's hang-up) until `what`
// may be ready or the deadline passes (one pass; callers re-check and
// loop). False: deadline passed.
bool sleep_once(xtcp_ctx* ctx, ConnHandle& c, unsigned what, const Deadline& d) {
  if (d.expired()) return false;
  c.channel.events();  // kEvents baseline
  if (c.channel.prepare_sleep(what) && wait_readable(ctx, c.notify_fd, d))
    drain_eventfd(c.notify_fd);
  c.channel.finish_sleep();
  return true;
}

// The connection's error: its own (RST, timeout ...) before the session's.
int conn_error(xtcp_ctx* ctx, ConnHandle& c) {
  const AppEvents ev = decode_events(c.channel.events());
  if (ev.error) return ev.error_code > 0 ? ev.error_code : ECONNRESET;
  return ctx->lost() ? ECONNRESET : 0;
}

}  // namespace

extern "C" ssize_t xtcp_send(xtcp_ctx* ctx, int sock, const void* buf, size_t len, int timeout_ms) {
  ConnHandle* c = ctx->conn(sock);
  if (!c) return bad_handle(sock, "a connection");
  if (c->shut_wr) return fail(EPIPE, "xtcp_send after shutdown(SHUT_WR)");
  const auto* p = static_cast<const uint8_t*>(buf);
  const Deadline d(timeout_ms);
  size_t done = 0;
  for (;;) {
    const AppEvents ev = decode_events(c->channel.events());
    if (done > 0 && (ev.error || ctx->lost())) return static_cast<ssize_t>(done);  // like send(2)
    if (ev.error) {
      const int err = ev.error_code > 0 ? ev.error_code : ECONNRESET;
      return fail(err, std::string("xtcp_send: ") + xtcp_strerror(err));
    }
    if (ctx->lost()) return fail_lost("xtcp_send");
    if (ev.closed) return fail(EPIPE, "xtcp_send: the connection was closed by xtcpd");
    done += c->channel.write({p + done, len - done});
    kick_if_needed(*c);
    if (done == len) return static_cast<ssize_t>(done);
    if (timeout_ms == 0 || !sleep_once(ctx, *c, kWritable, d)) {
      if (done > 0) return static_cast<ssize_t>(done);
      return timeout_ms == 0 ? fail(EAGAIN, "xtcp_send: the send ring is full")
                             : fail(ETIMEDOUT, "xtcp_send: the send ring stayed full until the timeout");
    }
  }
}

extern "C" ssize_t xtcp_recv(xtcp_ctx* ctx, int sock, void* buf, size_t len, int timeout_ms) {
  ConnHandle* c = ctx->conn(sock);
  if (!c) return bad_handle(sock, "a connection");
  const Deadline d(timeout_ms);
  for (;;) {
    if (c->shut_rd) return 0;
    // Events after data: the daemon publishes rx.prod before FIN/error, so
    // reading the ring once more after seeing them loses no byte.
    const AppEvents ev = decode_events(c->channel.events());
    const size_t n = c->channel.read({static_cast<uint8_t*>(buf), len});
    if (n > 0 || len == 0) {
      kick_if_needed(*c);  // freed space may reopen the TCP window
      return static_cast<ssize_t>(n);
    }
    if (ev.error) {
      const int err = ev.error_code > 0 ? ev.error_code : ECONNRESET;
      return fail(err, std::string("xtcp_recv: ") + xtcp_strerror(err));
    }
    if (ev.peer_fin || ev.closed) return 0;
    // Bytes already in the ring were received before the daemon died.
    if (ctx->lost()) return fail_lost("xtcp_recv");
    if (timeout_ms == 0) return fail(EAGAIN, "xtcp_recv: no data yet");
    if (!sleep_once(ctx, *c, kReadable, d))
      return fail(ETIMEDOUT, "xtcp_recv: no data arrived before the timeout");
  }
}

extern "C" int xtcp_socket_error(xtcp_ctx* ctx, int sock) {
  ConnHandle* c = ctx->conn(sock);
  if (!c) {
    if (!ctx->listener(sock)) return bad_handle(sock, "a socket");
    return ctx->lost() ? ECONNRESET : 0;
  }
  return conn_error(ctx, *c);
}

extern "C" int xtcp_getsockname(xtcp_ctx* ctx, int sock, sockaddr_storage* out) {
  if (ConnHandle* c = ctx->conn(sock)) return from_ctl_addr(c->local, out), 0;
  if (ListenerHandle* l = ctx->listener(sock)) return from_ctl_addr(l->local, out), 0;
  return bad_handle(sock, "a socket");
}

extern "C" int xtcp_getpeername(xtcp_ctx* ctx, int sock, sockaddr_storage* out) {
  ConnHandle* c = ctx->conn(sock);
  if (!c) return bad_handle(sock, "a connection");
  from_ctl_addr(c->peer, out);
  return 0;
}

namespace {

// An epoll set of `base` and the session's hang-up set: readable when the
// daemon signals `base` or when the daemon is gone.
int make_wait_fd(xtcp_ctx* ctx, int base) {
  const int hup = ctx->link.hangup_epoll();
  if (hup < 0) return fail(-hup, "xtcp_fd: cannot watch the session with xtcpd (epoll)");
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) return fail(errno, "xtcp_fd: cannot create the socket's wait descriptor (epoll)");
  epoll_event ev{};
  ev.events = EPOLLIN;
  if (epoll_ctl(ep, EPOLL_CTL_ADD, base, &ev) != 0 || epoll_ctl(ep, EPOLL_CTL_ADD, hup, &ev) != 0) {
    const int err = errno;
    close(ep);
    return fail(err, "xtcp_fd: cannot fill the socket's wait descriptor (epoll_ctl)");
  }
  return ep;
}

}  // namespace

extern "C" int xtcp_fd(xtcp_ctx* ctx, int sock) {
  Handle* h = ctx->handle(sock);
  if (!h || (!h->conn && !h->listener)) return bad_handle(sock, "a socket");
  if (h->wait_fd < 0) {
    const int fd = make_wait_fd(ctx, h->conn ? h->conn->notify_fd : h->listener->ready_fd);
    if (fd < 0) return -1;
    h->wait_fd = fd;
  }
  return h->wait_fd;
}

extern "C" int xtcp_wait_prepare(xtcp_ctx* ctx, int sock, short events) {
  if (ListenerHandle* l = ctx->listener(sock)) return listener_revents(ctx, *l, events);
  ConnHandle* c = ctx->conn(sock);
  if (!c) return bad_handle(sock, "a socket");
  if (short r = conn_revents(ctx, *c, events)) return r;
  if (c->channel.prepare_sleep(wait_mask(*c, events))) return 0;  // armed: sleep
  c->channel.finish_sleep();
  return conn_revents(ctx, *c, events);
}

extern "C" int xtcp_get_progress(xtcp_ctx* ctx, int sock, xtcp_progress* out) {
  ConnHandle* c = ctx->conn(sock);
  if (!c) return bad_handle(sock, "a connection");
  out->rx_delivered = c->channel.rx_delivered();
  out->state = c->channel.peek_events();
  return 0;
}

extern "C" int xtcp_wait_finish(xtcp_ctx* ctx, int sock) {
  if (ctx->listener(sock)) return 0;
  ConnHandle* c = ctx->conn(sock);
  if (!c) return bad_handle(sock, "a socket");
  // Woken with nothing in the eventfd: perhaps the session hung up.
  if (!drain_eventfd(c->notify_fd)) ctx->link.check_hangup();
  c->channel.finish_sleep();
  return 0;
}

namespace {

// One readiness pass over all items; returns how many are ready, -1 EBADF.
int scan(xtcp_ctx* ctx, std::span<xtcp_pollitem> items) {
  int ready = 0;
  for (xtcp_pollitem& it : items) {
    if (ConnHandle* c = ctx->conn(it.sock)) it.revents = conn_revents(ctx, *c, it.events);
    else if (ListenerHandle* l = ctx->listener(it.sock)) it.revents = listener_revents(ctx, *l, it.events);
    else return bad_handle(it.sock, "a socket");
    ready += it.revents != 0;
  }
  return ready;
}

// Announces the sleep on every connection (the waker protocol) and
// collects the fds, the session's hang-up first; false if one turned ready
// meanwhile.
bool arm_all(xtcp_ctx* ctx, std::span<xtcp_pollitem> items, std::vector<pollfd>& pfds) {
  pfds.clear();
  pfds.push_back(ctx->link.hangup_pollfd());
  bool quiet = true;
  for (xtcp_pollitem& it : items) {
    if (ConnHandle* c = ctx->conn(it.sock)) {
      c->channel.events();
      quiet = c->channel.prepare_sleep(wait_mask(*c, it.events)) && quiet;
      pfds.push_back({c->notify_fd, POLLIN, 0});
    } else if (ListenerHandle* l = ctx->listener(it.sock)) {
      pfds.push_back({l->ready_fd, POLLIN, 0});
    }
  }
  return quiet;
}

void disarm_all(xtcp_ctx* ctx, std::span<xtcp_pollitem> items) {
  for (xtcp_pollitem& it : items) {
    if (ConnHandle* c = ctx->conn(it.sock)) {
      drain_eventfd(c->notify_fd);
      c->channel.finish_sleep();
    }
  }
}

}  // namespace

extern "C" int xtcp_poll(xtcp_ctx* ctx, xtcp_pollitem* items, size_t n, int timeout_ms) {
  const std::span<xtcp_pollitem> all(items, n);
  const Deadline d(timeout_ms);
  std::vector<pollfd> pfds;
  pfds.reserve(n + 1);
  for (;;) {
    const int ready = scan(ctx, all);
    if (ready != 0 || d.expired()) return ready;
    if (arm_all(ctx, all, pfds)) {
      int rc = poll(pfds.data(), pfds.size(), d.remaining_ms());
      if (rc < 0 && errno != EINTR) {
        const int err = errno;
        disarm_all(ctx, all);
        return fail(err, "xtcp_poll: poll failed");
      }
      if (rc > 0) ctx->link.note_hangup(pfds[0]);
    }
    disarm_all(ctx, all);
  }
}
