#include "tcp/congestion/cubic.h"

#include <algorithm>
#include <cmath>

#include "tcp/congestion/app_limited.h"

namespace xtcp::tcp {

namespace {
constexpr double kAbcLimit = 2;  // RFC 3465 L, for slow start
constexpr double kMaxCwndD = static_cast<double>(kMaxCwnd);
double seconds(Duration d) { return static_cast<double>(d.us) / 1e6; }
}  // namespace

Cubic::Cubic(uint32_t mss, CubicConfig config)
    : config_(config),
      mss_(std::max<uint32_t>(mss, 1)),
      cwnd_(initial_window(static_cast<uint32_t>(mss_))),
      hystart_active_(config.hystart) {}

uint32_t Cubic::cwnd() const { return static_cast<uint32_t>(cwnd_); }

double Cubic::w_cubic(double t) const {
  double d = t - k_;
  return kC * d * d * d + w_max_;  // RFC 9438 eq. 1
}

void Cubic::update_srtt(std::optional<Duration> rtt) {
  if (!rtt || rtt->us <= 0) return;
  // The same 1/8 gain as RFC 6298; only the target's look-ahead uses it.
  srtt_us_ = srtt_us_ == 0 ? rtt->us : srtt_us_ + (rtt->us - srtt_us_) / 8;
}

void Cubic::on_ack(uint32_t acked_bytes, uint32_t bytes_in_flight,
                   std::optional<Duration> rtt, Instant now) {
  touched_ = true;
  in_rto_ = false;
  update_srtt(rtt);
  std::optional<Instant> prev = last_ack_;
  last_ack_ = now;
  if (acked_bytes == 0) return;
  if (is_app_limited(acked_bytes, bytes_in_flight, cwnd())) {
    // RFC 9438 section 5.8: t must not include application-limited time.
    if (epoch_start_ && prev) *epoch_start_ = *epoch_start_ + (now - *prev);
    return;
  }
  if (cwnd() < ssthresh_) {
    slow_start(acked_bytes, bytes_in_flight, rtt);
  } else {
    congestion_avoidance(acked_bytes, now);
  }
}

void Cubic::slow_start(uint32_t acked_bytes, uint32_t bytes_in_flight,
                       std::optional<Duration> rtt) {
  // RFC 9438 section 4.10: standard slow start with RFC 3465 byte counting,
  // or HyStart++ during the initial one.
  uint32_t limit = static_cast<uint32_t>(kAbcLimit * mss_);
  if (hystart_active_) {
    HyStartPlusPlus::Step step = hystart_.on_ack(acked_bytes, bytes_in_flight, rtt, limit);
    cwnd_ = std::min(cwnd_ + step.increase, kMaxCwndD);
    if (step.exit_to_ca) {
      ssthresh_ = cwnd();  // RFC 9406 section 4.2: ssthresh = cwnd
      hystart_active_ = false;
    }
    return;
  }
  cwnd_ = std::min(cwnd_ + std::min(acked_bytes, limit), kMaxCwndD);
}

void Cubic::start_epoch(Instant now) {
  epoch_start_ = now;
  cwnd_epoch_ = segs();
  w_est_ = cwnd_epoch_;  // section 4.3: W_est = cwnd_epoch at the start
  if (after_rto_ || w_max_ <= cwnd_epoch_) {
    // Section 4.8 after a timeout, and likewise when slow start ended above
    // the old W_max: the curve starts at its plateau and probes upward.
    w_max_ = cwnd_epoch_;
    k_ = 0;
  } else {
    k_ = std::cbrt((w_max_ - cwnd_epoch_) / kC);  // section 4.2 eq. 2
  }
  after_rto_ = false;
}

void Cubic::congestion_avoidance(uint32_t acked_bytes, Instant now) {
  if (!epoch_start_) start_epoch(now);
  double t = seconds(now - *epoch_start_);
  double w = segs();
  double acked_segs = acked_bytes / mss_;
  // Section 4.3: Reno's estimate; alpha becomes 1 once W_est reaches the
  // window from before the last reduction.
  double alpha = w_est_ >= cwnd_prior_ ? 1.0 : kAlpha;
  w_est_ += alpha * acked_segs / w;
  if (w_cubic(t) < w_est_) {
    // Reno-friendly region: follow Reno, never shrinking on an ACK.
    cwnd_ = std::min(std::max(cwnd_, w_est_ * mss_), kMaxCwndD);
    return;
  }
  // Sections 4.4 and 4.5 (concave and convex): grow toward the target one
  // RTT ahead, bounded to [cwnd, 1.5 cwnd] (section 4.2).
  double target = w_cubic(t + static_cast<double>(srtt_us_) / 1e6);
  target = std::clamp(target, w, 1.5 * w);
  cwnd_ = std::min(cwnd_ + (target - w) / w * acked_bytes, kMaxCwndD);
}

void Cubic::reduce(uint32_t bytes_in_flight) {
  hystart_active_ = false;  // a loss ends the initial slow start
  double w = segs();
  // Section 4.7: fast convergence releases bandwidth for new flows when
  // the window stopped short of the previous W_max.
  if (config_.fast_convergence && w < w_max_) {
    w_max_ = w * (1.0 + kBeta) / 2.0;
  } else {
    w_max_ = w;
  }
  cwnd_prior_ = w;
  // Section 4.6: ssthresh = flight_size * beta_cubic, at least 2 SMSS.
  double ss = std::max(bytes_in_flight * kBeta, 2 * mss_);
  ssthresh_ = static_cast<uint32_t>(std::min(ss, kMaxCwndD));
  epoch_start_.reset();
}

void Cubic::on_enter_recovery(uint32_t bytes_in_flight, Instant /*now*/) {
  touched_ = true;
  reduce(bytes_in_flight);
  cwnd_ = ssthresh_;  // section 4.6: cwnd = max(ssthresh, 2 SMSS)
}

void Cubic::on_exit_recovery(Instant /*now*/) {
  cwnd_ = ssthresh_;
  epoch_start_.reset();  // congestion avoidance starts at the next ACK
}

void Cubic::on_rto(uint32_t bytes_in_flight, Instant /*now*/) {
  touched_ = true;
  if (!in_rto_) {
    undo_ = {cwnd_, w_max_, cwnd_prior_, ssthresh_};
    reduce(bytes_in_flight);  // section 4.8: ssthresh via beta_cubic
  }
  in_rto_ = true;
  after_rto_ = true;
  cwnd_ = mss_;  // section 4.8 follows RFC 5681: cwnd = 1 SMSS
  epoch_start_.reset();
}

void Cubic::on_idle_restart(Instant /*now*/) {
  cwnd_ = std::min(cwnd_, static_cast<double>(initial_window(static_cast<uint32_t>(mss_))));
  epoch_start_.reset();  // section 5.8: idle time is not part of t
}

void Cubic::on_spurious_rto(Instant /*now*/) {
  if (!in_rto_) return;
  cwnd_ = std::max(cwnd_, undo_.cwnd);
  ssthresh_ = std::max(ssthresh_, undo_.ssthresh);
  w_max_ = undo_.w_max;
  cwnd_prior_ = undo_.cwnd_prior;
  after_rto_ = false;
  in_rto_ = false;
  epoch_start_.reset();
}

void Cubic::set_mss(uint32_t mss) {
  mss_ = std::max<uint32_t>(mss, 1);
  if (!touched_) cwnd_ = initial_window(static_cast<uint32_t>(mss_));
  cwnd_ = std::max(cwnd_, mss_);
}

void Cubic::resume(uint32_t cwnd, uint32_t ssthresh) {
  cwnd_ = std::clamp<double>(cwnd, mss_, kMaxCwnd);
  ssthresh_ = std::max<uint32_t>(ssthresh, static_cast<uint32_t>(2 * mss_));
  // No congestion event of its own yet: the first epoch starts at the
  // current window as its plateau (start_epoch, W_max <= cwnd_epoch).
  w_max_ = 0;
  cwnd_prior_ = 0;
  epoch_start_.reset();
  after_rto_ = false;
  touched_ = true;
  in_rto_ = false;
  hystart_active_ = hystart_active_ && ssthresh == kInitialSsthresh;
}

}  // namespace xtcp::tcp
