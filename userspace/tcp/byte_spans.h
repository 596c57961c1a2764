// Up to two spans: the view of a byte range in a ring that may wrap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace xtcp::tcp {

struct ByteSpans {
  std::span<uint8_t> first;
  std::span<uint8_t> second;
  size_t size() const { return first.size() + second.size(); }
};

struct ConstByteSpans {
  std::span<const uint8_t> first;
  std::span<const uint8_t> second;
  size_t size() const { return first.size() + second.size(); }
  bool empty() const { return size() == 0; }
};

}  // namespace xtcp::tcp
