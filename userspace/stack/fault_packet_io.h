// FaultPacketIo: a PacketIo decorator that injects faults for tests (issue
// 6): on receive it drops, duplicates, reorders (holds a frame back until K
// later frames passed), corrupts (flips one byte of the TCP segment, so the
// TCP checksum must catch it) and delays frames; on transmit it drops,
// duplicates and corrupts. Decisions come from a seeded PRNG, so a run is
// repeatable for the same input order. The daemon constructs it only when
// `--fault` is given: off costs nothing (no wrapper, no branch).
//
// Frame ownership (packet_io.h) is kept exact: a dropped RX frame goes back
// to the inner device at once; a duplicate is a copy in this object's own
// fixed buffers (handle tagged with kCopyTag) and comes back through
// rx_release; a held frame stays with this object until it is handed out.
// Nothing allocates after construction.
//
// Receive faults hand frames back out of order, so the inner device must
// release by handle (XskPacketIo does). MemoryPacketIo releases the oldest
// n frames whatever the handles: under it use transmit faults only.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>

#include "stack/packet_io.h"
#include "tcp/time.h"

namespace xtcp::stack {

inline constexpr uint32_t kDefaultFaultReorderDepth = 3;
inline constexpr tcp::Duration kDefaultFaultDelay = tcp::Duration::millis(5);
// A reordered frame is handed out after this long even if fewer than K
// frames followed it (an idle link must not hold a segment forever).
inline constexpr tcp::Duration kDefaultFaultMaxHold = tcp::Duration::millis(2);
inline constexpr uint64_t kDefaultFaultSeed = 1;

// Probabilities in parts per million of frames. xtcpd fills it from
// `--fault` (daemon/options.h parse_fault_spec).
struct FaultConfig {
  uint32_t rx_drop_ppm = 0;
  uint32_t rx_dup_ppm = 0;
  uint32_t rx_reorder_ppm = 0;
  uint32_t rx_corrupt_ppm = 0;
  uint32_t rx_delay_ppm = 0;
  uint32_t tx_drop_ppm = 0;
  uint32_t tx_dup_ppm = 0;
  uint32_t tx_corrupt_ppm = 0;
  uint32_t reorder_depth = kDefaultFaultReorderDepth;  // K
  tcp::Duration delay = kDefaultFaultDelay;
  tcp::Duration max_hold = kDefaultFaultMaxHold;
  uint64_t seed = kDefaultFaultSeed;

  bool any() const {
    return (rx_drop_ppm | rx_dup_ppm | rx_reorder_ppm | rx_corrupt_ppm | rx_delay_ppm |
            tx_drop_ppm | tx_dup_ppm | tx_corrupt_ppm) != 0;
  }
};

struct FaultStats {
  uint64_t rx_dropped = 0;
  uint64_t rx_duplicated = 0;
  uint64_t rx_reordered = 0;
  uint64_t rx_corrupted = 0;
  uint64_t rx_delayed = 0;
  uint64_t tx_dropped = 0;
  uint64_t tx_duplicated = 0;
  uint64_t tx_corrupted = 0;
};

// splitmix64: small, fast, and the same sequence on every platform.
class FaultRng {
 public:
  explicit FaultRng(uint64_t seed) : state_(seed) {}
  uint64_t next();
  // True with probability ppm / 1e6.
  bool chance(uint32_t ppm) { return ppm != 0 && next() % 1000000 < ppm; }

 private:
  uint64_t state_;
};

// Flips one byte of the TCP segment inside an Ethernet/IPv4 or IPv6 frame
// (never the data-offset byte, so the parser reaches the checksum check);
// false if the frame is not TCP over IP.
bool corrupt_tcp_byte(uint8_t* frame, uint32_t len, FaultRng& rng);

class FaultPacketIo final : public PacketIo {
 public:
  static constexpr uint64_t kCopyTag = uint64_t{1} << 63;
  static constexpr uint32_t kCopies = 64;      // duplicate frames in flight
  static constexpr uint32_t kCopySize = 4096;  // bytes each
  static constexpr uint32_t kHeld = 64;        // frames held back at once
  static constexpr uint32_t kScratch = 256;    // frames pulled per rx_burst

  FaultPacketIo(PacketIo& inner, const FaultConfig& cfg, std::function<tcp::Instant()> clock);
  ~FaultPacketIo() override;  // held frames go back to the inner device
  FaultPacketIo(const FaultPacketIo&) = delete;
  FaultPacketIo& operator=(const FaultPacketIo&) = delete;

  const FaultStats& stats() const { return stats_; }
  uint32_t held() const { return held_n_; }

  uint32_t rx_burst(RxFrame* out, uint32_t max) override;
  void rx_release(const RxFrame* frames, uint32_t n) override;
  bool tx_alloc(TxFrame& out) override { return inner_.tx_alloc(out); }
  void tx_abandon(const TxFrame& f) override { inner_.tx_abandon(f); }
  uint32_t tx_submit(const TxFrame* frames, uint32_t n) override;
  void kick() override { inner_.kick(); }
  uint32_t reap_completions() override { return inner_.reap_completions(); }
  uint32_t tx_free_frames() const override { return inner_.tx_free_frames(); }
  // Held frames count as in flight: the shard then keeps waking (every
  // tx_retry) to take them, instead of sleeping on an idle socket.
  uint32_t tx_in_flight() const override { return inner_.tx_in_flight() + held_n_; }
  int poll_fd() const override { return inner_.poll_fd(); }
  void before_sleep() override { inner_.before_sleep(); }

 private:
  struct Held {
    RxFrame frame;
    uint32_t after = 0;       // frames still to pass before it goes out
    tcp::Instant due;         // ... or this instant, whichever first
  };
  uint32_t take_due(RxFrame* out, uint32_t max, tcp::Instant now);
  // Decides one frame's fate; returns how many frames it put into out.
  uint32_t rx_one(const RxFrame& f, RxFrame* out, uint32_t room, tcp::Instant now);
  bool hold(const RxFrame& f, uint32_t after, tcp::Instant due);
  bool copy_of(const RxFrame& f, RxFrame* out);
  bool submit_one(const TxFrame& f);

  PacketIo& inner_;
  FaultConfig cfg_;
  std::function<tcp::Instant()> clock_;
  FaultRng rng_;
  FaultStats stats_;
  std::array<Held, kHeld> held_{};
  uint32_t held_n_ = 0;
  std::array<RxFrame, kScratch> scratch_{};
  std::unique_ptr<uint8_t[]> copies_;
  std::array<uint32_t, kCopies> copy_free_{};
  uint32_t copy_free_n_ = 0;
};

}  // namespace xtcp::stack
