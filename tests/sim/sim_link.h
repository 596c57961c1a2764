// One direction of a simulated link with a virtual clock: a bottleneck
// (serialization at a fixed bandwidth behind a tail-drop queue), one-way
// propagation delay, and impairments (Bernoulli loss, Gilbert-Elliott burst
// loss, reordering, duplication, byte corruption). The link carries
// serialized TCP segments, so corruption is caught by the receiver's
// checksum exactly as on a wire. Every random choice comes from the link's
// own seeded std::mt19937_64, so a (seed, params) pair replays exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "tcp/time.h"

namespace xtcp::sim {

// Two-state burst loss (Gilbert-Elliott): in each state a segment is lost
// with that state's probability; after each segment the state flips with
// p_good_to_bad / p_bad_to_good. Mean burst length is 1 / p_bad_to_good.
// The chain advances per segment, so when traffic is sparse (a sender in
// RTO backoff sends one segment per timeout) a long geometric tail would be
// an outage of minutes; max_bad caps the segments a bad period lasts.
struct GilbertElliott {
  double p_good_to_bad = 0.0;
  double p_bad_to_good = 1.0;
  double loss_good = 0.0;
  double loss_bad = 1.0;
  uint32_t max_bad = 0;  // 0: no cap
  bool enabled() const { return p_good_to_bad > 0.0; }
  // Long-run loss rate, for goodput expectations.
  double mean_loss() const;
};

struct LinkParams {
  uint64_t bandwidth_bps = 10'000'000;  // 0 means no bottleneck
  tcp::Duration delay = tcp::Duration::millis(5);  // one-way propagation
  size_t queue_limit_bytes = 256 * 1024;  // tail drop beyond this backlog
  double loss = 0.0;                      // Bernoulli, per segment
  GilbertElliott burst;
  double reorder = 0.0;  // fraction of segments held back by reorder_extra
  tcp::Duration reorder_extra = tcp::Duration::millis(3);
  double duplicate = 0.0;  // fraction delivered twice
  double corrupt = 0.0;    // fraction with one byte flipped
  // Targeted loss: the drop_nth_data-th segment carrying payload (1-based,
  // 0: off) is lost, and so are the next drop_copies - 1 transmissions of
  // the same sequence number (its retransmissions).
  uint64_t drop_nth_data = 0;
  uint32_t drop_copies = 1;
};

// "10Mbit/s delay=5ms queue=262144B loss=0.01 ..." for failure messages.
std::string describe(const LinkParams& p);

struct LinkStats {
  uint64_t offered = 0;
  uint64_t delivered = 0;  // copies handed to the receiver (dups included)
  uint64_t tail_drops = 0;
  uint64_t random_losses = 0;
  uint64_t targeted_losses = 0;
  uint64_t burst_losses = 0;
  uint64_t reordered = 0;
  uint64_t duplicated = 0;
  uint64_t corrupted = 0;
  uint64_t max_backlog_bytes = 0;
};

class Link {
 public:
  Link(const LinkParams& params, uint64_t seed);

  // A segment leaves the sender at `now`.
  void send(std::span<const uint8_t> bytes, tcp::Instant now);
  // When the next segment arrives, or Instant::never().
  tcp::Instant next_delivery() const;
  // Moves the next segment due by `now` into `out`; false when none is due.
  // Equal arrival times keep sending order. `corrupted` tells the test (not
  // the receiver) whether the link changed a byte.
  bool deliver(tcp::Instant now, std::vector<uint8_t>& out, bool& corrupted);
  // Returns a buffer handed out by deliver() for reuse.
  void recycle(std::vector<uint8_t>&& buf);

  const LinkStats& stats() const { return stats_; }
  const LinkParams& params() const { return p_; }

 private:
  struct Packet {
    int64_t at_us;
    uint64_t order;
    std::vector<uint8_t> bytes;
    bool corrupted;
  };
  static bool later(const Packet& x, const Packet& y) {
    return x.at_us != y.at_us ? x.at_us > y.at_us : x.order > y.order;
  }
  bool chance(double p);
  bool lost_by_impairment();
  bool lost_by_target(std::span<const uint8_t> segment);
  void enqueue(std::span<const uint8_t> bytes, int64_t at_us, bool corrupt);
  std::vector<uint8_t> take_buffer();

  LinkParams p_;
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> unit_{0.0, 1.0};
  bool burst_bad_ = false;
  uint32_t bad_run_ = 0;  // segments seen in the current bad period
  uint64_t data_segments_ = 0;
  uint32_t target_seq_ = 0;
  uint32_t target_left_ = 0;  // further copies of target_seq_ to drop
  int64_t busy_until_ns_ = 0;  // end of the last serialization
  uint64_t order_ = 0;
  std::vector<Packet> heap_;  // min-heap on (at_us, order)
  std::vector<std::vector<uint8_t>> free_;
  LinkStats stats_;
};

}  // namespace xtcp::sim
