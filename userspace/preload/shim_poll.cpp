// poll, ppoll, select and pselect over kernel and xtcp descriptors mixed.
// One pass: ask every xtcp descriptor (xtcp_wait_prepare, which also
// announces the sleep); if one is ready, take the kernel descriptors with a
// zero timeout; else sleep in the kernel on everything (an xtcp
// descriptor's placeholder turns readable when the daemon signals it),
// finish the sleep, and ask again. The caller's array is used in place.
#include <poll.h>
#include <sys/select.h>

#include <climits>
#include <ctime>
#include <vector>

#include "preload/shim.h"

using namespace xtcp::preload;

namespace {

// What kernel_pass changed in the caller's array. Grows only: a poll call
// allocates nothing once a set of its size was seen.
struct Saved {
  bool xtcp;
  short events;
  short revents;
};
thread_local std::vector<Saved> t_saved;

int64_t now_ms() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

int ready_of(Sock* s, short events, bool arm) {
  xtcp_ctx* ctx = shim().ctx;
  const short want = events & (POLLIN | POLLOUT);
  int r = xtcp_wait_prepare(ctx, s->h, want);
  if (s->kind == SockKind::kListener) {
    if (!r && s->h2 >= 0) r = xtcp_wait_prepare(ctx, s->h2, want);
  } else if (!r && !arm) {
    xtcp_wait_finish(ctx, s->h);
  }
  // Peeked bytes are readable though the ring is empty (an armed sleep is
  // finished by the caller, as for every xtcp item).
  if (s->stash_len > 0 && (want & POLLIN)) r |= POLLIN;
  return r;
}

// POLL* and XTCP_POLL* share values (xtcp.h); HUP and ERR always count.
short poll_bits(int r, short events) {
  return static_cast<short>((r & (POLLIN | POLLOUT) & events) | (r & (POLLERR | POLLHUP)) |
                            ((r & POLLHUP) && (events & POLLIN) ? POLLIN : 0));
}

bool has_xtcp(const pollfd* fds, nfds_t n) {
  for (nfds_t i = 0; i < n; ++i)
    if (Sock* s = shim().fds.get(fds[i].fd); s && s->kind != SockKind::kUndecided) return true;
  return false;
}

// xtcp readiness into revents; counts ready xtcp items.
int scan(pollfd* fds, nfds_t n, bool arm) {
  int ready = 0;
  for (nfds_t i = 0; i < n; ++i) {
    Sock* s = shim().fds.get(fds[i].fd);
    if (!s || s->kind == SockKind::kUndecided) continue;
    fds[i].revents = is_live(s) ? poll_bits(ready_of(s, fds[i].events, arm), fds[i].events) : POLLNVAL;
    ready += fds[i].revents != 0;
  }
  return ready;
}

void finish_all(const pollfd* fds, nfds_t n) {
  for (nfds_t i = 0; i < n; ++i) {
    Sock* s = shim().fds.get(fds[i].fd);
    if (is_live(s) && s->kind == SockKind::kConn) xtcp_wait_finish(shim().ctx, s->h);
  }
}

// Kernel pass. hide: xtcp items are left out (fd ~fd: ppoll ignores a
// negative fd) and keep the revents scan() gave them; else they wait for
// their placeholder's POLLIN and come back with revents 0 (scan again).
int kernel_pass(pollfd* fds, nfds_t n, int timeout_ms, const sigset_t* mask, bool hide) {
  if (t_saved.size() < n) t_saved.resize(n);
  for (nfds_t i = 0; i < n; ++i) {
    Sock* s = shim().fds.get(fds[i].fd);
    t_saved[i].xtcp = s && s->kind != SockKind::kUndecided;
    if (!t_saved[i].xtcp) continue;
    t_saved[i].events = fds[i].events;
    t_saved[i].revents = fds[i].revents;
    if (hide) fds[i].fd = ~fds[i].fd;
    else fds[i].events = POLLIN;
  }
  timespec ts{timeout_ms / 1000, (timeout_ms % 1000) * 1000000L};
  const int rc = real().ppoll(fds, n, timeout_ms < 0 ? nullptr : &ts, mask);
  const int err = errno;
  for (nfds_t i = 0; i < n; ++i) {
    if (!t_saved[i].xtcp) continue;
    if (hide) fds[i].fd = ~fds[i].fd;
    fds[i].events = t_saved[i].events;
    fds[i].revents = hide ? t_saved[i].revents : 0;
  }
  errno = err;
  return rc;
}

int count_ready(const pollfd* fds, nfds_t n) {
  int c = 0;
  for (nfds_t i = 0; i < n; ++i) c += fds[i].revents != 0;
  return c;
}

int xpoll(pollfd* fds, nfds_t n, int timeout_ms, const sigset_t* mask) {
  const int64_t end = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
  for (;;) {
    int ready;
    {
      Locked l;
      ready = scan(fds, n, true);
    }
    if (ready > 0) {
      const int rc = kernel_pass(fds, n, 0, mask, true);
      Locked l;
      finish_all(fds, n);
      return rc < 0 ? rc : count_ready(fds, n);
    }
    const int left = end < 0 ? -1 : static_cast<int>(std::max<int64_t>(0, end - now_ms()));
    const int rc = kernel_pass(fds, n, left, mask, false);
    const int err = errno;
    Locked l;
    finish_all(fds, n);
    if (rc < 0) return fail_errno(err);
    scan(fds, n, false);
    const int total = count_ready(fds, n);
    if (total > 0 || left == 0) return total;
  }
}

int ms_of(const timespec* ts) {
  if (!ts) return -1;
  const int64_t ms = ts->tv_sec * 1000LL + (ts->tv_nsec + 999999) / 1000000;
  return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
}

// select as poll: at most FD_SETSIZE descriptors, on the stack.
int xselect(int nfds, fd_set* rd, fd_set* wr, fd_set* ex, int timeout_ms, const sigset_t* mask) {
  pollfd p[FD_SETSIZE];
  nfds_t n = 0;
  for (int fd = 0; fd < nfds && fd < FD_SETSIZE; ++fd) {
    short ev = 0;
    if (rd && FD_ISSET(fd, rd)) ev |= POLLIN;
    if (wr && FD_ISSET(fd, wr)) ev |= POLLOUT;
    if (ex && FD_ISSET(fd, ex)) ev |= POLLPRI;
    if (ev) p[n++] = {fd, ev, 0};
  }
  const int rc = xpoll(p, n, timeout_ms, mask);
  if (rc < 0) return rc;
  int bits = 0;
  for (nfds_t i = 0; i < n; ++i) {
    const int fd = p[i].fd;
    const short r = p[i].revents;
    if (r & POLLNVAL) return fail_errno(EBADF);
    if (rd && FD_ISSET(fd, rd)) {
      if (r & (POLLIN | POLLHUP | POLLERR)) ++bits;
      else FD_CLR(fd, rd);
    }
    if (wr && FD_ISSET(fd, wr)) {
      if (r & (POLLOUT | POLLERR)) ++bits;
      else FD_CLR(fd, wr);
    }
    if (ex && FD_ISSET(fd, ex)) {
      if (r & POLLPRI) ++bits;
      else FD_CLR(fd, ex);
    }
  }
  return bits;
}

bool select_has_xtcp(int nfds, const fd_set* rd, const fd_set* wr, const fd_set* ex) {
  for (int fd = 0; fd < nfds && fd < FD_SETSIZE; ++fd) {
    if (!((rd && FD_ISSET(fd, rd)) || (wr && FD_ISSET(fd, wr)) || (ex && FD_ISSET(fd, ex)))) continue;
    if (Sock* s = shim().fds.get(fd); s && s->kind != SockKind::kUndecided) return true;
  }
  return false;
}

}  // namespace

