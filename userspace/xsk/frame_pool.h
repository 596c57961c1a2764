// FramePool: the free-frame stack of one UMEM, with exact accounting of
// where every frame is. A frame is always in exactly one place:
//   free  - on the stack, owned by nobody
//   fill  - given to the kernel through the fill ring (incl. frames the
//           kernel holds until it posts them on RX)
//   app   - owned by the application: received from RX, or allocated to
//           build a frame for TX
//   tx    - submitted on the TX ring, not yet returned by a completion
// so free() + in_fill() + in_app() + in_tx() == count() at all times.
// Every transition checks the frame's current place; a wrong one (double
// free, completion of a frame never sent) is refused and counted, never
// corrupts the stack. Storage is allocated once in create(); no operation
// allocates.
#pragma once

#include <cstdint>
#include <memory>

#include "xsk/result.h"

namespace xtcp::xsk {

class FramePool {
 public:
  enum class Place : uint8_t { kFree, kFill, kApp, kTx };
  static constexpr uint64_t kNoFrame = ~uint64_t{0};

  // frame_size must be a power of two; frames are at addresses
  // 0, frame_size, 2 * frame_size, ... All frames start free.
  static Result<FramePool> create(uint32_t frame_count, uint32_t frame_size);

  FramePool(FramePool&&) noexcept = default;
  FramePool& operator=(FramePool&&) noexcept = default;
  FramePool(const FramePool&) = delete;
  FramePool& operator=(const FramePool&) = delete;

  uint32_t count() const { return count_; }
  uint32_t frame_size() const { return frame_size_; }
  uint32_t free() const { return top_; }
  uint32_t in_fill() const { return in_fill_; }
  uint32_t in_app() const { return in_app_; }
  uint32_t in_tx() const { return in_tx_; }
  uint64_t bad_transitions() const { return bad_; }

  // Start of the frame holding addr (RX descriptors carry headroom offsets).
  uint64_t frame_base(uint64_t addr) const { return addr & ~uint64_t(frame_size_ - 1); }
  // Where the frame holding addr is; kFree for addresses outside the UMEM.
  Place place(uint64_t addr) const;

  // free -> app. Returns kNoFrame when the pool is empty.
  uint64_t alloc();
  // free -> fill. Returns kNoFrame when the pool is empty.
  uint64_t alloc_for_fill();
  // fill -> app: the kernel delivered this frame on RX.
  bool on_rx(uint64_t addr);
  // app -> fill: a received frame goes straight back to the fill ring.
  bool recycle_to_fill(uint64_t addr);
  // app -> tx: the frame was submitted on the TX ring.
  bool on_tx_submit(uint64_t addr);
  // tx -> free: a completion returned the frame.
  bool on_completion(uint64_t addr);
  // app -> free: the application is done with the frame.
  bool release(uint64_t addr);
  // tx -> app: a TX reservation failed after on_tx_submit (undo).
  bool tx_undo(uint64_t addr);

 private:
  FramePool() = default;
  bool move(uint64_t addr, Place from, Place to);
  void push(uint32_t index);
  uint32_t pop();  // caller checks top_ > 0

  std::unique_ptr<uint32_t[]> stack_;  // free frame indices
  std::unique_ptr<Place[]> place_;     // per-frame location
  uint32_t count_ = 0;
  uint32_t frame_size_ = 0;
  uint32_t top_ = 0;
  uint32_t in_fill_ = 0;
  uint32_t in_app_ = 0;
  uint32_t in_tx_ = 0;
  uint64_t bad_ = 0;
};

}  // namespace xtcp::xsk
