#include "tcp/congestion/new_reno.h"

#include <algorithm>

#include "tcp/congestion/app_limited.h"

namespace xtcp::tcp {

namespace {
// RFC 3465 section 2.2: at most L*SMSS per ACK in slow start, L = 2.
constexpr uint32_t kAbcLimit = 2;
}  // namespace

NewReno::NewReno(uint32_t mss)
    : mss_(std::max<uint32_t>(mss, 1)), cwnd_(initial_window(mss_)) {}

void NewReno::on_ack(uint32_t acked_bytes, uint32_t bytes_in_flight,
                     std::optional<Duration> /*rtt*/, Instant /*now*/) {
  touched_ = true;
  in_rto_ = false;
  if (acked_bytes == 0 || is_app_limited(acked_bytes, bytes_in_flight, cwnd_)) return;
  if (cwnd_ < ssthresh_) {
    // RFC 5681 eq. 2 with RFC 3465's byte counting.
    uint32_t inc = std::min(acked_bytes, kAbcLimit * mss_);
    cwnd_ = std::min(cwnd_ + inc, kMaxCwnd);
    return;
  }
  // RFC 3465 section 2.1: one SMSS per cwnd's worth of bytes acknowledged.
  bytes_acked_ += acked_bytes;
  if (bytes_acked_ >= cwnd_) {
    bytes_acked_ -= cwnd_;
    cwnd_ = std::min(cwnd_ + mss_, kMaxCwnd);
  }
}

// RFC 5681 eq. 4: ssthresh = max(FlightSize / 2, 2*SMSS).
uint32_t NewReno::loss_ssthresh(uint32_t bytes_in_flight) const {
  return std::max(bytes_in_flight / 2, 2 * mss_);
}

void NewReno::on_enter_recovery(uint32_t bytes_in_flight, Instant /*now*/) {
  touched_ = true;
  ssthresh_ = loss_ssthresh(bytes_in_flight);
  cwnd_ = ssthresh_;  // RFC 6675 section 5 step 4.2 (no dup-ACK inflation)
  bytes_acked_ = 0;
}

void NewReno::on_exit_recovery(Instant /*now*/) {
  cwnd_ = ssthresh_;  // RFC 6582 section 3.2 step 3, option 1
  bytes_acked_ = 0;
}

void NewReno::on_rto(uint32_t bytes_in_flight, Instant /*now*/) {
  touched_ = true;
  if (!in_rto_) {
    undo_cwnd_ = cwnd_;
    undo_ssthresh_ = ssthresh_;
    ssthresh_ = loss_ssthresh(bytes_in_flight);
  }
  in_rto_ = true;
  cwnd_ = mss_;  // RFC 5681 section 3.1: LW = 1 SMSS
  bytes_acked_ = 0;
}

void NewReno::on_idle_restart(Instant /*now*/) {
  // RFC 5681 section 4.1: cwnd = RW = min(IW, cwnd).
  cwnd_ = std::min(cwnd_, initial_window(mss_));
  bytes_acked_ = 0;
}

void NewReno::on_spurious_rto(Instant /*now*/) {
  if (!in_rto_) return;
  cwnd_ = std::max(cwnd_, undo_cwnd_);
  ssthresh_ = std::max(ssthresh_, undo_ssthresh_);
  in_rto_ = false;
}

void NewReno::set_mss(uint32_t mss) {
  mss_ = std::max<uint32_t>(mss, 1);
  if (!touched_) cwnd_ = initial_window(mss_);
  cwnd_ = std::max(cwnd_, mss_);
}

void NewReno::resume(uint32_t cwnd, uint32_t ssthresh) {
  cwnd_ = std::clamp(cwnd, mss_, kMaxCwnd);
  ssthresh_ = std::max(ssthresh, 2 * mss_);  // RFC 5681 eq. 4's floor
  bytes_acked_ = 0;
  touched_ = true;
  in_rto_ = false;
}

}  // namespace xtcp::tcp
