#include "daemon/port_reservation.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace xtcp::daemon {
namespace {

using wire::IpAddress;
using wire::IpFamily;

bool valid_family(IpFamily f) { return f == IpFamily::kV4 || f == IpFamily::kV6; }

socklen_t to_sockaddr(const IpAddress& a, uint16_t port, sockaddr_storage* ss) {
  std::memset(ss, 0, sizeof *ss);
  if (a.family == IpFamily::kV4) {
    auto* sin = reinterpret_cast<sockaddr_in*>(ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    std::memcpy(&sin->sin_addr, a.bytes.data(), 4);
    return sizeof *sin;
  }
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(ss);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(port);
  std::memcpy(&sin6->sin6_addr, a.bytes.data(), 16);
  return sizeof *sin6;
}

int bound_port(int fd, uint16_t* port) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return -errno;
  *port = ss.ss_family == AF_INET ? ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port)
                                  : ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return 0;
}

int set_reuse_addr(int fd, bool on) {
  const int v = on ? 1 : 0;
  return setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v, sizeof v) == 0 ? 0 : -errno;
}

// Both reuse options off, stated rather than assumed: either one on would
// let a kernel socket share the port with us. SO_REUSEADDR only while
// binding a listener's port over TIME-WAIT sockets (kTimeWaitOk).
int set_exclusive(int fd, IpFamily family, PortSharing sharing) {
  const int off = 0;
  const int on = 1;
  if (int err = set_reuse_addr(fd, sharing == PortSharing::kTimeWaitOk); err != 0) return err;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &off, sizeof off) != 0) return -errno;
  // A v6 wildcard would otherwise also hold the v4 port (bindv6only=0).
  if (family == IpFamily::kV6 &&
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) != 0)
    return -errno;
  return 0;
}

// True when a kernel TCP socket other than a TIME-WAIT one uses local port
// `port` in this namespace (/proc/self/net/tcp and tcp6: "sl local rem st"
// with hex port and state, 06 = TIME_WAIT). The kernel's SO_REUSEADDR rule
// also lets a bind share a port with live connections an old server's
// children still hold; xtcp would then steer their segments away, so a
// listener over anything but TIME-WAIT is refused.
bool kernel_port_busy(uint16_t port) {
  for (const char* path : {"/proc/self/net/tcp", "/proc/self/net/tcp6"}) {
    FILE* f = std::fopen(path, "re");
    if (f == nullptr) continue;
    char line[512];
    bool busy = false;
    while (!busy && std::fgets(line, sizeof line, f) != nullptr) {
      char local[64];
      unsigned st = 0;
      if (std::sscanf(line, " %*u: %63s %*s %x", local, &st) != 2) continue;  // the header
      const char* colon = std::strrchr(local, ':');
      if (colon == nullptr) continue;
      const unsigned long p = std::strtoul(colon + 1, nullptr, 16);
      busy = p == port && st != 0x06;
    }
    std::fclose(f);
    if (busy) return true;
  }
  return false;
}

// socket + options + bind, never listen. Returns the fd or -errno.
int open_hold(const IpAddress& local, uint16_t port, PortSharing sharing) {
  const int domain = local.family == IpFamily::kV4 ? AF_INET : AF_INET6;
  const int fd = socket(domain, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
  if (fd < 0) return -errno;
  int err = set_exclusive(fd, local.family, sharing);
  if (err == 0) {
    sockaddr_storage ss;
    const socklen_t len = to_sockaddr(local, port, &ss);
    if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) err = -errno;
  }
  // Bound: from now on a kernel bind() to the port must conflict with us.
  if (err == 0 && sharing == PortSharing::kTimeWaitOk) err = set_reuse_addr(fd, false);
  if (err == 0 && sharing == PortSharing::kTimeWaitOk && kernel_port_busy(port)) err = -EADDRINUSE;
  if (err != 0) {
    close(fd);
    return err;
  }
  return fd;
}

}  // namespace

IpAddress any_address(IpFamily family) {
  IpAddress a;
  a.family = family;
  return a;
}

bool is_wildcard(const IpAddress& addr) {
  for (size_t i = 0; i < addr.size(); ++i)
    if (addr.bytes[i] != 0) return false;
  return true;
}

PortReservation::~PortReservation() { release(); }

PortReservation::PortReservation(PortReservation&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      addr_(other.addr_),
      port_(std::exchange(other.port_, 0)) {}

PortReservation& PortReservation::operator=(PortReservation&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::exchange(other.fd_, -1);
    addr_ = other.addr_;
    port_ = std::exchange(other.port_, 0);
  }
  return *this;
}

void PortReservation::release() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  port_ = 0;
}

int PortReservation::reserve(const IpAddress& local, uint16_t port, PortReservation* out,
                             PortSharing sharing) {
  if (!valid_family(local.family)) return -EAFNOSUPPORT;
  const int fd = open_hold(local, port, sharing);
  if (fd < 0) return fd;
  uint16_t got = port;
  if (port == 0) {
    if (const int err = bound_port(fd, &got); err != 0) {
      close(fd);
      return err;
    }
  }
  out->release();
  out->fd_ = fd;
  out->addr_ = local;
  out->port_ = got;
  return 0;
}

int PortReservation::reserve_ephemeral(const IpAddress& local, PortReservation* out) {
  return reserve(local, 0, out);
}

}  // namespace xtcp::daemon
