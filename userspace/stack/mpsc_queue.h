// Bounded multi-producer single-consumer queue (control thread and other
// shards -> one shard's commands). Each cell carries a sequence number that
// says whose turn it is: `pos` when free for the producer that claims
// position pos, `pos + 1` once that producer has published, and
// `pos + capacity` after the consumer has taken it (free for the next lap).
// Producers claim positions with a CAS on the tail; the cell's sequence,
// stored with release and loaded with acquire, carries the data between
// threads. Fixed capacity (power of two), no allocation after construction.
// try_pop sees elements in claim order: a producer that claimed a position
// but has not yet published it holds back the ones behind it.
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
class MpscQueue {
 public:
  explicit MpscQueue(size_t capacity)
      : capacity_(std::bit_ceil(capacity < 2 ? size_t{2} : capacity)),
        mask_(capacity_ - 1),
        cells_(std::make_unique<Cell[]>(capacity_)) {
    for (size_t i = 0; i < capacity_; ++i) cells_[i].seq.store(i, std::memory_order_relaxed);
  }
  MpscQueue(const MpscQueue&) = delete;
  MpscQueue& operator=(const MpscQueue&) = delete;

  // Any thread. False (and `v` untouched) when full.
  template <class U>
  bool try_push(U&& v) {
    uint64_t pos = tail_.load(std::memory_order_relaxed);
    Cell* cell;
    for (;;) {
      cell = &cells_[pos & mask_];
      const uint64_t seq = cell->seq.load(std::memory_order_acquire);
      const int64_t lag = static_cast<int64_t>(seq - pos);
      if (lag == 0) {
        // Free for this lap: claim it (on failure `pos` is reloaded).
        if (tail_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) break;
      } else if (lag < 0) {
        return false;  // the consumer has not freed it yet: full
      } else {
        pos = tail_.load(std::memory_order_relaxed);  // another producer won
      }
    }
    cell->value = std::forward<U>(v);
    cell->seq.store(pos + 1, std::memory_order_release);
    return true;
  }

  // The owning shard's thread only. False when empty (or the next element
  // is claimed but not yet published).
  bool try_pop(T& out) {
    Cell& cell = cells_[head_ & mask_];
    if (cell.seq.load(std::memory_order_acquire) != head_ + 1) return false;
    out = std::move(cell.value);
    cell.seq.store(head_ + capacity_, std::memory_order_release);
    ++head_;
    return true;
  }

  // The owning shard's thread only: try_pop would return an element now.
  bool ready() const { return cells_[head_ & mask_].seq.load(std::memory_order_acquire) == head_ + 1; }

  size_t capacity() const { return capacity_; }

 private:
  struct Cell {
    std::atomic<uint64_t> seq{0};
    T value{};
  };

  alignas(kCacheLine) std::atomic<uint64_t> tail_{0};  // producers
  alignas(kCacheLine) uint64_t head_ = 0;              // consumer only
  alignas(kCacheLine) const size_t capacity_;
  const size_t mask_;
  const std::unique_ptr<Cell[]> cells_;
};

}  // namespace xtcp::stack
