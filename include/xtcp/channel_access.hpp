// C++ access to the shared channel (channel_abi.h) used by both sides, the
// daemon and libxtcp: every shared field is read and written through
// std::atomic_ref with the ordering the ABI's table names, never plainly.
#pragma once

#include <atomic>
#include <cstdint>

#include "xtcp/channel_abi.h"

namespace xtcp::channel {

static_assert(std::atomic_ref<uint64_t>::is_always_lock_free, "shared 64-bit indices");
static_assert(std::atomic_ref<uint32_t>::is_always_lock_free, "shared 32-bit flags");

template <class T>
T load(T& field, std::memory_order mo) {
  return std::atomic_ref<T>(field).load(mo);
}

template <class T>
void store(T& field, T value, std::memory_order mo) {
  std::atomic_ref<T>(field).store(value, mo);
}

// A ring size the ABI allows: a power of two within [RING_MIN, RING_MAX].
inline bool valid_ring_size(uint64_t n) {
  return n >= XTCP_CHAN_RING_MIN && n <= XTCP_CHAN_RING_MAX && (n & (n - 1)) == 0;
}

}  // namespace xtcp::channel
