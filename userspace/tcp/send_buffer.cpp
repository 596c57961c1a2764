#include "tcp/send_buffer.h"

#include <algorithm>

namespace xtcp::tcp {

size_t SendBuffer::commit(size_t n) {
  n = std::min(n, free());
  tail_ += n;
  return n;
}

size_t SendBuffer::write(std::span<const uint8_t> data) {
  size_t n = std::min(data.size(), free());
  ring_.copy_in(tail_, data.first(n));
  tail_ += n;
  return n;
}

ConstByteSpans SendBuffer::peek(size_t offset, size_t len) const {
  if (offset >= size()) return {};
  len = std::min(len, size() - offset);
  return ring_.span_at(head_ + offset, len);
}

void SendBuffer::release(size_t n) { head_ += std::min(n, size()); }

}  // namespace xtcp::tcp
