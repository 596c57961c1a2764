// An IPv4 or IPv6 address as bytes in network order. IPv4 uses bytes[0..3]
// and leaves the rest zero, the same layout as the steering keys in
// include/xtcp/steer_abi.h, so a key is filled with one copy.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>

namespace xtcp::wire {

enum class IpFamily : uint8_t { kV4 = 2, kV6 = 10 };  // AF_INET, AF_INET6

struct IpAddress {
  IpFamily family = IpFamily::kV4;
  std::array<uint8_t, 16> bytes{};

  static IpAddress v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    IpAddress ip;
    ip.bytes[0] = a; ip.bytes[1] = b; ip.bytes[2] = c; ip.bytes[3] = d;
    return ip;
  }
  static IpAddress v4_from_bytes(const uint8_t* p) {
    IpAddress ip;
    std::memcpy(ip.bytes.data(), p, 4);
    return ip;
  }
  static IpAddress v6_from_bytes(const uint8_t* p) {
    IpAddress ip;
    ip.family = IpFamily::kV6;
    std::memcpy(ip.bytes.data(), p, 16);
    return ip;
  }
  size_t size() const { return family == IpFamily::kV4 ? 4 : 16; }
  bool operator==(const IpAddress&) const = default;
};

}  // namespace xtcp::wire
