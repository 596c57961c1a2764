// Cache-line size for separating data written by different threads (false
// sharing). 64 bytes on x86-64 and most arm64 parts; a constant rather than
// std::hardware_destructive_interference_size, whose value g++ warns may
// change between compiler versions (ABI of these types).
#pragma once

#include <cstddef>

namespace xtcp::stack {

inline constexpr size_t kCacheLine = 64;

}  // namespace xtcp::stack
