// HyStart++ (RFC 9406): leaves the initial slow start when the RTT starts to
// rise, through a Conservative Slow Start (CSS) phase, before a loss forces it.
// Rounds are counted in bytes: a round ends when the data that was in flight
// at its start has been acknowledged (RFC 9406 section 4.2, windowEnd =
// SND.NXT), which equals acked bytes reaching the flight size at that time.
#pragma once

#include <cstdint>
#include <optional>

#include "tcp/time.h"

namespace xtcp::tcp {

class HyStartPlusPlus {
 public:
  // RFC 9406 section 4.3.
  static constexpr Duration kMinRttThresh = Duration::millis(4);
  static constexpr Duration kMaxRttThresh = Duration::millis(16);
  static constexpr int64_t kMinRttDivisor = 8;
  static constexpr uint32_t kNRttSample = 8;
  static constexpr uint32_t kCssGrowthDivisor = 4;
  static constexpr uint32_t kCssRounds = 5;

  struct Step {
    uint32_t increase = 0;    // bytes to add to cwnd for this ACK
    bool exit_to_ca = false;  // set ssthresh = cwnd: slow start is over
  };

  // One ACK during the initial slow start; abc_limit_bytes is L*SMSS.
  Step on_ack(uint32_t acked_bytes, uint32_t bytes_in_flight, std::optional<Duration> rtt,
              uint32_t abc_limit_bytes);
  bool in_css() const { return css_baseline_.has_value(); }

 private:
  void start_round(uint32_t bytes_in_flight);
  bool delay_increased() const;

  uint64_t delivered_ = 0;   // bytes acknowledged so far
  uint64_t window_end_ = 0;  // delivered_ value that ends the current round
  std::optional<Duration> last_round_min_;
  std::optional<Duration> current_round_min_;
  uint32_t samples_ = 0;
  std::optional<Duration> css_baseline_;  // set while in CSS
  uint32_t css_rounds_ = 0;
};

}  // namespace xtcp::tcp
