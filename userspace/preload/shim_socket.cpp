// Interposed socket lifecycle calls: socket, bind, listen, accept(4),
// connect, close, shutdown, getsockname, getpeername.
#include <fcntl.h>
#include <linux/close_range.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>

#include <cstring>

#include "preload/shim.h"
#include "preload/shim_convert.h"

using namespace xtcp::preload;

namespace {

bool is_tcp(int domain, int type, int protocol) {
  return (domain == AF_INET || domain == AF_INET6) && (type & 0xf) == SOCK_STREAM &&
         (protocol == 0 || protocol == IPPROTO_TCP);
}

// The socket leaves the table for good: a kernel socket from now on.
void untrack(int fd) {
  Locked l;
  if (Sock* s = shim().fds.release(fd)) delete s;
  epoll_forget_fd(fd);
}

bool is_wildcard(const sockaddr_storage& a) {
  if (a.ss_family == AF_INET)
    return reinterpret_cast<const sockaddr_in&>(a).sin_addr.s_addr == htonl(INADDR_ANY);
  const in6_addr& x = reinterpret_cast<const sockaddr_in6&>(a).sin6_addr;
  return IN6_IS_ADDR_UNSPECIFIED(&x);
}

uint16_t port_of(const sockaddr_storage& a) {
  return a.ss_family == AF_INET ? reinterpret_cast<const sockaddr_in&>(a).sin_port
                                : reinterpret_cast<const sockaddr_in6&>(a).sin6_port;
}

// A v4-mapped IPv6 address as the sockaddr_in xtcpd expects.
socklen_t plain_sockaddr(const sockaddr* in, socklen_t len, sockaddr_storage* out) {
  std::memset(out, 0, sizeof *out);
  if (in->sa_family == AF_INET6 && len >= sizeof(sockaddr_in6)) {
    const auto* a6 = reinterpret_cast<const sockaddr_in6*>(in);
    if (IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr)) {
      auto* a4 = reinterpret_cast<sockaddr_in*>(out);
      a4->sin_family = AF_INET;
      a4->sin_port = a6->sin6_port;
      std::memcpy(&a4->sin_addr, a6->sin6_addr.s6_addr + 12, 4);
      return sizeof(sockaddr_in);
    }
    std::memcpy(out, in, sizeof(sockaddr_in6));
    return sizeof(sockaddr_in6);
  }
  const socklen_t n = len < sizeof *out ? len : sizeof *out;
  std::memcpy(out, in, n);
  return in->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
}

socklen_t len_of(const sockaddr_storage& a) {
  return a.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
}

// xtcp listen on the bound address; a v6 wildcard without IPV6_V6ONLY also
// listens on the v4 wildcard (h2), as a Linux dual-stack socket would.
int xtcp_listen_both(xtcp_ctx* ctx, Sock* s, int backlog, int* h2) {
  const sockaddr_storage& a = s->bound_addr;
  const unsigned flags = s->reuse_addr ? XTCP_LISTEN_REUSEADDR : 0;
  const int h = xtcp_listen_flags(ctx, reinterpret_cast<const sockaddr*>(&a), len_of(a), backlog, flags);
  *h2 = -1;
  if (h < 0 || a.ss_family != AF_INET6 || !is_wildcard(a) || s->v6only) return h;
  sockaddr_in any4{};
  any4.sin_family = AF_INET;
  any4.sin_port = port_of(a);
  *h2 = xtcp_listen_flags(ctx, reinterpret_cast<const sockaddr*>(&any4), sizeof any4, backlog, flags);
  if (*h2 < 0) {
    const int e = errno;
    xtcp_close(ctx, h);
    errno = e;
    return -1;
  }
  return h;
}

