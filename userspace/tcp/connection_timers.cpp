// Timers as data (timer.h): which one runs, what happens when it fires.
// RFC 6298 retransmission with backoff, RFC 9293 3.8.6.1 persist, RFC 1122
// 4.2.3.6 keepalive, TIME-WAIT / FIN-WAIT-2, the delayed ACK, and the
// receive-window auto-tuning that rides on data arrival.
#include <algorithm>

#include "tcp/connection.h"

namespace xtcp::tcp {

void Connection::on_timers(Instant now) {
  if (ack_deadline_ <= now) {
    ack_now_ = true;
    ack_deadline_ = Instant::never();
  }
  if (timer_deadline(timer_) > now) return;
  if (auto* rt = std::get_if<timer::Retransmit>(&timer_)) {
    switch (rt->kind) {
      case timer::Retransmit::Kind::kRto: on_retransmit_timeout(now); break;
      case timer::Retransmit::Kind::kProbe: on_probe_timeout(now); break;
      case timer::Retransmit::Kind::kReorder: on_reorder_timeout(now); break;
    }
  } else if (auto* p = std::get_if<timer::Persist>(&timer_)) {
    // Probe a zero window; a small non-zero one gets the SWS override.
    if (snd_.wnd == 0) {
      probe_now_ = true;
    } else {
      sws_override_ = true;
    }
    p->interval = std::min(p->interval * 2, cfg_.max_rto);
    p->expires_at = now + p->interval;
  } else if (auto* idle = std::get_if<timer::Idle>(&timer_)) {
    if (!cfg_.keepalive || !is_synchronized(state_)) {
      idle->keepalive_at = Instant::never();
    } else if (keepalive_exhausted(*idle, now)) {
      enter_closed(TcpError::kTimedOut);  // the peer is gone
    } else {
      probe_now_ = true;
      ++idle->probes_sent;
      idle->keepalive_at = now + cfg_.keepalive_interval;
    }
  } else if (std::holds_alternative<timer::Close>(timer_)) {
    enter_closed(TcpError::kNone);  // 2 MSL over, or FIN-WAIT-2 timeout
  }
}

// RFC 1122 4.2.3.6 gives up after keepalive_count unanswered probes; with a
// user timeout set, Linux instead gives up once probes are out and nothing
// arrived for that long (RFC 5482 3: the user timeout bounds every wait).
bool Connection::keepalive_exhausted(const timer::Idle& idle, Instant now) const {
  if (cfg_.user_timeout.us > 0)
    return idle.probes_sent > 0 && now - last_recv_ >= cfg_.user_timeout;
  return idle.probes_sent >= cfg_.keepalive_count;
}

void Connection::on_retransmit_timeout(Instant now) {
  ++stats_.rto_count;
  if (first_rto_at_ == Instant::never()) first_rto_at_ = now;
  ++retries_;
  bool handshake = state_ == State::kSynSent || state_ == State::kSynReceived;
  uint8_t limit = handshake        ? cfg_.syn_retries
                  : closed_by_app_ ? std::min(cfg_.max_retransmits, cfg_.max_orphan_retransmits)
                                   : cfg_.max_retransmits;
  bool user_timeout = cfg_.user_timeout.us > 0 && now - first_rto_at_ >= cfg_.user_timeout;
  if (retries_ > limit || user_timeout) {
    enter_closed(TcpError::kTimedOut);
    return;
  }
  rtt_.backoff();  // RFC 6298 5.5
  Instant next = now + rtt_.rto();  // 5.6
  // As Linux (tcp_clamp_rto_to_user_timeout): the last backed-off RTO must
  // not carry the connection past its user timeout.
  if (cfg_.user_timeout.us > 0) next = std::min(next, first_rto_at_ + cfg_.user_timeout);
  timer_ = timer::Retransmit{next};
  rtt_timing_ = false;
  if (handshake) {
    snd_.nxt = snd_.iss;  // resend SYN / SYN-ACK
    return;
  }
  // RFC 6298 5.4 and RFC 5681 3.1: resend from SND.UNA with cwnd = 1 MSS,
  // go-back-N, skipping what the receiver SACKed (RFC 6675 5.1).
  if (retries_ == 1 && ts_ok_) {
    // The retransmission carries a TSval at least this one (RFC 3522 2).
    eifel_armed_ = true;
    rto_tsval_ = tsval(now);
  }
  cc_->on_rto(static_cast<uint32_t>(snd_.max - snd_.una), now);
  // SACK information is kept across RTOs (as Linux): discarding it would
  // resend every SACKed byte; reneging is detected on the ACKs instead
  // (on_new_ack, RFC 2018 8).
  rack_.on_rto();  // the rewind resends everything not SACKed
  tlp_owed_ = false;
  tlp_in_flight_ = false;
  snd_.nxt = snd_.una;
  in_recovery_ = false;
  rtx_una_ = false;
  dupacks_ = 0;
  recover_ = snd_.max;  // RFC 6582 4: no fast retransmit for older losses
  high_rxt_ = snd_.una;
  skip_sacked();
  // RFC 9293 3.8.6.1: the peer closed its window over data in flight, so
  // the rewind above can send nothing; the window must still be probed or a
  // lost window update deadlocks both ends. The RTO (backing off) is the
  // probe timer here: an ACK below SND.UNA that the peer must answer.
  if (snd_.wnd == 0) probe_now_ = true;
}

void Connection::refresh_timer(Instant now) {
  if (state_ == State::kClosed || state_ == State::kTimeWait) return;
  if (std::holds_alternative<timer::Close>(timer_)) return;  // FIN-WAIT-2 timeout
  bool in_flight = snd_.max > snd_.una;
  if (in_flight) {
    if (!std::holds_alternative<timer::Retransmit>(timer_)) arm_retransmit_timer(now);
    return;
  }
  if (syn_acked() && unsent_bytes() > 0 && sendable_new_bytes() == 0) {
    // Stalled by the peer's window with nothing in flight: persist.
    if (!std::holds_alternative<timer::Persist>(timer_))
      timer_ = timer::Persist{now + rtt_.rto(), rtt_.rto()};
    return;
  }
  if (!std::holds_alternative<timer::Idle>(timer_)) timer_ = timer::Idle{};
  auto& idle = std::get<timer::Idle>(timer_);
  if (!cfg_.keepalive || !is_synchronized(state_)) {
    idle.keepalive_at = Instant::never();
  } else if (idle.probes_sent == 0) {
    idle.keepalive_at = last_recv_ + cfg_.keepalive_idle;
  }
}

void Connection::schedule_ack(Instant now, uint32_t bytes) {
  unacked_bytes_ += bytes;
  if (quick_acks_ > 0) {
    --quick_acks_;
    ack_now_ = true;
    return;
  }
  if (cfg_.delayed_ack.us <= 0) {
    ack_now_ = true;
    return;
  }
  // RFC 5681 4.2 / RFC 1122 4.2.3.2: ACK at least every second full-sized
  // segment, otherwise within the delayed-ACK timeout.
  if (unacked_bytes_ >= 2 * std::max<uint32_t>(rcv_mss_est_, 1)) {
    ack_now_ = true;
  } else if (ack_deadline_ == Instant::never()) {
    ack_deadline_ = now + cfg_.delayed_ack;
  }
}

bool Connection::window_update_due() const {
  if (!is_synchronized(state_) || fin_received_) return false;
  // Announce a reopened window when the peer is down to less than half the
  // window and the edge can move by a receiver-SWS-worthy amount.
  wire::SeqNumber cand = candidate_edge();
  uint32_t thresh = std::min<uint32_t>(static_cast<uint32_t>(rx_.capacity() / 2), our_mss_);
  int32_t left = rcv_.adv_edge - rcv_.nxt;
  return cand > rcv_.adv_edge && static_cast<uint32_t>(cand - rcv_.adv_edge) >= thresh &&
         left < static_cast<int32_t>(rcv_wnd_limit_ / 2);
}

void Connection::autotune_window(Instant /*now*/, uint32_t bytes) {
  // Dynamic right-sizing: each time a full window's worth arrived while the
  // app kept the ring at most half full, double the window (bounded).
  uint32_t cap = static_cast<uint32_t>(std::min<size_t>(rx_.capacity(), 1u << 30));
  uint32_t max = std::min(cfg_.rx_window_max, cap);
  if (rcv_wnd_limit_ >= max) return;
  tune_bytes_ += bytes;
  if (tune_bytes_ < rcv_wnd_limit_) return;
  tune_bytes_ = 0;
  if (rx_.readable_len() <= rcv_wnd_limit_ / 2) rcv_wnd_limit_ = std::min(rcv_wnd_limit_ * 2, max);
}

}  // namespace xtcp::tcp
