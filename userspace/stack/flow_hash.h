// Keyed hashes for the shard's tables. The key is a random secret chosen at
// start-up, so a remote peer that picks its addresses and ports cannot aim
// many flows at one bucket (the RFC 6528 reasoning, applied to lookup).
// This is a fast multiply-fold mix, not a PRF: SipHash (tcp/siphash.h)
// stays the tool where unpredictability of the output itself matters.
#pragma once

#include <cstdint>
#include <cstring>

#include "tcp/four_tuple.h"
#include "wire/ip_address.h"

namespace xtcp::stack {

struct HashKey {
  uint64_t k0 = 0;
  uint64_t k1 = 0;
};

namespace detail {

// splitmix64 step: spreads a 128-bit secret into independent lane keys.
inline uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// 64x64->128 multiply folded to 64 bits: every input bit reaches the
// middle output bits.
inline uint64_t fold_mul(uint64_t a, uint64_t b) {
  const unsigned __int128 p = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(p) ^ static_cast<uint64_t>(p >> 64);
}

inline uint64_t load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace detail

// Hashes up to two addresses plus one word of ports/family with per-lane
// secrets; a lane xored with its secret is zero only if the peer knew it.
class KeyedMix {
 public:
  explicit KeyedMix(HashKey key) {
    uint64_t state = key.k0 ^ detail::splitmix64(key.k1);
    for (uint64_t& s : lane_) s = detail::splitmix64(state);
  }

  uint64_t mix(const wire::IpAddress& a, const wire::IpAddress& b, uint64_t extra) const {
    const uint8_t* pa = a.bytes.data();
    const uint8_t* pb = b.bytes.data();
    uint64_t h = detail::fold_mul(detail::load64(pa) ^ lane_[0], detail::load64(pa + 8) ^ lane_[1]);
    h += detail::fold_mul(detail::load64(pb) ^ lane_[2], detail::load64(pb + 8) ^ lane_[3]);
    return detail::fold_mul(h ^ extra ^ lane_[4], lane_[5] | 1);
  }

 private:
  uint64_t lane_[6]{};
};

// Hash of a connection's socket pair (tcp::FourTuple).
class FlowHasher {
 public:
  explicit FlowHasher(HashKey key = {}) : mix_(key) {}
  uint64_t operator()(const tcp::FourTuple& t) const {
    const uint64_t extra = uint64_t{t.local_port} | uint64_t{t.remote_port} << 16 |
                           uint64_t{static_cast<uint8_t>(t.local.family)} << 32 |
                           uint64_t{static_cast<uint8_t>(t.remote.family)} << 40;
    return mix_.mix(t.local, t.remote, extra);
  }

 private:
  KeyedMix mix_;
};

}  // namespace xtcp::stack