// socket(7): SO_SNDTIMEO bounds connect; on expiry EINPROGRESS (the
// handshake goes on, as with the kernel).
int connect_wait(int fd, Sock* s) {
  const Timeout t(s->sndtimeo_ms);
  for (;;) {
    if (t.expired()) return fail_errno(EINPROGRESS);
    const int r = wait_conn(fd, s, XTCP_POLLOUT, t.left());
    if (r & XTCP_POLLOUT) return 0;
    if (r & (XTCP_POLLERR | XTCP_POLLHUP)) {
      Locked l;
      const int e = is_live(s) ? xtcp_socket_error(shim().ctx, s->h) : EBADF;
      return fail_errno(e > 0 ? e : ECONNREFUSED);
    }
  }
}

int accept_one(Sock* s, sockaddr_storage* peer) {
  xtcp_ctx* ctx = shim().ctx;
  ++s->in_gen;  // epoll: look at this listener again (shim_epoll.cpp)
  const int first = s->accept_turn && s->h2 >= 0 ? s->h2 : s->h;
  const int second = first == s->h ? s->h2 : s->h;
  s->accept_turn = !s->accept_turn;
  // A connection reset while it waited in the queue is skipped, as Linux
  // drops it from the accept queue: the app never sees it. Each failure
  // consumes one queued entry, so the loop ends (EAGAIN at the latest).
  for (int x : {first, second}) {
    if (x < 0) continue;
    int h;
    int tries = 0;  // bounded: a broken control link must not spin here
    do h = xtcp_accept(ctx, x, peer, 0);
    while (h < 0 && (errno == ECONNRESET || errno == ECONNABORTED) && ++tries < 64);
    if (h >= 0 || errno != EAGAIN) return h;
  }
  return fail_errno(EAGAIN);
}

}  // namespace

extern "C" {

int socket(int domain, int type, int protocol) {
  const int fd = real().socket(domain, type, protocol);
  if (fd < 0 || inside() || !is_tcp(domain, type, protocol)) return fd;
  Locked l;
  if (shim().disabled) return fd;
  auto* s = new Sock;
  s->domain = domain;
  if (!shim().fds.put(fd, s)) delete s;
  return fd;
}

int bind(int fd, const sockaddr* addr, socklen_t len) {
  Sock* s = inside() ? nullptr : shim().fds.get(fd);
  if (!s || s->kind != SockKind::kUndecided || !addr) return real().bind(fd, addr, len);
  {
    Locked l;
    if (context_locked() && shim().policy.local_is_xtcp(addr, len)) {
      plain_sockaddr(addr, len, &s->bound_addr);
      // A plain :: stays v6 (with h2 for v4); a v4-mapped one is IPv4.
      s->bound = true;
      return 0;
    }
  }
  untrack(fd);
  return real().bind(fd, addr, len);
}

int listen(int fd, int backlog) {
  Sock* s = inside() ? nullptr : shim().fds.get(fd);
  if (!s || s->kind == SockKind::kConn) return real().listen(fd, backlog);
  if (s->kind == SockKind::kListener) return 0;  // a second listen() changes nothing here
  if (!s->bound) {
    untrack(fd);  // listen without bind: the kernel picks a port
    return real().listen(fd, backlog);
  }
  Locked l;
  xtcp_ctx* ctx = context_locked();
  int h2 = -1;
  const int h = xtcp_listen_both(ctx, s, backlog, &h2);
  if (h < 0) return -1;
  if (!become_listener(ctx, fd, s, h, h2)) {
    const int e = errno;
    xtcp_close(ctx, h);
    if (h2 >= 0) xtcp_close(ctx, h2);
    return fail_errno(e);
  }
  return 0;
}

int accept4(int fd, sockaddr* addr, socklen_t* len, int flags) {
  Sock* s = inside() ? nullptr : shim().fds.get(fd);
  if (!s || s->kind == SockKind::kUndecided) return real().accept4(fd, addr, len, flags);
  if (s->kind != SockKind::kListener) return fail_errno(EINVAL);
  if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) return fail_errno(EINVAL);
  sockaddr_storage peer{};
  const Timeout t(s->rcvtimeo_ms);  // socket(7): SO_RCVTIMEO bounds accept too
  for (;;) {
    {
      Locked l;
      if (!is_live(s)) return fail_errno(EBADF);
      const int h = accept_one(s, &peer);
      if (h >= 0) {
        const int nfd = real().fcntl(xtcp_fd(shim().ctx, h), (flags & SOCK_CLOEXEC) ? F_DUPFD_CLOEXEC : F_DUPFD, 0);
        auto* c = nfd >= 0 ? new Sock : nullptr;
        if (!c || !shim().fds.put(nfd, c)) {
          delete c;
          if (nfd >= 0) real().close(nfd);
          xtcp_close(shim().ctx, h);
          return fail_errno(EMFILE);
        }
        c->domain = s->domain;
        c->kind = SockKind::kConn;
        c->h = h;
        c->owner = shim().ctx_pid;
        c->nonblock = flags & SOCK_NONBLOCK;
        // Linux: an accepted socket inherits the listener's options
        // (TCP_NODELAY, SO_KEEPALIVE and its timers, buffer sizes,
        // TCP_CONGESTION, TCP_USER_TIMEOUT).
        c->nodelay = s->nodelay;
        c->keepalive = s->keepalive;
        c->keep_idle = s->keep_idle;
        c->keep_intvl = s->keep_intvl;
        c->keep_cnt = s->keep_cnt;
        c->rcvbuf = s->rcvbuf;
        c->sndbuf = s->sndbuf;
        std::memcpy(c->congestion, s->congestion, sizeof c->congestion);
        c->user_timeout_ms = s->user_timeout_ms;
        c->rcvtimeo_ms = s->rcvtimeo_ms;
        c->sndtimeo_ms = s->sndtimeo_ms;
        apply_options(shim().ctx, c);
        to_app_addr(s->domain, peer, addr, len);
        return nfd;
      }
      if (errno != EAGAIN) return -1;
      if (s->nonblock || t.expired()) return fail_errno(EAGAIN);
    }
    wait_conn(fd, s, XTCP_POLLIN, t.left());
  }
}

