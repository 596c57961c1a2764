// IPv6 fixed header (RFC 8200 section 3). Extension headers are not walked:
// next_header is what the fixed header says.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "wire/error.h"
#include "wire/ip_address.h"

namespace xtcp::wire {

class Ipv6Packet {
 public:
  static constexpr size_t kHeaderLen = 40;

  explicit Ipv6Packet(std::span<const uint8_t> buf) : buf_(buf) {}

  // Version 6, fixed header and payload_len inside the buffer.
  ParseError check_len() const;

  uint8_t version() const { return buf_[0] >> 4; }
  uint8_t traffic_class() const;
  uint32_t flow_label() const;
  uint16_t payload_len() const;
  uint8_t next_header() const { return buf_[6]; }
  uint8_t hop_limit() const { return buf_[7]; }
  IpAddress src() const { return IpAddress::v6_from_bytes(buf_.data() + 8); }
  IpAddress dst() const { return IpAddress::v6_from_bytes(buf_.data() + 24); }
  // payload_len bytes after the fixed header (link padding excluded).
  std::span<const uint8_t> payload() const { return buf_.subspan(kHeaderLen, payload_len()); }

 private:
  std::span<const uint8_t> buf_;
};

struct Ipv6Repr {
  IpAddress src;  // family kV6
  IpAddress dst;
  uint8_t next_header = 6;  // TCP
  uint8_t hop_limit = 64;
  uint8_t traffic_class = 0;  // DSCP << 2 | ECN
  uint32_t flow_label = 0;    // 20 bits
  uint16_t payload_len = 0;

  static ParseError parse(const Ipv6Packet& pkt, Ipv6Repr& out);
  size_t buffer_len() const { return Ipv6Packet::kHeaderLen; }
  size_t emit(std::span<uint8_t> buf) const;  // 0 if buf is shorter
  bool operator==(const Ipv6Repr&) const = default;
};

}  // namespace xtcp::wire
