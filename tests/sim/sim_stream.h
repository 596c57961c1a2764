// Test data for transfers: a deterministic pseudo-random byte stream (from a
// seeded std::mt19937_64) and FNV-1a 64, so both ends hash what they saw and
// the receiver can also name the first byte that differs.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>

namespace xtcp::sim {

// FNV-1a, 64-bit (offset basis and prime from the FNV specification).
class Fnv1a {
 public:
  void add(std::span<const uint8_t> bytes) {
    for (uint8_t b : bytes) h_ = (h_ ^ b) * 0x100000001b3ull;
  }
  uint64_t value() const { return h_; }

 private:
  uint64_t h_ = 0xcbf29ce484222325ull;
};

// The bytes of stream `seed`, produced in order in blocks.
class ByteStream {
 public:
  static constexpr size_t kBlock = 64 * 1024;

  explicit ByteStream(uint64_t seed) : rng_(seed) { refill(); }

  // The next unconsumed bytes (at least one; never past the current block).
  std::span<const uint8_t> peek() const { return {block_.data() + pos_, kBlock - pos_}; }
  void consume(size_t n) {
    pos_ += n;
    if (pos_ == kBlock) refill();
  }

 private:
  void refill() {
    for (size_t i = 0; i < kBlock; i += 8) {
      uint64_t v = rng_();
      for (size_t k = 0; k < 8; ++k) block_[i + k] = static_cast<uint8_t>(v >> (8 * k));
    }
    pos_ = 0;
  }

  std::mt19937_64 rng_;
  std::array<uint8_t, kBlock> block_{};
  size_t pos_ = 0;
};

}  // namespace xtcp::sim
