#include "xsk/frame_pool.h"

namespace xtcp::xsk {

Result<FramePool> FramePool::create(uint32_t frame_count, uint32_t frame_size) {
  if (frame_count == 0 || frame_size == 0 || (frame_size & (frame_size - 1)) != 0)
    return Error{-EINVAL, "frame pool needs at least one frame and a power-of-two frame size."};
  FramePool p;
  p.stack_ = std::make_unique<uint32_t[]>(frame_count);
  p.place_ = std::make_unique<Place[]>(frame_count);
  p.count_ = frame_count;
  p.frame_size_ = frame_size;
  // Push in reverse so alloc() hands out frame 0 first (easier to debug).
  for (uint32_t i = frame_count; i-- > 0;) {
    p.place_[i] = Place::kFree;
    p.push(i);
  }
  return p;
}

void FramePool::push(uint32_t index) { stack_[top_++] = index; }
uint32_t FramePool::pop() { return stack_[--top_]; }

FramePool::Place FramePool::place(uint64_t addr) const {
  const uint64_t i = addr / frame_size_;
  return i < count_ ? place_[i] : Place::kFree;
}

uint64_t FramePool::alloc() {
  if (top_ == 0) return kNoFrame;
  const uint32_t i = pop();
  place_[i] = Place::kApp;
  ++in_app_;
  return uint64_t(i) * frame_size_;
}

uint64_t FramePool::alloc_for_fill() {
  if (top_ == 0) return kNoFrame;
  const uint32_t i = pop();
  place_[i] = Place::kFill;
  ++in_fill_;
  return uint64_t(i) * frame_size_;
}

// One checked transition; keeps the counters and the stack in step.
bool FramePool::move(uint64_t addr, Place from, Place to) {
  const uint64_t i = addr / frame_size_;
  if (i >= count_ || place_[i] != from) {
    ++bad_;
    return false;
  }
  auto counter = [this](Place p) -> uint32_t* {
    switch (p) {
      case Place::kFill: return &in_fill_;
      case Place::kApp: return &in_app_;
      case Place::kTx: return &in_tx_;
      case Place::kFree: return nullptr;
    }
    return nullptr;
  };
  if (uint32_t* c = counter(from)) --*c;
  if (uint32_t* c = counter(to)) ++*c;
  place_[i] = to;
  if (to == Place::kFree) push(static_cast<uint32_t>(i));
  return true;
}

bool FramePool::on_rx(uint64_t addr) { return move(addr, Place::kFill, Place::kApp); }
bool FramePool::recycle_to_fill(uint64_t addr) { return move(addr, Place::kApp, Place::kFill); }
bool FramePool::on_tx_submit(uint64_t addr) { return move(addr, Place::kApp, Place::kTx); }
bool FramePool::on_completion(uint64_t addr) { return move(addr, Place::kTx, Place::kFree); }
bool FramePool::release(uint64_t addr) { return move(addr, Place::kApp, Place::kFree); }
bool FramePool::tx_undo(uint64_t addr) { return move(addr, Place::kTx, Place::kApp); }

}  // namespace xtcp::xsk
