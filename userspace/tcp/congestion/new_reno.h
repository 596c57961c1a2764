// NewReno window management: RFC 5681 slow start and congestion avoidance,
// counted in bytes acknowledged (RFC 3465, L = 2 in slow start). The partial
// ACK handling of RFC 6582 lives in the engine's recovery code.
#pragma once

#include "tcp/congestion/congestion_control.h"

namespace xtcp::tcp {

class NewReno final : public CongestionControl {
 public:
  explicit NewReno(uint32_t mss);

  void on_ack(uint32_t acked_bytes, uint32_t bytes_in_flight,
              std::optional<Duration> rtt, Instant now) override;
  void on_enter_recovery(uint32_t bytes_in_flight, Instant now) override;
  void on_exit_recovery(Instant now) override;
  void on_rto(uint32_t bytes_in_flight, Instant now) override;
  void on_idle_restart(Instant now) override;
  void on_spurious_rto(Instant now) override;
  uint32_t cwnd() const override { return cwnd_; }
  uint32_t ssthresh() const override { return ssthresh_; }
  void set_mss(uint32_t mss) override;
  void resume(uint32_t cwnd, uint32_t ssthresh) override;
  const char* name() const override { return "newreno"; }

 private:
  uint32_t loss_ssthresh(uint32_t bytes_in_flight) const;

  uint32_t mss_;
  uint32_t cwnd_;
  uint32_t ssthresh_ = kInitialSsthresh;
  uint32_t bytes_acked_ = 0;  // RFC 3465 section 2.1 accumulator
  bool touched_ = false;      // any ACK or loss yet (set_mss may redo IW)
  bool in_rto_ = false;       // an RTO happened and no ACK since
  uint32_t undo_cwnd_ = 0;    // state before the first RTO of an episode
  uint32_t undo_ssthresh_ = 0;
};

}  // namespace xtcp::tcp
