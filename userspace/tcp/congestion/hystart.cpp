#include "tcp/congestion/hystart.h"

#include <algorithm>

namespace xtcp::tcp {

void HyStartPlusPlus::start_round(uint32_t bytes_in_flight) {
  window_end_ = delivered_ + bytes_in_flight;
  last_round_min_ = current_round_min_;
  current_round_min_.reset();
  samples_ = 0;
}

bool HyStartPlusPlus::delay_increased() const {
  // RttThresh = clamp(lastRoundMinRTT / 8, 4 ms, 16 ms), section 4.2.
  Duration thresh = std::clamp(*last_round_min_ / kMinRttDivisor, kMinRttThresh, kMaxRttThresh);
  return *current_round_min_ >= *last_round_min_ + thresh;
}

HyStartPlusPlus::Step HyStartPlusPlus::on_ack(uint32_t acked_bytes, uint32_t bytes_in_flight,
                                              std::optional<Duration> rtt,
                                              uint32_t abc_limit_bytes) {
  Step step;
  delivered_ += acked_bytes;
  bool new_round = delivered_ >= window_end_;
  if (new_round) start_round(bytes_in_flight);
  if (in_css() && new_round && ++css_rounds_ >= kCssRounds) {
    step.exit_to_ca = true;  // CSS lasted CSS_ROUNDS rounds: enter CA
  }
  if (rtt) {
    current_round_min_ = current_round_min_ ? std::min(*current_round_min_, *rtt) : *rtt;
    ++samples_;
  }
  uint32_t inc = std::min(acked_bytes, abc_limit_bytes);
  step.increase = in_css() ? inc / kCssGrowthDivisor : inc;
  if (step.exit_to_ca || samples_ < kNRttSample || !current_round_min_ || !last_round_min_) {
    return step;
  }
  if (!in_css() && delay_increased()) {
    css_baseline_ = current_round_min_;  // enter CSS
    css_rounds_ = 0;
  } else if (in_css() && *current_round_min_ < *css_baseline_) {
    css_baseline_.reset();  // the RTT rise was spurious: back to slow start
  }
  return step;
}

}  // namespace xtcp::tcp
