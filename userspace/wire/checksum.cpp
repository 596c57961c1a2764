#include "wire/checksum.h"

#include <bit>
#include <cstring>

#include "wire/bytes.h"

namespace xtcp::wire {
namespace {

uint16_t fold(uint64_t s) {
  s = (s & 0xffffffffu) + (s >> 32);
  s = (s & 0xffffffffu) + (s >> 32);
  s = (s & 0xffffu) + (s >> 16);
  s = (s & 0xffffu) + (s >> 16);
  s = (s & 0xffffu) + (s >> 16);
  return static_cast<uint16_t>(s);
}

uint16_t bswap16(uint16_t v) { return static_cast<uint16_t>((v << 8) | (v >> 8)); }

// Sum of a chunk that starts at an even stream offset, in the big-endian-word
// domain. Native 32-bit loads are summed into 64-bit accumulators (no carry
// handling needed below 2^32 words) and the fold is swapped once at the end
// on little-endian hosts: one's complement sums commute with byte swapping.
uint16_t chunk_sum(const uint8_t* p, size_t n) {
  uint64_t a = 0;
  uint64_t b = 0;
  while (n >= 16) {
    uint32_t w[4];
    std::memcpy(w, p, sizeof(w));
    a += w[0];
    b += w[1];
    a += w[2];
    b += w[3];
    p += 16;
    n -= 16;
  }
  while (n >= 4) {
    uint32_t w;
    std::memcpy(&w, p, sizeof(w));
    a += w;
    p += 4;
    n -= 4;
  }
  if (n >= 2) {
    uint16_t h;
    std::memcpy(&h, p, sizeof(h));
    b += h;
    p += 2;
    n -= 2;
  }
  // A trailing odd byte is the high byte of a word padded with zero
  // (RFC 1071 section 4.1).
  if (n == 1) {
    b += std::endian::native == std::endian::little ? uint64_t{p[0]} : uint64_t{p[0]} << 8;
  }
  uint16_t s = fold(a + b);  // a + b < 2^64 for any chunk below 2^30 bytes
  return std::endian::native == std::endian::little ? bswap16(s) : s;
}

}  // namespace

void Checksum::add(std::span<const uint8_t> bytes) {
  if (bytes.empty()) return;
  uint16_t s = chunk_sum(bytes.data(), bytes.size());
  acc_ += odd_ ? bswap16(s) : s;
  odd_ ^= (bytes.size() & 1) != 0;
}

void Checksum::add_u16(uint16_t v) { acc_ += odd_ ? bswap16(v) : v; }

uint16_t Checksum::sum() const { return fold(acc_); }

uint16_t internet_checksum(std::span<const uint8_t> bytes) {
  Checksum c;
  c.add(bytes);
  return c.result();
}

uint32_t pseudo_header_sum_v4(const uint8_t* src4, const uint8_t* dst4, uint8_t protocol,
                              uint16_t len) {
  // RFC 9293 3.1: src, dst, zero, PTCL, TCP length.
  uint32_t s = load_be16(src4) + load_be16(src4 + 2) + load_be16(dst4) + load_be16(dst4 + 2);
  return s + protocol + len;
}

uint32_t pseudo_header_sum_v6(const uint8_t* src16, const uint8_t* dst16, uint8_t next_header,
                              uint32_t len) {
  // RFC 8200 8.1: src, dst, upper-layer length (32 bits), 3 zero bytes, next header.
  uint32_t s = 0;
  for (int i = 0; i < 16; i += 2) s += load_be16(src16 + i) + load_be16(dst16 + i);
  return s + (len >> 16) + (len & 0xffff) + next_header;
}

uint32_t pseudo_header_sum(const IpAddress& src, const IpAddress& dst, uint8_t protocol,
                           uint32_t len) {
  if (src.family == IpFamily::kV4) {
    return pseudo_header_sum_v4(src.bytes.data(), dst.bytes.data(), protocol,
                                static_cast<uint16_t>(len));
  }
  return pseudo_header_sum_v6(src.bytes.data(), dst.bytes.data(), protocol, len);
}

uint16_t checksum_adjust16(uint16_t hc, uint16_t old_v, uint16_t new_v) {
  uint64_t s = uint64_t{static_cast<uint16_t>(~hc)} + static_cast<uint16_t>(~old_v) + new_v;
  return static_cast<uint16_t>(~fold(s));
}

uint16_t checksum_adjust32(uint16_t hc, uint32_t old_v, uint32_t new_v) {
  uint64_t s = uint64_t{static_cast<uint16_t>(~hc)} +
               static_cast<uint16_t>(~(old_v >> 16)) + static_cast<uint16_t>(~old_v) +
               (new_v >> 16) + (new_v & 0xffff);
  return static_cast<uint16_t>(~fold(s));
}

}  // namespace xtcp::wire
