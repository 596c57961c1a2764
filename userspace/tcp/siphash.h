// SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
// 2012): a keyed 64-bit PRF, used for RFC 6528 ISNs and SYN cookies.
#pragma once

#include <cstddef>
#include <cstdint>

namespace xtcp::tcp {

struct SipKey {
  uint64_t k0 = 0;  // key bytes 0..7, little-endian (the paper's convention)
  uint64_t k1 = 0;  // key bytes 8..15
  static SipKey from_bytes(const uint8_t bytes[16]);
};

uint64_t siphash24(const SipKey& key, const uint8_t* data, size_t len);

}  // namespace xtcp::tcp
