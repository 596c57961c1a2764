// Bounded single-producer single-consumer ring (shard -> shard forwarded
// frames). Lock-free and wait-free: each side writes only its own index and
// publishes with a release store; the other side's index is read with
// acquire and cached, so a side touches the other's cache line only when
// its cached view says full (producer) or empty (consumer). Indices run
// freely in 64 bits: no wrap ambiguity. Capacity is fixed at construction
// (rounded up to a power of two); nothing allocates afterwards.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

#include "stack/cache_line.h"

namespace xtcp::stack {

template <class T>
class SpscRing {
 public:
  explicit SpscRing(size_t capacity)
      : capacity_(std::bit_ceil(capacity < 2 ? size_t{2} : capacity)),
        mask_(capacity_ - 1),
        buf_(std::make_unique<T[]>(capacity_)) {}
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  // Producer thread only. False (and `v` untouched) when full.
  template <class U>
  bool try_push(U&& v) {
    const uint64_t t = prod_.tail.load(std::memory_order_relaxed);
    if (t - prod_.head_cache == capacity_) {
      prod_.head_cache = cons_.head.load(std::memory_order_acquire);
      if (t - prod_.head_cache == capacity_) return false;
    }
    buf_[t & mask_] = std::forward<U>(v);
    prod_.tail.store(t + 1, std::memory_order_release);  // publishes the slot
    return true;
  }

  // Consumer thread only. False when empty.
  bool try_pop(T& out) {
    const uint64_t h = cons_.head.load(std::memory_order_relaxed);
    if (h == cons_.tail_cache) {
      cons_.tail_cache = prod_.tail.load(std::memory_order_acquire);
      if (h == cons_.tail_cache) return false;
    }
    out = std::move(buf_[h & mask_]);
    cons_.head.store(h + 1, std::memory_order_release);  // frees the slot
    return true;
  }

  size_t capacity() const { return capacity_; }
  // Exact only when both sides are quiescent.
  size_t size_approx() const {
    return prod_.tail.load(std::memory_order_acquire) - cons_.head.load(std::memory_order_acquire);
  }

 private:
  struct alignas(kCacheLine) Producer {
    std::atomic<uint64_t> tail{0};
    uint64_t head_cache = 0;  // producer's last view of cons_.head
  };
  struct alignas(kCacheLine) Consumer {
    std::atomic<uint64_t> head{0};
    uint64_t tail_cache = 0;  // consumer's last view of prod_.tail
  };

  Producer prod_;
  Consumer cons_;
  alignas(kCacheLine) const size_t capacity_;
  const size_t mask_;
  const std::unique_ptr<T[]> buf_;
};

}  // namespace xtcp::stack