int accept(int fd, sockaddr* addr, socklen_t* len) { return accept4(fd, addr, len, 0); }

int connect(int fd, const sockaddr* addr, socklen_t len) {
  Sock* s = inside() ? nullptr : shim().fds.get(fd);
  if (!s || !addr) return real().connect(fd, addr, len);
  if (s->kind == SockKind::kListener) return fail_errno(EINVAL);
  if (s->kind == SockKind::kConn) {
    // A repeated connect() while the handshake runs (non-blocking clients).
    const int r = wait_conn(fd, s, XTCP_POLLOUT, 0);
    if (r & XTCP_POLLOUT) return fail_errno(EISCONN);
    if (r & XTCP_POLLERR) return connect_wait(fd, s);
    return fail_errno(EALREADY);
  }
  bool via_xtcp;
  {
    Locked l;
    xtcp_ctx* ctx = context_locked();
    // Bound to one of the interface's addresses: xtcp whatever the remote.
    // Bound to the wildcard (or not at all): the remote decides.
    const bool bound_here = s->bound && !is_wildcard(s->bound_addr);
    via_xtcp = ctx && (bound_here || shim().policy.remote_is_xtcp(addr, len));
    if (via_xtcp) {
      sockaddr_storage remote;
      const socklen_t rlen = plain_sockaddr(addr, len, &remote);
      const bool any_local = !s->bound || (is_wildcard(s->bound_addr) && port_of(s->bound_addr) == 0);
      const sockaddr* local = any_local ? nullptr : reinterpret_cast<const sockaddr*>(&s->bound_addr);
      const int h = xtcp_connect(ctx, reinterpret_cast<const sockaddr*>(&remote), rlen, local,
                                 any_local ? 0 : len_of(s->bound_addr), 0);
      if (h < 0) return -1;
      if (!become_conn(ctx, fd, s, h)) {
        const int e = errno;
        xtcp_close(ctx, h);
        return fail_errno(e);
      }
      if (s->nonblock) return fail_errno(EINPROGRESS);
    }
  }
  if (via_xtcp) return connect_wait(fd, s);
  if (s->bound) {
    // The wildcard bind was only recorded: do it in the kernel now.
    sockaddr_storage local{};
    socklen_t llen = sizeof local;
    to_app_addr(s->domain, s->bound_addr, reinterpret_cast<sockaddr*>(&local), &llen);
    if (real().bind(fd, reinterpret_cast<const sockaddr*>(&local), llen) < 0) return -1;
  }
  untrack(fd);
  return real().connect(fd, addr, len);
}

