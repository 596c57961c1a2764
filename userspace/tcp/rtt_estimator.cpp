#include "tcp/rtt_estimator.h"

#include <algorithm>

namespace xtcp::tcp {

namespace {
constexpr int64_t kK = 4;  // RFC 6298 section 2: K = 4
constexpr Duration kSynFallbackRto = Duration::seconds(3);
Duration abs_diff(Duration a, Duration b) { return a > b ? a - b : b - a; }
}  // namespace

RttEstimator::RttEstimator(RttConfig config) : config_(config) {
  rto_ = clamp(config_.initial_rto);
}

Duration RttEstimator::clamp(Duration rto) const {
  // Section 2.4 (floor) and 2.5 (ceiling); a misconfigured min > max yields max.
  return std::min(std::max(rto, config_.min_rto), config_.max_rto);
}

Duration RttEstimator::computed_rto() const {
  // Section 2: RTO = SRTT + max(G, K*RTTVAR).
  return clamp(srtt_ + std::max(config_.granularity, rttvar_ * kK));
}

void RttEstimator::on_sample(Duration rtt) {
  Duration r = std::max(rtt, Duration::micros(1));
  latest_ = r;
  if (!has_sample_) {
    // Section 2.2: SRTT = R, RTTVAR = R/2.
    srtt_ = r;
    rttvar_ = r / 2;
    min_rtt_ = r;
    has_sample_ = true;
  } else {
    // Section 2.3, alpha = 1/8 and beta = 1/4; RTTVAR uses the old SRTT.
    rttvar_ = (rttvar_ * 3 + abs_diff(srtt_, r)) / 4;
    srtt_ = (srtt_ * 7 + r) / 8;
    min_rtt_ = std::min(min_rtt_, r);
  }
  backoffs_ = 0;
  rto_ = computed_rto();
}

void RttEstimator::backoff() {
  // Doubling saturates at max_rto, so repeated expiry cannot overflow.
  rto_ = rto_ >= config_.max_rto / 2 ? config_.max_rto : clamp(rto_ * 2);
  ++backoffs_;
}

void RttEstimator::on_syn_timeout_data_start() {
  if (has_sample_) return;
  rto_ = std::min(kSynFallbackRto, config_.max_rto);
  backoffs_ = 0;
}

}  // namespace xtcp::tcp
