#include "stack/memory_packet_io.h"

#include <algorithm>

namespace xtcp::stack {

MemoryPacketIo::MemoryPacketIo(uint32_t frame_count, uint32_t frame_size, uint32_t tx_ring_size)
    : frame_count_(frame_count),
      frame_size_(frame_size),
      tx_ring_size_(tx_ring_size),
      frames_(std::make_unique<uint8_t[]>(size_t{frame_count} * frame_size)),
      place_(frame_count, Place::kFree),
      lens_(frame_count, 0) {
  free_.reserve(frame_count);
  for (uint32_t i = frame_count; i > 0; --i) free_.push_back(i - 1);
}

bool MemoryPacketIo::move(uint64_t handle, Place from, Place to) {
  if (handle >= frame_count_ || place_[handle] != from) {
    ++bad_handles_;
    return false;
  }
  place_[handle] = to;
  return true;
}

void MemoryPacketIo::inject(std::span<const uint8_t> frame) {
  rx_queue_.emplace_back(frame.begin(), frame.end());
}

// Received frames live in rx_queue_ until released: the shard parses them
// in place, as it would a UMEM frame.
uint32_t MemoryPacketIo::rx_burst(RxFrame* out, uint32_t max) {
  uint32_t n = 0;
  while (n < max && rx_out_ + n < rx_queue_.size()) {
    const std::vector<uint8_t>& f = rx_queue_[rx_out_ + n];
    out[n] = RxFrame{f.data(), static_cast<uint32_t>(f.size()), rx_out_ + n};
    ++n;
  }
  rx_out_ += n;
  return n;
}

void MemoryPacketIo::rx_release(const RxFrame*, uint32_t n) {
  n = std::min(n, rx_out_);
  rx_queue_.erase(rx_queue_.begin(), rx_queue_.begin() + n);
  rx_out_ -= n;
}

bool MemoryPacketIo::tx_alloc(TxFrame& out) {
  if (free_.empty()) return false;
  const uint32_t i = free_.back();
  free_.pop_back();
  place_[i] = Place::kShard;
  out = TxFrame{frames_.get() + size_t{i} * frame_size_, frame_size_, i, 0};
  return true;
}

void MemoryPacketIo::tx_abandon(const TxFrame& f) {
  if (move(f.handle, Place::kShard, Place::kFree)) free_.push_back(static_cast<uint32_t>(f.handle));
}

uint32_t MemoryPacketIo::tx_submit(const TxFrame* frames, uint32_t n) {
  uint32_t taken = 0;
  while (taken < n && tx_ring_.size() < tx_ring_size_) {
    const TxFrame& f = frames[taken];
    if (f.len == 0 || f.len > frame_size_ || !move(f.handle, Place::kShard, Place::kRing)) break;
    lens_[f.handle] = f.len;
    tx_ring_.push_back(static_cast<uint32_t>(f.handle));
    ++taken;
  }
  return taken;
}

void MemoryPacketIo::kick() {
  ++kicks_;
  while (!tx_ring_.empty()) {
    const uint32_t i = tx_ring_.front();
    tx_ring_.pop_front();
    place_[i] = Place::kWire;
    wire_.push_back(i);
  }
}

size_t MemoryPacketIo::take_sent(const std::function<void(std::span<const uint8_t>)>& fn) {
  size_t n = 0;
  while (!wire_.empty()) {
    const uint32_t i = wire_.front();
    wire_.pop_front();
    place_[i] = Place::kDone;
    completed_.push_back(i);
    ++frames_sent_;
    ++n;
    fn(std::span<const uint8_t>(frames_.get() + size_t{i} * frame_size_, lens_[i]));
  }
  return n;
}

uint32_t MemoryPacketIo::reap_completions() {
  uint32_t n = 0;
  for (uint32_t i : completed_) {
    if (move(i, Place::kDone, Place::kFree)) {
      free_.push_back(i);
      ++n;
    }
  }
  completed_.clear();
  return n;
}

}  // namespace xtcp::stack