int close(int fd) {
  if (inside()) return real().close(fd);
  Sock* s = shim().fds.get(fd);
  {
    Locked l;
    epoll_forget_set(fd);
    if (s) {
      epoll_forget_fd(fd);
      if (Sock* last = shim().fds.release(fd)) {
        close_handles(last);
        delete last;
      }
    }
  }
  return real().close(fd);
}

// close_range (closefrom in glibc uses it): the tracked descriptors in the
// range are forgotten as close() would; CLOSE_RANGE_CLOEXEC closes nothing.
int close_range(unsigned first, unsigned last, int flags) {
  if (!real().close_range) return fail_errno(ENOSYS);
  if (!inside() && !(flags & CLOSE_RANGE_CLOEXEC)) {
    Locked l;
    const unsigned end = last < FdTable::kMaxFd - 1u ? last : FdTable::kMaxFd - 1u;
    for (unsigned fd = first; fd <= end; ++fd) {
      const int i = static_cast<int>(fd);
      epoll_forget_set(i);
      if (!shim().fds.get(i)) continue;
      epoll_forget_fd(i);
      if (Sock* gone = shim().fds.release(i)) {
        close_handles(gone);
        delete gone;
      }
    }
  }
  return real().close_range(first, last, flags);
}

int shutdown(int fd, int how) {
  Sock* s = inside() ? nullptr : shim().fds.get(fd);
  if (!s || s->kind == SockKind::kUndecided) return real().shutdown(fd, how);
  if (s->kind == SockKind::kListener) return fail_errno(ENOTCONN);
  Locked l;
  if (!is_live(s)) return fail_errno(EBADF);
  return xtcp_shutdown(shim().ctx, s->h, how);
}

int getsockname(int fd, sockaddr* addr, socklen_t* len) {
  Sock* s = inside() ? nullptr : shim().fds.get(fd);
  if (!s || (s->kind == SockKind::kUndecided && !s->bound)) return real().getsockname(fd, addr, len);
  if (!addr || !len) return fail_errno(EFAULT);
  if (s->kind == SockKind::kUndecided) return to_app_addr(s->domain, s->bound_addr, addr, len), 0;
  Locked l;
  sockaddr_storage out{};
  if (!is_live(s) || xtcp_getsockname(shim().ctx, s->h, &out) < 0) return fail_errno(EBADF);
  // The v6 half of a dual listener says ::, as the kernel's dual socket.
  to_app_addr(s->domain, out, addr, len);
  return 0;
}

int getpeername(int fd, sockaddr* addr, socklen_t* len) {
  Sock* s = inside() ? nullptr : shim().fds.get(fd);
  if (!s || s->kind == SockKind::kUndecided) return real().getpeername(fd, addr, len);
  if (!addr || !len) return fail_errno(EFAULT);
  if (s->kind == SockKind::kListener) return fail_errno(ENOTCONN);
  Locked l;
  sockaddr_storage out{};
  if (!is_live(s) || xtcp_getpeername(shim().ctx, s->h, &out) < 0) return fail_errno(ENOTCONN);
  to_app_addr(s->domain, out, addr, len);
  return 0;
}

}  // extern "C"
