// Kernel TCP behind the Stack interface: non-blocking sockets, level-
// triggered epoll with the interest mask kept per fd so watch() costs a
// syscall only when the interest changes.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "tools/perf_stack.h"

namespace xtcp::perf {

namespace {

socklen_t addr_len(const sockaddr_storage& a) {
  return a.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
}

class KernelStack final : public Stack {
 public:
  KernelStack() : epfd_(epoll_create1(EPOLL_CLOEXEC)) {}
  ~KernelStack() override {
    for (size_t fd = 0; fd < interest_.size(); ++fd)
      if (interest_[fd] >= 0) ::close(static_cast<int>(fd));
    if (epfd_ >= 0) ::close(epfd_);
  }
  const char* name() const override { return "kernel"; }

  int listen(const sockaddr_storage& addr, int backlog) override {
    const int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, reinterpret_cast<const sockaddr*>(&addr), addr_len(addr)) < 0 || ::listen(fd, backlog) < 0) {
      const int err = errno;
      ::close(fd);
      return -err;
    }
    return adopt(fd);
  }

  int accept(int listener) override {
    const int fd = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    return adopt(fd);
  }

  int connect(const sockaddr_storage& addr) override {
    const int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), addr_len(addr)) < 0 && errno != EINPROGRESS) {
      const int err = errno;
      ::close(fd);
      return -err;
    }
    return adopt(fd);
  }

  int socket_error(int h) override {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(h, SOL_SOCKET, SO_ERROR, &err, &len) < 0) return errno;
    return err;
  }

  ssize_t send(int h, const void* buf, size_t len) override {
    const ssize_t n = ::send(h, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    return n;
  }

  ssize_t recv(int h, void* buf, size_t len) override {
    const ssize_t n = ::recv(h, buf, len, MSG_DONTWAIT);
    if (n < 0) return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    return n;
  }

  void close(int h) override {
    if (h < 0 || static_cast<size_t>(h) >= interest_.size()) return;
    interest_[h] = -1;
    ::close(h);  // also leaves the epoll set
  }

  int set_nodelay(int h) override {
    const int one = 1;
    return setsockopt(h, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0 ? -errno : 0;
  }

  int64_t retransmits(int h) override {
    tcp_info info{};
    socklen_t len = sizeof info;
    if (getsockopt(h, IPPROTO_TCP, TCP_INFO, &info, &len) < 0) return -1;
    return info.tcpi_total_retrans;
  }

  void watch(int h, short events) override {
    if (h < 0 || static_cast<size_t>(h) >= interest_.size() || interest_[h] < 0 || interest_[h] == events) return;
    epoll_event ev{};
    ev.events = ((events & kReadable) ? EPOLLIN : 0u) | ((events & kWritable) ? EPOLLOUT : 0u);
    ev.data.fd = h;
    epoll_ctl(epfd_, interest_[h] == kNotWatched ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, h, &ev);
    interest_[h] = events;
  }

  int wait(std::span<Event> out, int timeout_ms) override {
    if (events_.size() < out.size()) events_.resize(out.size());
    const int n = epoll_wait(epfd_, events_.data(), static_cast<int>(out.size()), timeout_ms);
    if (n < 0) return errno == EINTR ? 0 : -errno;
    for (int i = 0; i < n; ++i) {
      const uint32_t e = events_[i].events;
      short r = 0;
      if (e & (EPOLLIN | EPOLLRDHUP)) r |= kReadable;
      if (e & EPOLLOUT) r |= kWritable;
      if (e & EPOLLERR) r |= kError;
      if (e & EPOLLHUP) r |= kHangup | kReadable;
      out[i] = {events_[i].data.fd, r};
    }
    return n;
  }

 private:
  static constexpr short kNotWatched = 0x100;  // open, never in the epoll set

  int adopt(int fd) {
    if (static_cast<size_t>(fd) >= interest_.size()) interest_.resize(static_cast<size_t>(fd) * 2 + 64, -1);
    interest_[fd] = kNotWatched;
    return fd;
  }

  int epfd_;
  std::vector<short> interest_;  // per fd: -1 closed/not ours, kNotWatched, or the mask
  std::vector<epoll_event> events_;
};

}  // namespace

std::unique_ptr<Stack> make_kernel_stack() { return std::make_unique<KernelStack>(); }

bool make_address(std::string_view host, uint16_t port, sockaddr_storage& out) {
  out = {};
  const std::string h(host);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
  if (inet_pton(AF_INET, h.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    return true;
  }
  out = {};
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out);
  if (inet_pton(AF_INET6, h.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    return true;
  }
  return false;
}

std::string address_string(const sockaddr_storage& addr) {
  char buf[INET6_ADDRSTRLEN] = "?";
  uint16_t port = 0;
  if (addr.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &v4->sin_addr, buf, sizeof buf);
    port = ntohs(v4->sin_port);
    return std::string(buf) + ":" + std::to_string(port);
  }
  const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&addr);
  inet_ntop(AF_INET6, &v6->sin6_addr, buf, sizeof buf);
  port = ntohs(v6->sin6_port);
  return "[" + std::string(buf) + "]:" + std::to_string(port);
}

}  // namespace xtcp::perf
