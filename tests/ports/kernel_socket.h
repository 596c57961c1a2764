// Kernel TCP sockets for the port tests: what a kernel app would do.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "wire/ip_address.h"

namespace ports_test {

struct KernelBind {
  bool reuseaddr = false;
  bool reuseport = false;
  bool v6only = true;
  bool listen = false;
};

// Closes on scope exit; fd < 0 holds the negative errno of the bind.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(Fd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      if (fd >= 0) close(fd);
      fd = std::exchange(o.fd, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { if (fd >= 0) close(fd); }
};

inline xtcp::wire::IpAddress ip(const char* text) {
  xtcp::wire::IpAddress a;
  if (inet_pton(AF_INET, text, a.bytes.data()) == 1) return a;
  a.family = xtcp::wire::IpFamily::kV6;
  if (inet_pton(AF_INET6, text, a.bytes.data()) != 1) throw std::runtime_error("bad address");
  return a;
}

inline int set_int(int fd, int level, int opt, int v) {
  return setsockopt(fd, level, opt, &v, sizeof v);
}

// socket + options + bind (+ listen) like a kernel app; Fd{-errno} on failure.
inline Fd kernel_bind(const char* addr, uint16_t port, KernelBind o = {}) {
  const auto a = ip(addr);
  const bool v6 = a.family == xtcp::wire::IpFamily::kV6;
  Fd s(socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (s.fd < 0) return Fd(-errno);
  set_int(s.fd, SOL_SOCKET, SO_REUSEADDR, o.reuseaddr);
  set_int(s.fd, SOL_SOCKET, SO_REUSEPORT, o.reuseport);
  if (v6) set_int(s.fd, IPPROTO_IPV6, IPV6_V6ONLY, o.v6only);
  sockaddr_storage ss{};
  socklen_t len;
  if (v6) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(port);
    std::memcpy(&s6->sin6_addr, a.bytes.data(), 16);
    len = sizeof *s6;
  } else {
    auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
    s4->sin_family = AF_INET;
    s4->sin_port = htons(port);
    std::memcpy(&s4->sin_addr, a.bytes.data(), 4);
    len = sizeof *s4;
  }
  if (bind(s.fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) return Fd(-errno);
  if (o.listen && listen(s.fd, 4) != 0) return Fd(-errno);
  return s;
}

inline uint16_t local_port(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  return ntohs(ss.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                                       : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
}

inline int read_sysctl_int(const char* path, int fallback) {
  std::ifstream in(path);
  int v = fallback;
  in >> v;
  return in ? v : fallback;
}

}  // namespace ports_test
