#include "tcp/recv_buffer.h"

#include <algorithm>

namespace xtcp::tcp {

void RecvBuffer::consume(size_t n) { head_ += std::min(n, readable_len()); }

size_t RecvBuffer::read(std::span<uint8_t> out) {
  size_t n = std::min(out.size(), readable_len());
  ring_.copy_out(head_, out.first(n));
  head_ += n;
  return n;
}

RecvBuffer::WriteResult RecvBuffer::write_at(uint32_t offset, std::span<const uint8_t> data) {
  size_t room = free();
  if (offset >= room) return {false, 0};
  size_t len = std::min(data.size(), room - offset);
  if (len == 0) return {true, 0};
  if (!ooo_.add(offset, static_cast<uint32_t>(len))) return {false, 0};
  // Bytes already present are rewritten with the same value (the peer resent
  // them), so overlapping segments need no trimming here.
  ring_.copy_in(tail_ + offset, data.first(len));
  uint32_t advanced = ooo_.pop_front();
  tail_ += advanced;
  return {true, advanced};
}

}  // namespace xtcp::tcp
