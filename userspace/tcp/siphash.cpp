#include "tcp/siphash.h"

namespace xtcp::tcp {

namespace {

constexpr uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

uint64_t load_le64(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= uint64_t{p[i]} << (8 * i);
  return v;
}

struct State {
  uint64_t v0, v1, v2, v3;

  // One SipRound: the ARX network of the paper's figure 2.1.
  void round() {
    v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);
    v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
    v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;
    v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  }
  // c = 2 compression rounds per message word.
  void compress(uint64_t m) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
};

}  // namespace

SipKey SipKey::from_bytes(const uint8_t bytes[16]) {
  return {load_le64(bytes, 8), load_le64(bytes + 8, 8)};
}

uint64_t siphash24(const SipKey& key, const uint8_t* data, size_t len) {
  // Initialization: the key xored with the constants "somepseudorandomlygeneratedbytes".
  State s{key.k0 ^ 0x736f6d6570736575ULL, key.k1 ^ 0x646f72616e646f6dULL,
          key.k0 ^ 0x6c7967656e657261ULL, key.k1 ^ 0x7465646279746573ULL};
  size_t full = len / 8;
  for (size_t i = 0; i < full; ++i) s.compress(load_le64(data + 8 * i, 8));
  // Last word: the remaining bytes, then len mod 256 in the top byte.
  uint64_t last = load_le64(data + 8 * full, len % 8) | (uint64_t{len & 0xff} << 56);
  s.compress(last);
  // Finalization: d = 4 rounds after xoring 0xff into v2.
  s.v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) s.round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

}  // namespace xtcp::tcp
