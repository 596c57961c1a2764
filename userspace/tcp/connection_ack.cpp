// ACK processing: send-window update (RFC 9293 3.10.7.4), RTT samples
// (RFC 6298 with Karn's rule, RFC 7323 4 RTTM), duplicate ACKs and fast
// recovery: RFC 6675 with SACK, RFC 6582 NewReno without.
#include <algorithm>

#include "tcp/connection.h"

namespace xtcp::tcp {

using wire::SeqNumber;
using wire::TcpRepr;

namespace {
constexpr uint32_t kDupThresh = 3;  // RFC 5681 3.2, RFC 6675 2
}

void Connection::update_send_window(const TcpRepr& seg) {
  // RFC 9293 3.10.7.4: take the window only from a segment newer than the
  // one it was last taken from (SND.WL1/SND.WL2).
  if (seg.ack < snd_.una || seg.ack > snd_.max) return;
  if (snd_.wl1 < seg.seq || (snd_.wl1 == seg.seq && snd_.wl2 <= seg.ack)) {
    snd_.wnd = static_cast<uint32_t>(seg.window) << snd_.wscale;
    snd_.wl1 = seg.seq;
    snd_.wl2 = seg.ack;
    snd_.max_wnd = std::max(snd_.max_wnd, snd_.wnd);
  }
}

std::optional<Duration> Connection::rtt_sample(const TcpRepr& seg, Instant now) {
  // A timed segment that was never retransmitted (Karn) gives a µs sample.
  if (rtt_timing_ && seg.ack >= rtt_seq_) {
    rtt_timing_ = false;
    return now - rtt_sent_at_;
  }
  // RFC 7323 4.1: TSecr is unambiguous even for retransmissions; ACKs that
  // advance SND.UNA only.
  if (ts_ok_ && seg.options.timestamps && seg.options.timestamps->tsecr != 0) {
    int32_t ms = static_cast<int32_t>(tsval(now) - seg.options.timestamps->tsecr);
    if (ms >= 0 && Duration::millis(ms) <= cfg_.max_rto) return Duration::millis(ms);
  }
  return std::nullopt;
}

void Connection::on_new_ack(const TcpRepr& seg, Instant now) {
  SeqNumber ack = seg.ack;
  uint32_t acked = static_cast<uint32_t>(ack - snd_.una);
  uint32_t ctl = 0;
  if (!syn_acked()) ++ctl;                    // our SYN
  if (fin_sent() && ack == fin_seq() + 1) {
    ++ctl;  // our FIN
    fin_acked_ = true;
  }
  uint32_t data = acked - ctl;
  tx_.release(data);
  stats_.bytes_acked += data;
  std::optional<Duration> rtt = rtt_sample(seg, now);
  if (rtt) rtt_.on_sample(*rtt);
  snd_.una = ack;
  if (snd_.nxt < snd_.una) snd_.nxt = snd_.una;
  if (high_rxt_ < snd_.una) high_rxt_ = snd_.una;
  // RFC 2018 8 reneging: an ACK that stops exactly where SACKed data
  // begins shows the receiver dropped it (Linux's check): forget the
  // SACK information so the rewind resends it.
  if (!scoreboard_.empty() && scoreboard_.range(0).left == snd_.una) {
    scoreboard_.clear();
    rack_.clear_sacked();
  }
  scoreboard_.advance(snd_.una);
  ack_delivered_ += data;
  if (sack_ok_) rack_.on_cumulative_ack(snd_.una, now, rtt_.min_rtt());
  process_sack(seg, now);
  detect_spurious_rto(seg, data, now);
  retries_ = 0;
  first_rto_at_ = Instant::never();
  uint32_t flight = static_cast<uint32_t>(snd_.max - snd_.una);
  if (in_recovery_) {
    if (ack >= recover_) {
      // Full ACK (RFC 6582 3.2 step 3, RFC 6675 5 step 3): leave recovery.
      in_recovery_ = false;
      rtx_una_ = false;
      dupacks_ = 0;
      rack_.on_recovery_end();
      cc_->on_exit_recovery(now);
    } else if (!sack_ok_) {
      // Partial ACK (RFC 6582 3.2 step 4): resend the first unacked segment
      // and deflate the window by what was acknowledged.
      rtx_una_ = true;
      dupacks_ = 0;
    }
  } else {
    dupacks_ = 0;
    if (data > 0) cc_->on_ack(data, flight, rtt, now);
  }
  // RFC 6298 5.2/5.3: all acked -> stop the timer, else restart it.
  if (snd_.una == snd_.max) {
    timer_ = timer::Idle{};
  } else {
    arm_retransmit_timer(now);
  }
  skip_sacked();
}

void Connection::detect_spurious_rto(const TcpRepr& seg, uint32_t data, Instant now) {
  // RFC 3522 2: the first ACK for new data after an RTO echoes a TSval older
  // than the retransmission's only if the original arrived: the RTO was
  // spurious. Response (RFC 4015 3.2, simplest form): undo the congestion
  // response and continue with new data instead of going back N.
  if (!eifel_armed_) return;
  eifel_armed_ = false;
  if (data == 0 || !seg.options.timestamps) return;
  if (static_cast<int32_t>(seg.options.timestamps->tsecr - rto_tsval_) >= 0) return;
  ++stats_.spurious_rtos;
  cc_->on_spurious_rto(now);
  if (snd_.nxt < snd_.max) snd_.nxt = snd_.max;
}

void Connection::process_sack(const TcpRepr& seg, Instant now) {
  if (!sack_ok_) return;
  for (const wire::SackBlock& b : seg.options.sack_blocks()) {
    // Blocks outside [SND.UNA, SND.MAX] are ignored inside add() (bounded).
    ack_delivered_ += scoreboard_.add(b.left, b.right, snd_.una, snd_.max);
    rack_.on_sack(wire::seq_max(b.left, snd_.una), wire::seq_min(b.right, snd_.max), now,
                  rtt_.min_rtt());
  }
  skip_sacked();
}

void Connection::on_dup_ack(Instant now) {
  ++dupacks_;
  // With SACK, RACK decides what is lost (rack_after_ack, RFC 8985 6.2).
  if (in_recovery_ || sack_ok_) return;
  bool loss = dupacks_ >= kDupThresh;
  // RFC 6582 3.2 step 1: no new recovery until SND.UNA passes `recover`
  // (the highest sequence sent when the previous one started).
  if (loss && snd_.una >= recover_) enter_recovery(now);
}

void Connection::enter_recovery(Instant now) {
  in_recovery_ = true;
  recover_ = snd_.max;
  high_rxt_ = snd_.una;
  rtx_una_ = !sack_ok_;
  ++stats_.fast_retransmits;
  // RFC 6937 3: RecoverFS = snd.nxt - snd.una; the first retransmission
  // goes at once (as Linux: prr_out == 0 allows one segment).
  recover_fs_ = static_cast<uint32_t>(snd_.max - snd_.una);
  prr_delivered_ = 0;
  prr_out_ = 0;
  prr_room_ = 0;
  cc_->on_enter_recovery(static_cast<uint32_t>(snd_.max - snd_.una), now);
}

uint32_t Connection::pipe() const {
  // RFC 6675 4 SetPipe with RACK's marks (RFC 8985 6.3; Linux's
  // packets_out - sacked - lost + retrans): bytes sent, not SACKed and not
  // marked lost; a retransmission clears the mark. After an RTO rewind
  // only what was (re)sent below SND.NXT is in flight.
  uint32_t outstanding = static_cast<uint32_t>(snd_.nxt - snd_.una);
  uint32_t sacked = scoreboard_.sacked_bytes() - scoreboard_.sacked_above(snd_.nxt);
  uint32_t p = outstanding - std::min(outstanding, sacked);
  return p - std::min(p, rack_.lost_bytes());
}

void Connection::skip_sacked() {
  // After a rewind (RTO) never resend what the receiver holds already.
  for (size_t i = 0; i < scoreboard_.range_count(); ++i) {
    const SackScoreboard::Range& r = scoreboard_.range(i);
    if (r.left <= snd_.nxt && snd_.nxt < r.right) snd_.nxt = r.right;
  }
}

bool Connection::next_retransmission(SeqNumber* seq, uint32_t* len) const {
  if (!syn_acked()) return false;
  if (sack_ok_) {
    // RACK (RFC 8985 6.3): the first record marked lost below SND.NXT, also
    // after an RTO, so a lost retransmission of the rewind is resent
    // without waiting for another (backed-off) RTO.
    if (!rack_.first_lost(snd_.nxt, seq, len)) return false;
    *len = std::min(*len, seg_mss());
    return true;
  }
  // RFC 6582: the segment at SND.UNA, once per (partial) ACK.
  if (!in_recovery_ || !rtx_una_ || snd_.una >= snd_.max) return false;
  *seq = snd_.una;
  *len = std::min(seg_mss(), static_cast<uint32_t>(snd_.max - snd_.una));
  return true;
}

}  // namespace xtcp::tcp
