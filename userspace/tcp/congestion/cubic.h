// CUBIC congestion control, RFC 9438. cwnd is kept in bytes; the window
// formulas (sections 4.2 and 4.3) work in SMSS units and seconds, in double
// precision, which is deterministic for a given sequence of calls.
#pragma once

#include <optional>

#include "tcp/congestion/congestion_control.h"
#include "tcp/congestion/hystart.h"

namespace xtcp::tcp {

struct CubicConfig {
  static constexpr bool kDefaultFastConvergence = true;
  static constexpr bool kDefaultHystart = false;
  bool fast_convergence = kDefaultFastConvergence;  // RFC 9438 section 4.7
  // HyStart++ (RFC 9406) for the initial slow start, as RFC 9438 4.10 allows.
  bool hystart = kDefaultHystart;
};

class Cubic final : public CongestionControl {
 public:
  static constexpr double kC = 0.4;         // RFC 9438 section 5.1
  static constexpr double kBeta = 0.7;      // beta_cubic, section 4.6
  // alpha_cubic = 3 * (1 - beta) / (1 + beta), section 4.3.
  static constexpr double kAlpha = 3.0 * (1.0 - kBeta) / (1.0 + kBeta);

  explicit Cubic(uint32_t mss, CubicConfig config = {});

  void on_ack(uint32_t acked_bytes, uint32_t bytes_in_flight,
              std::optional<Duration> rtt, Instant now) override;
  void on_enter_recovery(uint32_t bytes_in_flight, Instant now) override;
  void on_exit_recovery(Instant now) override;
  void on_rto(uint32_t bytes_in_flight, Instant now) override;
  void on_idle_restart(Instant now) override;
  void on_spurious_rto(Instant now) override;
  uint32_t cwnd() const override;
  uint32_t ssthresh() const override { return ssthresh_; }
  void set_mss(uint32_t mss) override;
  void resume(uint32_t cwnd, uint32_t ssthresh) override;
  const char* name() const override { return "cubic"; }

  // Introspection for tests and `xtcpctl conns` (SMSS units, seconds).
  double w_max() const { return w_max_; }
  double k() const { return k_; }
  double w_est() const { return w_est_; }
  double cwnd_prior() const { return cwnd_prior_; }
  std::optional<Instant> epoch_start() const { return epoch_start_; }
  bool in_css() const { return hystart_active_ && hystart_.in_css(); }
  // W_cubic(t) of RFC 9438 eq. 1 for t seconds after the epoch start.
  double w_cubic(double t) const;

 private:
  struct Snapshot {
    double cwnd, w_max, cwnd_prior;
    uint32_t ssthresh;
  };

  void slow_start(uint32_t acked_bytes, uint32_t bytes_in_flight, std::optional<Duration> rtt);
  void congestion_avoidance(uint32_t acked_bytes, Instant now);
  void start_epoch(Instant now);
  void reduce(uint32_t bytes_in_flight);
  void update_srtt(std::optional<Duration> rtt);
  double segs() const { return cwnd_ / mss_; }

  CubicConfig config_;
  double mss_;
  double cwnd_;  // bytes; fractional growth accumulates here
  uint32_t ssthresh_ = kInitialSsthresh;
  double w_max_ = 0;       // segments; 0 until the first congestion event
  double k_ = 0;           // seconds
  double cwnd_epoch_ = 0;  // segments
  double w_est_ = 0;       // segments
  double cwnd_prior_ = 0;  // segments, cwnd before the last reduction
  std::optional<Instant> epoch_start_;
  std::optional<Instant> last_ack_;
  int64_t srtt_us_ = 0;     // smoothed RTT for the target (section 4.2)
  bool after_rto_ = false;  // section 4.8: next epoch uses K = 0
  bool touched_ = false;
  bool in_rto_ = false;
  Snapshot undo_{};
  HyStartPlusPlus hystart_;
  bool hystart_active_;  // only the initial slow start (RFC 9406 section 4.2)
};

}  // namespace xtcp::tcp
