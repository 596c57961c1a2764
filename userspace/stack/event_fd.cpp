#include "stack/event_fd.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

namespace xtcp::stack {

EventFd::~EventFd() {
  if (fd_ >= 0) ::close(fd_);
}

EventFd& EventFd::operator=(EventFd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

int EventFd::create(EventFd& out) {
  const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) return -errno;
  out = EventFd(fd);
  return 0;
}

int EventFd::signal() const {
  const uint64_t one = 1;
  for (;;) {
    if (::write(fd_, &one, sizeof one) == static_cast<ssize_t>(sizeof one)) return 0;
    if (errno == EINTR) continue;
    return errno == EAGAIN ? 0 : -errno;
  }
}

int64_t EventFd::drain() const {
  uint64_t count = 0;
  for (;;) {
    if (::read(fd_, &count, sizeof count) == static_cast<ssize_t>(sizeof count))
      return static_cast<int64_t>(count);
    if (errno == EINTR) continue;
    return errno == EAGAIN ? 0 : -errno;
  }
}

}  // namespace xtcp::stack
