// Shared state of libxtcp-preload.so: one libxtcp context per process,
// opened on the first socket that should be xtcp, one lock around every
// libxtcp call (a context is one-thread-at-a-time, xtcp.h), the fd table
// and the address policy. Blocking calls never sleep holding the lock:
// they ask with timeout 0, announce the sleep (xtcp_wait_prepare), unlock,
// poll the placeholder descriptor, and lock again to finish.
//
// libxtcp itself calls socket(), poll(), close() ... which resolve to the
// shim's functions (it is preloaded): t_inside marks the calls the shim
// makes with the lock held, and every interposed function passes those
// straight to libc.
#pragma once

#include <sys/types.h>

#include <cerrno>
#include <cstdint>
#include <mutex>

#include "preload/addr_policy.h"
#include "preload/fd_table.h"
#include "preload/real_calls.h"
#include "xtcp/xtcp.h"

namespace xtcp::preload {

struct Shim {
  std::mutex mu;
  xtcp_ctx* ctx = nullptr;
  pid_t ctx_pid = 0;
  bool tried = false;     // this process asked for the daemon already
  bool disabled = false;  // unreachable or XTCP_RUN_DISABLE: all kernel
  AddrPolicy policy;
  FdTable fds;
};

Shim& shim();

extern thread_local int t_inside;
inline bool inside() { return t_inside > 0; }

// The shim lock plus the "inside" mark for libxtcp's own calls.
class Locked {
 public:
  Locked() : lk_(shim().mu) { ++t_inside; }
  ~Locked() { --t_inside; }
  Locked(const Locked&) = delete;
  Locked& operator=(const Locked&) = delete;

 private:
  std::unique_lock<std::mutex> lk_;
};

// The context (opened, and the policy learnt, on first use); nullptr when
// xtcp is not available to this process. Call with Locked held.
xtcp_ctx* context_locked();

// A Sock usable through this process's context (not undecided, not
// inherited over fork).
inline bool is_live(const Sock* s) {
  return s && s->kind != SockKind::kUndecided && s->owner == shim().ctx_pid && shim().ctx;
}

inline int fail_errno(int e) {
  errno = e;
  return -1;
}

// How long a blocking call may still wait (SO_RCVTIMEO / SO_SNDTIMEO):
// -1 forever, else the ms left (0 once expired).
class Timeout {
 public:
  explicit Timeout(int ms);
  int left() const;
  bool expired() const { return left() == 0; }

 private:
  int64_t end_ms_ = -1;
};

// Blocking helper: waits until the connection may be ready for `xevents`
// (XTCP_POLL*) or timeout_ms passes, sleeping on the placeholder fd with
// the lock released. Returns the ready mask seen before sleeping (0 if it
// slept). Callers loop and retry their operation.
int wait_conn(int fd, Sock* s, short xevents, int timeout_ms);

// A line on stderr, "libxtcp-preload: ..." (raw write, no stdio).
void warn(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// epoll bookkeeping (shim_epoll.cpp), called with Locked held.
void epoll_forget_fd(int fd);
void epoll_forget_set(int epfd);
void epoll_on_convert(int fd, Sock* s);

// Moves what the receive ring holds (up to the stash's room) into the
// Sock's stash; xtcp_recv's result for that read (Locked).
ssize_t stash_fill(Sock* s);

// Closes the xtcp handles of a Sock whose last descriptor went (Locked).
void close_handles(Sock* s);

// Address conversion for the app: xtcp addresses -> the socket's family
// (IPv4 becomes v4-mapped IPv6 on an AF_INET6 socket).
void to_app_addr(int domain, const sockaddr_storage& in, sockaddr* out, socklen_t* len);

}  // namespace xtcp::preload
