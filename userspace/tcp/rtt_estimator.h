// Retransmission timeout estimator, RFC 6298. Sans-IO: it is fed samples and
// asked for the RTO; the engine owns the timer itself.
//
// Karn's rule (RFC 6298 section 3, RFC 7323 section 4 for timestamps) is the
// caller's job: pass only samples from segments that were not retransmitted
// (or echoed timestamps, which are unambiguous). This class trusts every
// sample it is given.
#pragma once

#include <cstdint>

#include "tcp/time.h"

namespace xtcp::tcp {

struct RttConfig {
  static constexpr Duration kDefaultInitialRto = Duration::seconds(1);  // RFC 6298 2.1
  // Linux's TCP_RTO_MIN; RFC 6298 2.4 would say 1 s, see section 4 of
  // RFC 8961 for why shorter floors are in common use.
  static constexpr Duration kDefaultMinRto = Duration::millis(200);
  // Linux's TCP_RTO_MAX; RFC 6298 2.5 asks for at least 60 s.
  static constexpr Duration kDefaultMaxRto = Duration::seconds(120);
  static constexpr Duration kDefaultGranularity = Duration::millis(1);  // G

  Duration initial_rto = kDefaultInitialRto;
  Duration min_rto = kDefaultMinRto;
  Duration max_rto = kDefaultMaxRto;
  Duration granularity = kDefaultGranularity;
};

class RttEstimator {
 public:
  explicit RttEstimator(RttConfig config = {});

  // A valid RTT measurement (RFC 6298 sections 2.2 and 2.3). Also ends any
  // backoff: the RTO is recomputed from SRTT and RTTVAR (section 5.7 note).
  // Non-positive samples are clamped to 1 µs.
  void on_sample(Duration rtt);
  // The retransmission timer expired: RTO = RTO * 2, at most max_rto
  // (RFC 6298 section 5.5).
  void backoff();
  // RFC 6298 section 5.7: the SYN (or SYN-ACK) timed out and no sample has
  // been taken, so the RTO is re-initialized to 3 s once data flows.
  void on_syn_timeout_data_start();

  Duration rto() const { return rto_; }
  bool has_sample() const { return has_sample_; }
  Duration srtt() const { return srtt_; }      // zero before the first sample
  Duration rttvar() const { return rttvar_; }  // zero before the first sample
  // Smallest sample seen over the connection (RACK, RFC 8985 section 6.1,
  // and reporting); zero before the first sample.
  Duration min_rtt() const { return min_rtt_; }
  Duration latest_rtt() const { return latest_; }
  uint32_t backoff_count() const { return backoffs_; }
  const RttConfig& config() const { return config_; }

 private:
  Duration clamp(Duration rto) const;
  Duration computed_rto() const;

  RttConfig config_;
  Duration srtt_{};
  Duration rttvar_{};
  Duration min_rtt_{};
  Duration latest_{};
  Duration rto_;
  uint32_t backoffs_ = 0;
  bool has_sample_ = false;
};

}  // namespace xtcp::tcp
