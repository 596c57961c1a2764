// MemoryPacketIo: a PacketIo over plain memory for tests and simulations.
// Received frames are queued by the test (inject); built frames go through a
// bounded TX ring that only kick() drains onto the "wire" (like a NIC that
// needs its doorbell), and come back to the fixed frame pool only when the
// test takes them off the wire (take_sent) and the shard reaps completions.
// So leaks, missing kicks and back-pressure are all visible to a test.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "stack/packet_io.h"

namespace xtcp::stack {

inline constexpr uint32_t kDefaultMemoryFrameCount = 256;
inline constexpr uint32_t kDefaultMemoryFrameSize = 2048;
inline constexpr uint32_t kDefaultMemoryTxRing = 64;

class MemoryPacketIo final : public PacketIo {
 public:
  explicit MemoryPacketIo(uint32_t frame_count = kDefaultMemoryFrameCount,
                          uint32_t frame_size = kDefaultMemoryFrameSize,
                          uint32_t tx_ring_size = kDefaultMemoryTxRing);

  // ---- the test's side ----
  // Queues a copy of `frame` for the next rx_burst.
  void inject(std::span<const uint8_t> frame);
  size_t rx_pending() const { return rx_queue_.size(); }
  // Passes each frame put on the wire by kick() to fn (in order) and
  // completes it; returns how many.
  size_t take_sent(const std::function<void(std::span<const uint8_t>)>& fn);
  size_t wire_len() const { return wire_.size(); }

  uint32_t frame_count() const { return frame_count_; }
  uint32_t free_frames() const { return static_cast<uint32_t>(free_.size()); }
  uint64_t kicks() const { return kicks_; }
  uint64_t frames_sent() const { return frames_sent_; }
  uint64_t bad_handles() const { return bad_handles_; }

  // ---- PacketIo ----
  uint32_t rx_burst(RxFrame* out, uint32_t max) override;
  void rx_release(const RxFrame* frames, uint32_t n) override;
  bool tx_alloc(TxFrame& out) override;
  void tx_abandon(const TxFrame& f) override;
  uint32_t tx_submit(const TxFrame* frames, uint32_t n) override;
  void kick() override;
  uint32_t reap_completions() override;
  uint32_t tx_free_frames() const override { return free_frames(); }
  uint32_t tx_in_flight() const override {
    return static_cast<uint32_t>(tx_ring_.size() + wire_.size() + completed_.size());
  }

 private:
  enum class Place : uint8_t { kFree, kShard, kRing, kWire, kDone };
  bool move(uint64_t handle, Place from, Place to);

  uint32_t frame_count_;
  uint32_t frame_size_;
  uint32_t tx_ring_size_;
  std::unique_ptr<uint8_t[]> frames_;
  std::vector<Place> place_;
  std::vector<uint32_t> free_;
  std::vector<uint32_t> lens_;
  std::deque<uint32_t> tx_ring_;
  std::deque<uint32_t> wire_;
  std::vector<uint32_t> completed_;

  std::deque<std::vector<uint8_t>> rx_queue_;
  uint32_t rx_out_ = 0;  // frames handed out by rx_burst, not yet released
  uint64_t kicks_ = 0;
  uint64_t frames_sent_ = 0;
  uint64_t bad_handles_ = 0;
};

}  // namespace xtcp::stack
