// Turning an undecided socket into an xtcp one: the placeholder descriptor
// takes the app's fd number (dup3 over the kernel socket, keeping
// FD_CLOEXEC), options set before are applied, epoll sets re-register it.
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <ctime>

#include "preload/shim.h"
#include "preload/shim_convert.h"

namespace xtcp::preload {

namespace {

// Moves `placeholder` onto `fd`; false (errno) if the dup failed.
bool take_number(int placeholder, int fd) {
  const int fdflags = real().fcntl(fd, F_GETFD);
  const int cloexec = fdflags >= 0 && (fdflags & FD_CLOEXEC) ? O_CLOEXEC : 0;
  return real().dup3(placeholder, fd, cloexec) == fd;
}

}  // namespace

void apply_options(xtcp_ctx* ctx, Sock* s) {
  if (s->kind != SockKind::kConn) return;  // xtcp options are per connection
  if (s->nodelay >= 0) xtcp_setopt(ctx, s->h, XTCP_NODELAY, &s->nodelay, sizeof(int));
  if (s->rcvbuf > 0) xtcp_setopt(ctx, s->h, XTCP_RCVBUF, &s->rcvbuf, sizeof(int));
  if (s->sndbuf > 0) xtcp_setopt(ctx, s->h, XTCP_SNDBUF, &s->sndbuf, sizeof(int));
  if (s->keepalive > 0) apply_keepalive(ctx, s);
  // A name the kernel took but xtcp lacks leaves the default (getsockopt
  // then tells the truth).
  if (s->congestion[0] != '\0')
    xtcp_setopt(ctx, s->h, XTCP_CONGESTION, s->congestion, sizeof s->congestion);
  if (s->user_timeout_ms >= 0)
    xtcp_setopt(ctx, s->h, XTCP_USER_TIMEOUT, &s->user_timeout_ms, sizeof(int));
}

void apply_keepalive(xtcp_ctx* ctx, Sock* s) {
  // Linux defaults (tcp(7)): 7200 s idle, 75 s interval, 9 probes.
  xtcp_keepalive k{};
  k.enable = s->keepalive > 0;
  k.idle_s = s->keep_idle > 0 ? s->keep_idle : 7200;
  k.interval_s = s->keep_intvl > 0 ? s->keep_intvl : 75;
  k.count = s->keep_cnt > 0 ? s->keep_cnt : 9;
  xtcp_setopt(ctx, s->h, XTCP_KEEPALIVE, &k, sizeof k);
}

bool become_conn(xtcp_ctx* ctx, int fd, Sock* s, int h) {
  const int fl = real().fcntl(fd, F_GETFL);
  if (!take_number(xtcp_fd(ctx, h), fd)) return false;
  s->nonblock = fl >= 0 && (fl & O_NONBLOCK);
  s->kind = SockKind::kConn;
  s->h = h;
  s->owner = shim().ctx_pid;
  apply_options(ctx, s);
  epoll_on_convert(fd, s);
  return true;
}

bool become_listener(xtcp_ctx* ctx, int fd, Sock* s, int h, int h2) {
  // An epoll fd over the ready eventfds: one readable descriptor for one
  // or two xtcp listeners (a dual-stack :: socket needs a v4 and a v6 one).
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) return false;
  bool ok = true;
  for (int x : {h, h2}) {
    if (x < 0) continue;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<uint32_t>(x);
    ok = ok && real().epoll_ctl(ep, EPOLL_CTL_ADD, xtcp_fd(ctx, x), &ev) == 0;
  }
  const int fl = real().fcntl(fd, F_GETFL);
  ok = ok && take_number(ep, fd);
  real().close(ep);
  if (!ok) return false;
  s->nonblock = fl >= 0 && (fl & O_NONBLOCK);
  s->kind = SockKind::kListener;
  s->h = h;
  s->h2 = h2;
  s->owner = shim().ctx_pid;
  epoll_on_convert(fd, s);
  return true;
}

void close_handles(Sock* s) {
  if (!is_live(s)) return;  // undecided, or inherited from a parent process
  if (s->h >= 0) xtcp_close(shim().ctx, s->h);
  if (s->h2 >= 0) xtcp_close(shim().ctx, s->h2);
  s->h = s->h2 = -1;
}

namespace {

int64_t now_ms() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

}  // namespace

Timeout::Timeout(int ms) : end_ms_(ms < 0 ? -1 : now_ms() + ms) {}

int Timeout::left() const {
  if (end_ms_ < 0) return -1;
  const int64_t d = end_ms_ - now_ms();
  return d > 0 ? static_cast<int>(d) : 0;
}

int wait_conn(int fd, Sock* s, short xevents, int timeout_ms) {
  int r;
  {
    Locked l;
    if (!is_live(s)) return XTCP_POLLERR;
    if (s->kind == SockKind::kListener) {
      r = xtcp_wait_prepare(shim().ctx, s->h, xevents);
      if (!r && s->h2 >= 0) r = xtcp_wait_prepare(shim().ctx, s->h2, xevents);
      if (r) return r;
    } else if ((r = xtcp_wait_prepare(shim().ctx, s->h, xevents)) != 0) {
      return r;
    }
  }
  pollfd p{fd, POLLIN, 0};
  real().poll(&p, 1, timeout_ms);
  Locked l;
  if (is_live(s) && s->kind == SockKind::kConn) xtcp_wait_finish(shim().ctx, s->h);
  return 0;
}

}  // namespace xtcp::preload
