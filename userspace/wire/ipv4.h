// IPv4 headers (RFC 791). Options are skipped on parse and never emitted;
// fragments are refused (xtcp does not reassemble; TCP sets DF).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "wire/checksum.h"
#include "wire/error.h"
#include "wire/ip_address.h"

namespace xtcp::wire {

namespace ip_protocol {
inline constexpr uint8_t kIcmp = 1;
inline constexpr uint8_t kTcp = 6;
inline constexpr uint8_t kUdp = 17;
}  // namespace ip_protocol

// Read-only view. check_len() validates version, IHL and total length against
// the buffer; afterwards getters and payload() stay inside the buffer.
class Ipv4Packet {
 public:
  static constexpr size_t kHeaderLen = 20;  // without options

  explicit Ipv4Packet(std::span<const uint8_t> buf) : buf_(buf) {}

  ParseError check_len() const;
  // Verifies the header checksum (RFC 791 3.1); after check_len().
  bool checksum_ok() const;

  uint8_t version() const { return buf_[0] >> 4; }
  size_t header_len() const { return size_t{buf_[0] & 0x0fu} * 4; }
  uint8_t dscp() const { return buf_[1] >> 2; }
  uint8_t ecn() const { return buf_[1] & 0x03; }
  uint16_t total_len() const;
  uint16_t ident() const;
  bool dont_fragment() const { return (buf_[6] & 0x40) != 0; }
  bool more_fragments() const { return (buf_[6] & 0x20) != 0; }
  uint16_t frag_offset() const;  // in 8-byte units
  uint8_t ttl() const { return buf_[8]; }
  uint8_t protocol() const { return buf_[9]; }
  uint16_t checksum() const;
  IpAddress src() const { return IpAddress::v4_from_bytes(buf_.data() + 12); }
  IpAddress dst() const { return IpAddress::v4_from_bytes(buf_.data() + 16); }
  // Bytes from the end of the header to total_len (Ethernet padding excluded).
  std::span<const uint8_t> payload() const;

 private:
  std::span<const uint8_t> buf_;
};

struct Ipv4Repr {
  IpAddress src;
  IpAddress dst;
  uint8_t protocol = ip_protocol::kTcp;
  uint8_t ttl = 64;
  uint8_t dscp = 0;
  uint8_t ecn = 0;
  uint16_t ident = 0;
  bool dont_fragment = true;
  uint16_t payload_len = 0;  // bytes after the header

  static ParseError parse(const Ipv4Packet& pkt, Ipv4Repr& out,
                          ChecksumCheck check = ChecksumCheck::kVerify);
  size_t buffer_len() const { return Ipv4Packet::kHeaderLen; }
  // Writes the 20-byte header with its checksum; returns 0 if buf is shorter.
  size_t emit(std::span<uint8_t> buf) const;
  bool operator==(const Ipv4Repr&) const = default;
};

}  // namespace xtcp::wire
