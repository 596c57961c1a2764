#include "tcp/byte_ring.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace xtcp::tcp {

ByteRing::ByteRing(std::span<uint8_t> storage) {
  if (storage.empty()) return;
  size_t cap = std::bit_floor(storage.size());
  base_ = storage.data();
  mask_ = cap - 1;
}

ByteRing::ByteRing(size_t capacity) {
  size_t cap = std::bit_ceil(std::max<size_t>(capacity, 1));
  // Not value-initialized: bytes are read only after being written, and
  // zeroing 1 MB rings dominated connection set-up (bench/engine_cost.sh)
  // and made every idle connection's pages resident.
  owned_ = std::make_unique_for_overwrite<uint8_t[]>(cap);
  base_ = owned_.get();
  mask_ = cap - 1;
}

ByteSpans ByteRing::span_at(uint64_t pos, size_t len) {
  if (base_ == nullptr || len == 0) return {};
  size_t idx = static_cast<size_t>(pos & mask_);
  size_t first = std::min(len, capacity() - idx);
  return {{base_ + idx, first}, {base_, len - first}};
}

ConstByteSpans ByteRing::span_at(uint64_t pos, size_t len) const {
  if (base_ == nullptr || len == 0) return {};
  size_t idx = static_cast<size_t>(pos & mask_);
  size_t first = std::min(len, capacity() - idx);
  return {{base_ + idx, first}, {base_, len - first}};
}

void ByteRing::copy_in(uint64_t pos, std::span<const uint8_t> data) {
  ByteSpans s = span_at(pos, data.size());
  if (!s.first.empty()) std::memcpy(s.first.data(), data.data(), s.first.size());
  if (!s.second.empty())
    std::memcpy(s.second.data(), data.data() + s.first.size(), s.second.size());
}

void ByteRing::copy_out(uint64_t pos, std::span<uint8_t> out) const {
  ConstByteSpans s = span_at(pos, out.size());
  if (!s.first.empty()) std::memcpy(out.data(), s.first.data(), s.first.size());
  if (!s.second.empty())
    std::memcpy(out.data() + s.first.size(), s.second.data(), s.second.size());
}

}  // namespace xtcp::tcp
