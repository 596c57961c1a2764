// Which TCP sockets go through xtcp: the addresses of the interface xtcpd
// serves (asked from the daemon, then getifaddrs) or the networks in
// $XTCP_RUN_NETS. Pure logic, unit-tested.
//   bind():    xtcp for an address of the interface, or the wildcard
//              (0.0.0.0 / ::) unless wildcard binds are told to stay kernel;
//   connect(): xtcp for a remote on one of the interface's networks that is
//              not one of its own addresses (xtcpd cannot talk to itself),
//              or any connect of a socket bound to an xtcp address.
// Loopback is never xtcp. IPv4-mapped IPv6 addresses count as IPv4.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace xtcp::preload {

struct IpNet {
  int family = 0;        // AF_INET / AF_INET6
  uint8_t addr[16] = {}; // network byte order (IPv4: first 4 bytes)
  int prefix = 0;        // bits
  bool own = false;      // an address of the interface itself
};

class AddrPolicy {
 public:
  static constexpr size_t kMaxNets = 32;

  // "10.75.0.0/24,fd75::/64" (comma or space separated; a bare address is
  // /32 or /128). False on a malformed item (nothing is added then).
  bool parse_nets(std::string_view list);
  // An interface address with its prefix length (from getifaddrs).
  bool add_own(const sockaddr* addr, int prefix);
  void set_wildcard_xtcp(bool on) { wildcard_xtcp_ = on; }

  bool local_is_xtcp(const sockaddr* addr, socklen_t len) const;
  bool remote_is_xtcp(const sockaddr* addr, socklen_t len) const;
  size_t size() const { return count_; }
  const IpNet& net(size_t i) const { return nets_[i]; }

 private:
  bool add(const IpNet& n);
  IpNet nets_[kMaxNets];
  size_t count_ = 0;
  bool wildcard_xtcp_ = true;
};

// sockaddr -> family + 16 address bytes; v4-mapped v6 becomes IPv4. False
// for other families or a short length.
bool plain_address(const sockaddr* addr, socklen_t len, int* family, uint8_t out[16]);

}  // namespace xtcp::preload
