// epoll over kernel and xtcp descriptors mixed. The kernel epoll set holds
// every descriptor; an xtcp one is registered as EPOLLIN|EPOLLET on its
// placeholder with a tagged data word (so the shim knows a wake-up from it
// is "look again", never an event for the app). The shim keeps, per epoll
// set, the app's registrations of xtcp descriptors (events, data,
// edge-trigger state) and computes their readiness from libxtcp: level
// triggered by default, EPOLLET and EPOLLONESHOT honoured.
#include <sys/epoll.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <ctime>
#include <vector>

#include "preload/event_mask.h"
#include "preload/shim.h"

using namespace xtcp::preload;

namespace {

constexpr uint64_t kTag = 0x7874637000000000ULL;  // "xtcp" in the top half
constexpr uint64_t kTagMask = 0xffffffff00000000ULL;

struct Reg {
  int fd;
  Sock* s;
  uint32_t events;
  epoll_data_t data;
  bool kernel;     // still an undecided (kernel) socket: the kernel reports it
  bool signalled = false;
  bool oneshot_fired = false;
  // A listener is asked (a poll(2) inside libxtcp) only when it may be
  // ready: it was at the last look, its placeholder signalled, or the app
  // accepted since (more may be queued). A new connection always signals:
  // the kernel registration outlives every sleep.
  bool listener_maybe = true;
  uint32_t accept_gen = 0;
  EdgeState edge;
};

struct EpollSet {
  std::vector<Reg> regs;  // changed and read under the shim lock only
  size_t next = 0;        // round-robin start when more are ready than fit
  // Registrations that are xtcp (not kernel): read without the lock by
  // epoll_wait to decide whether the shim must look at all.
  std::atomic<int> xtcp_regs{0};
  void recount() {
    xtcp_regs.store(static_cast<int>(std::count_if(regs.begin(), regs.end(), [](const Reg& r) { return !r.kernel; })),
                    std::memory_order_release);
  }
};

EpollSet* g_sets[FdTable::kMaxFd];
std::vector<int> g_live_sets;  // epfds with a set: close/convert visit only these

EpollSet* set_of(int epfd) { return epfd >= 0 && epfd < FdTable::kMaxFd ? g_sets[epfd] : nullptr; }

int add_tagged(int epfd, int fd) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLET;
  ev.data.u64 = kTag | static_cast<uint32_t>(fd);
  return real().epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

Reg* find(EpollSet* set, int fd) {
  for (Reg& r : set->regs)
    if (r.fd == fd) return &r;
  return nullptr;
}

// Readiness of one registration in epoll bits. A connection with nothing
// new is left with its sleep announced (xtcp_wait_prepare): the daemon
// signals its eventfd once per announcement, and the kernel registration is
// edge-triggered, so the sleep is never "finished" here: no eventfd drain,
// no syscall per connection per wait (the next announcement replaces it).
uint32_t check(Reg& r) {
  xtcp_ctx* ctx = shim().ctx;
  Sock* s = r.s;
  const short want = xtcp_interest(r.events);
  if (s->kind == SockKind::kListener) {
    if (!r.listener_maybe && !r.signalled && r.accept_gen == s->in_gen) return 0;
    r.accept_gen = s->in_gen;
  }
  int x = xtcp_wait_prepare(ctx, s->h, want);
  if (s->kind == SockKind::kListener && s->h2 >= 0) x |= xtcp_wait_prepare(ctx, s->h2, want);
  if (s->kind == SockKind::kListener) r.listener_maybe = x != 0;
  const bool armed_now = x == 0;  // prepare announced the sleep
  if (s->stash_len > 0 && (want & XTCP_POLLIN)) x |= XTCP_POLLIN;  // peeked bytes
  uint32_t report = epoll_bits(static_cast<short>(x), r.events);
  if (r.events & EPOLLET) {
    EdgeCounters now{.in_gen = s->in_gen, .out_gen = s->out_gen};
    xtcp_progress p{};
    if (s->kind == SockKind::kConn && xtcp_get_progress(ctx, s->h, &p) == 0) {
      now.rx_delivered = p.rx_delivered;
      now.state = p.state;
    }
    report = edge_report(r.edge, report, r.signalled, now);
  }
  r.signalled = false;
  if (s->kind != SockKind::kConn) return report;
  if (!armed_now && report == 0) {
    // Edge-triggered and nothing new: sleep on the bits that are off.
    const short off = static_cast<short>(want & ~x);
    xtcp_wait_prepare(ctx, s->h, off);
  }
  return report;
}

int scan(EpollSet* set, epoll_event* out, int max) {
  int n = 0;
  const size_t count = set->regs.size();
  for (size_t k = 0; k < count; ++k) {
    Reg& r = set->regs[(set->next + k) % count];
    if (r.kernel || r.oneshot_fired || !is_live(r.s)) continue;
    if (n == max) break;  // the rest waits for the next call (round robin)
    const uint32_t bits = check(r);
    if (!bits) continue;
    out[n].events = bits;
    out[n].data = r.data;
    ++n;
    if (r.events & EPOLLONESHOT) r.oneshot_fired = true;
  }
  if (count) set->next = (set->next + 1) % count;
  return n;
}

// Drops the shim's own wake-ups from what the kernel returned.
int filter(EpollSet* set, epoll_event* ev, int n) {
  int kept = 0;
  for (int i = 0; i < n; ++i) {
    if ((ev[i].data.u64 & kTagMask) == kTag) {
      if (Reg* r = find(set, static_cast<int>(ev[i].data.u64 & 0xffffffffu))) r->signalled = true;
      continue;
    }
    ev[kept++] = ev[i];
  }
  return kept;
}

int64_t now_ms() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

int xwait(int epfd, epoll_event* ev, int max, int timeout_ms, const sigset_t* mask) {
  const int64_t end = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
  for (;;) {
    int n;
    {
      Locked l;
      EpollSet* set = set_of(epfd);
      if (!set) return real().epoll_pwait(epfd, ev, max, 0, mask);
      n = scan(set, ev, max);
      if (n > 0) {
        int k = real().epoll_pwait(epfd, ev + n, max - n, 0, mask);
        k = k < 0 ? 0 : filter(set, ev + n, k);
        return n + k;
      }
    }
    const int left = end < 0 ? -1 : static_cast<int>(std::max<int64_t>(0, end - now_ms()));
    int k = real().epoll_pwait(epfd, ev, max, left, mask);
    const int err = errno;
    Locked l;
    EpollSet* set = set_of(epfd);
    if (!set) return k;
    if (k < 0) return fail_errno(err);
    k = filter(set, ev, k);
    k += scan(set, ev + k, max - k);
    if (k > 0 || left == 0) return k;
  }
}

bool wants_shim(int epfd) {
  if (inside()) return false;
  EpollSet* set = set_of(epfd);
  return set && set->xtcp_regs.load(std::memory_order_acquire) > 0;
}

int ctl_locked(int epfd, int op, int fd, epoll_event* ev, Sock* s) {
  EpollSet*& set = g_sets[epfd];
  if (!set) {
    set = new EpollSet;
    g_live_sets.push_back(epfd);
  }
  Reg* r = find(set, fd);
  const bool live = s->kind != SockKind::kUndecided;
  if (op == EPOLL_CTL_ADD) {
    if (r) return fail_errno(EEXIST);
    if (!ev) return fail_errno(EFAULT);
    const int rc = live ? add_tagged(epfd, fd) : real().epoll_ctl(epfd, op, fd, ev);
    if (rc < 0) return rc;
    set->regs.push_back(Reg{.fd = fd, .s = s, .events = ev->events, .data = ev->data, .kernel = !live});
    set->recount();
    return 0;
  }
  if (!r) return fail_errno(ENOENT);
  if (op == EPOLL_CTL_DEL) {
    const int rc = real().epoll_ctl(epfd, op, fd, ev);
    set->regs.erase(set->regs.begin() + (r - set->regs.data()));
    set->recount();
    return live ? 0 : rc;
  }
  if (op != EPOLL_CTL_MOD || !ev) return fail_errno(EINVAL);
  if (!live && real().epoll_ctl(epfd, op, fd, ev) < 0) return -1;
  r->events = ev->events;
  r->data = ev->data;
  r->oneshot_fired = false;
  r->edge = EdgeState{};
  return 0;
}

}  // namespace