extern "C" {

int poll(pollfd* fds, nfds_t n, int timeout_ms) {
  if (inside() || !has_xtcp(fds, n)) return real().poll(fds, n, timeout_ms);
  return xpoll(fds, n, timeout_ms, nullptr);
}

int __poll_chk(pollfd* fds, nfds_t n, int timeout_ms, size_t fdslen) {
  if (fdslen / sizeof(*fds) < n) abort();
  return poll(fds, n, timeout_ms);
}

int ppoll(pollfd* fds, nfds_t n, const timespec* ts, const sigset_t* mask) {
  if (inside() || !has_xtcp(fds, n)) return real().ppoll(fds, n, ts, mask);
  return xpoll(fds, n, ms_of(ts), mask);
}

int select(int nfds, fd_set* rd, fd_set* wr, fd_set* ex, timeval* tv) {
  if (inside() || !select_has_xtcp(nfds, rd, wr, ex)) return real().select(nfds, rd, wr, ex, tv);
  int ms = -1;
  if (tv) {
    const int64_t v = tv->tv_sec * 1000LL + (tv->tv_usec + 999) / 1000;
    ms = v > INT_MAX ? INT_MAX : static_cast<int>(v);
  }
  return xselect(nfds, rd, wr, ex, ms, nullptr);
}

int pselect(int nfds, fd_set* rd, fd_set* wr, fd_set* ex, const timespec* ts, const sigset_t* mask) {
  if (inside() || !select_has_xtcp(nfds, rd, wr, ex)) return real().pselect(nfds, rd, wr, ex, ts, mask);
  return xselect(nfds, rd, wr, ex, ms_of(ts), mask);
}

}  // extern "C"
