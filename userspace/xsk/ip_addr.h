// IpAddr: an IPv4 or IPv6 address as network-order bytes, laid out like the
// steering keys (IPv4 in bytes[0..3], the rest zero) so a key is one copy.
// The xsk layer keeps its own small type (it may not include wire/); the
// layout matches wire::IpAddress byte for byte.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

namespace xtcp::xsk {

struct IpAddr {
  uint8_t family = AF_INET;  // AF_INET or AF_INET6
  std::array<uint8_t, 16> bytes{};

  static IpAddr v4(const uint8_t* p) {
    IpAddr a;
    std::memcpy(a.bytes.data(), p, 4);
    return a;
  }
  static IpAddr v6(const uint8_t* p) {
    IpAddr a;
    a.family = AF_INET6;
    std::memcpy(a.bytes.data(), p, 16);
    return a;
  }
  size_t size() const { return family == AF_INET ? 4 : 16; }
  bool is_v4() const { return family == AF_INET; }
  bool operator==(const IpAddr&) const = default;

  // "10.0.0.1" or "fd00::1" (inet_pton); nullopt when neither parses.
  static std::optional<IpAddr> parse(const std::string& text);
  std::string to_string() const;
};

}  // namespace xtcp::xsk