namespace xtcp::preload {

void epoll_forget_fd(int fd) {
  for (int epfd : g_live_sets) {
    EpollSet* set = g_sets[epfd];
    auto& v = set->regs;
    v.erase(std::remove_if(v.begin(), v.end(), [fd](const Reg& r) { return r.fd == fd; }), v.end());
    set->recount();
  }
}

void epoll_forget_set(int epfd) {
  if (EpollSet* set = set_of(epfd)) {
    delete set;
    g_sets[epfd] = nullptr;
    g_live_sets.erase(std::find(g_live_sets.begin(), g_live_sets.end(), epfd));
  }
}

void epoll_on_convert(int fd, Sock* s) {
  for (int epfd : g_live_sets) {
    EpollSet* set = g_sets[epfd];
    Reg* r = find(set, fd);
    if (!r || r->s != s || !r->kernel) continue;
    // The kernel socket's registration went with it (dup3 closed it).
    r->kernel = false;
    set->recount();
    add_tagged(epfd, fd);
  }
}

}  // namespace xtcp::preload

extern "C" {

int epoll_ctl(int epfd, int op, int fd, epoll_event* ev) {
  Sock* s = inside() ? nullptr : shim().fds.get(fd);
  if (!s || epfd < 0 || epfd >= FdTable::kMaxFd) return real().epoll_ctl(epfd, op, fd, ev);
  Locked l;
  return ctl_locked(epfd, op, fd, ev, s);
}

int epoll_wait(int epfd, epoll_event* ev, int max, int timeout_ms) {
  if (!wants_shim(epfd) || max <= 0) return real().epoll_wait(epfd, ev, max, timeout_ms);
  return xwait(epfd, ev, max, timeout_ms, nullptr);
}

int epoll_pwait(int epfd, epoll_event* ev, int max, int timeout_ms, const sigset_t* mask) {
  if (!wants_shim(epfd) || max <= 0) return real().epoll_pwait(epfd, ev, max, timeout_ms, mask);
  return xwait(epfd, ev, max, timeout_ms, mask);
}

int epoll_pwait2(int epfd, epoll_event* ev, int max, const timespec* ts, const sigset_t* mask) {
  if (!wants_shim(epfd) || max <= 0) {
    if (!real().epoll_pwait2) return fail_errno(ENOSYS);
    return real().epoll_pwait2(epfd, ev, max, ts, mask);
  }
  int ms = -1;
  if (ts) {
    const int64_t v = ts->tv_sec * 1000LL + (ts->tv_nsec + 999999) / 1000000;
    ms = v > INT_MAX ? INT_MAX : static_cast<int>(v);
  }
  return xwait(epfd, ev, max, ms, mask);
}

}  // extern "C"
