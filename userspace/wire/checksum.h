// The Internet checksum (RFC 1071): the 16-bit one's complement of the one's
// complement sum of 16-bit big-endian words, with pseudo-header sums for TCP
// over IPv4 (RFC 9293 section 3.1) and IPv6 (RFC 8200 section 8.1) and the
// incremental update of RFC 1624 (eqn. 3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "wire/ip_address.h"

namespace xtcp::wire {

// Whether a parser verifies a checksum.
enum class ChecksumCheck : uint8_t {
  kVerify,
  kSkip,  // trusted loopback, or a NIC that already verified it (rx offload)
};

// A running one's complement sum. Chunks may have any length: a chunk that
// starts at an odd offset of the checksummed stream is byte-swapped before it
// is added (RFC 1071 section 2(B), byte-order independence).
class Checksum {
 public:
  void add(std::span<const uint8_t> bytes);
  // A 16/32-bit field value in host order, as if its big-endian bytes were
  // added at the current stream position.
  void add_u16(uint16_t v);
  void add_u32(uint32_t v) { add_u16(static_cast<uint16_t>(v >> 16)); add_u16(static_cast<uint16_t>(v)); }
  // A partial sum of big-endian words (e.g. pseudo_header_sum()); must be
  // added at an even stream position.
  void add_sum(uint32_t partial) { acc_ += partial; }

  // The folded 16-bit one's complement sum, host order. A stream that holds a
  // correct checksum sums to 0xffff.
  uint16_t sum() const;
  // The value to store in a checksum field (host order; use store_be16).
  uint16_t result() const { return static_cast<uint16_t>(~sum()); }
  bool verifies() const { return sum() == 0xffff; }

 private:
  uint64_t acc_ = 0;  // big-endian-word domain, unfolded
  bool odd_ = false;  // stream length so far is odd
};

// One's complement of the sum of bytes: the checksum field value, host order.
uint16_t internet_checksum(std::span<const uint8_t> bytes);

// Pseudo-header partial sums (unfolded, big-endian-word domain), to be fed to
// Checksum::add_sum. len is the TCP length: header plus payload.
uint32_t pseudo_header_sum_v4(const uint8_t* src4, const uint8_t* dst4, uint8_t protocol,
                              uint16_t len);
uint32_t pseudo_header_sum_v6(const uint8_t* src16, const uint8_t* dst16, uint8_t next_header,
                              uint32_t len);
// Dispatches on src.family (src and dst must have the same family).
uint32_t pseudo_header_sum(const IpAddress& src, const IpAddress& dst, uint8_t protocol,
                           uint32_t len);

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for a field changing from old_v
// to new_v under a checksum hc (all host order).
uint16_t checksum_adjust16(uint16_t hc, uint16_t old_v, uint16_t new_v);
uint16_t checksum_adjust32(uint16_t hc, uint32_t old_v, uint32_t new_v);

}  // namespace xtcp::wire
