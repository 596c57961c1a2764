// The send buffer: bytes the app queued, from the byte at snd.una onwards
// (acknowledged bytes are released). The app side (producer) reserves with
// writable() and commits; the engine reads any (offset, len) range for
// (re)transmission without copying and releases acknowledged bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "tcp/byte_ring.h"

namespace xtcp::tcp {

class SendBuffer {
 public:
  SendBuffer() = default;
  explicit SendBuffer(std::span<uint8_t> storage) : ring_(storage) {}
  explicit SendBuffer(size_t capacity) : ring_(capacity) {}

  size_t capacity() const { return ring_.capacity(); }
  size_t size() const { return static_cast<size_t>(tail_ - head_); }  // queued
  size_t free() const { return capacity() - size(); }

  // Producer: the free region (up to two spans). Write, then commit(n).
  ByteSpans writable() { return ring_.span_at(tail_, free()); }
  // Producer: queue the first n bytes of writable(); n is clamped to free().
  size_t commit(size_t n);
  // Producer: copying convenience; returns the bytes queued.
  size_t write(std::span<const uint8_t> data);

  // Engine: bytes [offset, offset+len) counted from the head (snd.una).
  // Clamped to what is queued.
  ConstByteSpans peek(size_t offset, size_t len) const;
  // Engine: drop n acknowledged bytes from the head.
  void release(size_t n);

 private:
  ByteRing ring_;
  uint64_t head_ = 0;
  uint64_t tail_ = 0;
};

}  // namespace xtcp::tcp
