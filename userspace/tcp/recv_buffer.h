// The receive buffer: a ring holding in-order bytes the app has not read yet
// followed by out-of-order bytes written at their offset (seq - rcv.nxt), so
// reassembly needs no second copy. The app reads readable() and consume()s;
// free space is what the advertised window is computed from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "tcp/assembler.h"
#include "tcp/byte_ring.h"

namespace xtcp::tcp {

class RecvBuffer {
 public:
  RecvBuffer() = default;
  RecvBuffer(std::span<uint8_t> storage, uint16_t max_ranges)
      : ring_(storage), ooo_(max_ranges) {}
  RecvBuffer(size_t capacity, uint16_t max_ranges) : ring_(capacity), ooo_(max_ranges) {}

  size_t capacity() const { return ring_.capacity(); }
  // App side: in-order bytes ready to read.
  size_t readable_len() const { return static_cast<size_t>(tail_ - head_); }
  ConstByteSpans readable() const { return ring_.span_at(head_, readable_len()); }
  void consume(size_t n);
  size_t read(std::span<uint8_t> out);  // copying convenience
  // Space after the in-order bytes (the basis of the advertised window).
  size_t free() const { return capacity() - readable_len(); }

  struct WriteResult {
    bool stored;       // false: refused (outside free space or range set full)
    uint32_t advanced; // bytes that became in-order (rcv.nxt moves by this)
  };
  // Engine: stores data at `offset` bytes past the in-order end. Data beyond
  // free() is trimmed. Returns how far the in-order end moved.
  WriteResult write_at(uint32_t offset, std::span<const uint8_t> data);
  const Assembler& out_of_order() const { return ooo_; }
  void clear_out_of_order() { ooo_.clear(); }

 private:
  ByteRing ring_;
  Assembler ooo_;
  uint64_t head_ = 0;  // next byte the app reads
  uint64_t tail_ = 0;  // in-order end (the byte at rcv.nxt goes here)
};

}  // namespace xtcp::tcp
