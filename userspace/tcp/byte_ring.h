// The storage shared by SendBuffer and RecvBuffer: a power-of-two ring over
// caller memory (e.g. a shared-memory region the daemon maps for the app) or
// over memory the ring allocates once at creation. Positions are free-running
// 64-bit counters; index = position & mask, so full and empty differ.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "tcp/byte_spans.h"

namespace xtcp::tcp {

class ByteRing {
 public:
  ByteRing() = default;
  // Uses `storage`; its size must be a power of two (else the largest power
  // of two that fits is used).
  explicit ByteRing(std::span<uint8_t> storage);
  // Allocates max(capacity rounded up to a power of two, 1) bytes, not
  // zeroed: writable() hands out uninitialized bytes for the app to fill.
  explicit ByteRing(size_t capacity);

  size_t capacity() const { return mask_ + 1; }
  // Views of [pos, pos + len) in ring order; len must not exceed capacity().
  ByteSpans span_at(uint64_t pos, size_t len);
  ConstByteSpans span_at(uint64_t pos, size_t len) const;
  // Copies `data` to position pos (len <= capacity()).
  void copy_in(uint64_t pos, std::span<const uint8_t> data);
  // Copies len bytes from position pos into out.
  void copy_out(uint64_t pos, std::span<uint8_t> out) const;

 private:
  std::unique_ptr<uint8_t[]> owned_;
  uint8_t* base_ = nullptr;
  size_t mask_ = 0;
};

}  // namespace xtcp::tcp
