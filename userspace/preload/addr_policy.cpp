#include "preload/addr_policy.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <string>

namespace xtcp::preload {

namespace {

bool is_zero(const uint8_t* a, int n) {
  for (int i = 0; i < n; ++i)
    if (a[i]) return false;
  return true;
}

bool is_loopback(int family, const uint8_t* a) {
  if (family == AF_INET) return a[0] == 127;
  static const uint8_t kLo6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return std::memcmp(a, kLo6, 16) == 0;
}

bool in_net(const IpNet& n, int family, const uint8_t* a) {
  if (n.family != family) return false;
  const int full = n.prefix / 8;
  if (std::memcmp(n.addr, a, full) != 0) return false;
  const int rest = n.prefix % 8;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (n.addr[full] & mask) == (a[full] & mask);
}

int addr_bytes(int family) { return family == AF_INET ? 4 : 16; }

bool parse_one(std::string_view item, IpNet* out) {
  const size_t slash = item.find('/');
  const std::string host(item.substr(0, slash));
  IpNet n;
  if (inet_pton(AF_INET, host.c_str(), n.addr) == 1) n.family = AF_INET;
  else if (inet_pton(AF_INET6, host.c_str(), n.addr) == 1) n.family = AF_INET6;
  else return false;
  const int max = addr_bytes(n.family) * 8;
  n.prefix = max;
  if (slash != std::string_view::npos) {
    const std::string_view p = item.substr(slash + 1);
    if (p.empty() || p.size() > 3) return false;
    int v = 0;
    for (char c : p) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    if (v > max) return false;
    n.prefix = v;
  }
  *out = n;
  return true;
}

}  // namespace

bool plain_address(const sockaddr* addr, socklen_t len, int* family, uint8_t out[16]) {
  if (!addr) return false;
  if (addr->sa_family == AF_INET && len >= sizeof(sockaddr_in)) {
    std::memcpy(out, &reinterpret_cast<const sockaddr_in*>(addr)->sin_addr, 4);
    *family = AF_INET;
    return true;
  }
  if (addr->sa_family == AF_INET6 && len >= sizeof(sockaddr_in6)) {
    const in6_addr& a6 = reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(&a6)) {
      std::memcpy(out, a6.s6_addr + 12, 4);
      *family = AF_INET;
    } else {
      std::memcpy(out, a6.s6_addr, 16);
      *family = AF_INET6;
    }
    return true;
  }
  return false;
}

bool AddrPolicy::add(const IpNet& n) {
  if (count_ == kMaxNets) return false;
  nets_[count_++] = n;
  return true;
}

bool AddrPolicy::parse_nets(std::string_view list) {
  IpNet parsed[kMaxNets];
  size_t n = 0;
  while (!list.empty()) {
    const size_t end = list.find_first_of(", ");
    const std::string_view item = list.substr(0, end);
    list = end == std::string_view::npos ? std::string_view{} : list.substr(end + 1);
    if (item.empty()) continue;
    if (n == kMaxNets || !parse_one(item, &parsed[n])) return false;
    ++n;
  }
  if (count_ + n > kMaxNets) return false;
  for (size_t i = 0; i < n; ++i) add(parsed[i]);
  return true;
}

bool AddrPolicy::add_own(const sockaddr* addr, int prefix) {
  IpNet n;
  const socklen_t len = addr->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  if (!plain_address(addr, len, &n.family, n.addr)) return false;
  if (prefix < 0 || prefix > addr_bytes(n.family) * 8) return false;
  n.prefix = prefix;
  n.own = true;
  return add(n);
}

bool AddrPolicy::local_is_xtcp(const sockaddr* addr, socklen_t len) const {
  int family = 0;
  uint8_t a[16];
  if (!plain_address(addr, len, &family, a)) return false;
  // A v6 socket bound to :: is a wildcard (dual-stack unless IPV6_V6ONLY).
  if (is_zero(a, addr_bytes(family))) return wildcard_xtcp_;
  if (is_loopback(family, a)) return false;
  for (size_t i = 0; i < count_; ++i) {
    const IpNet& n = nets_[i];
    if (n.own ? (n.family == family && std::memcmp(n.addr, a, addr_bytes(family)) == 0)
              : in_net(n, family, a))
      return true;
  }
  return false;
}

bool AddrPolicy::remote_is_xtcp(const sockaddr* addr, socklen_t len) const {
  int family = 0;
  uint8_t a[16];
  if (!plain_address(addr, len, &family, a)) return false;
  if (is_zero(a, addr_bytes(family)) || is_loopback(family, a)) return false;
  bool on_link = false;
  for (size_t i = 0; i < count_; ++i) {
    const IpNet& n = nets_[i];
    if (n.own && n.family == family && std::memcmp(n.addr, a, addr_bytes(family)) == 0) return false;
    on_link = on_link || in_net(n, family, a);
  }
  return on_link;
}

}  // namespace xtcp::preload
