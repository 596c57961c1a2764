// RAII owner of a non-blocking eventfd(2): the wakeup behind the command
// queue and the app kick/notify fds. Counter semantics: signal() adds 1,
// drain() reads and resets the sum, so many signals before one poll() cost
// one wakeup. Errors come back as -errno (STYLE.md 15).
#pragma once

#include <cstdint>

namespace xtcp::stack {

class EventFd {
 public:
  EventFd() = default;  // empty: fd() == -1
  ~EventFd();
  EventFd(EventFd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  EventFd& operator=(EventFd&& o) noexcept;
  EventFd(const EventFd&) = delete;
  EventFd& operator=(const EventFd&) = delete;

  // Opens a fresh EFD_NONBLOCK|EFD_CLOEXEC eventfd into `out`; 0 or -errno.
  static int create(EventFd& out);

  // Wakes the poller. 0, or -errno; a counter already at its maximum
  // (EAGAIN) counts as success: the fd is readable either way.
  int signal() const;
  // Resets the counter: the sum of signals since the last drain (0 if none),
  // or -errno.
  int64_t drain() const;

  int fd() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  explicit EventFd(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace xtcp::stack
