// Segment arrival, in the order of RFC 9293 3.10.7: SYN-SENT (3.10.7.3),
// then the synchronized states and SYN-RECEIVED (3.10.7.4): first check
// sequence number, second RST, third security, fourth SYN, fifth ACK,
// sixth URG, seventh text, eighth FIN.
#include <algorithm>

#include "tcp/connection.h"

namespace xtcp::tcp {

using wire::SeqNumber;
using wire::TcpRepr;
namespace f = wire::tcp_flags;

void Connection::on_segment(const TcpRepr& seg, Instant now) {
  last_now_ = std::max(last_now_, now);
  ++stats_.segs_in;
  switch (state_) {
    case State::kClosed:
    case State::kListen:
      return;  // the demux answers with a RST (reset.h); nothing here
    case State::kSynSent:
      on_syn_sent(seg, now);
      break;
    default:
      on_synchronized(seg, now);
      break;
  }
  if (state_ != State::kClosed) refresh_timer(now);
}

// RFC 9293 3.10.7.3.
void Connection::on_syn_sent(const TcpRepr& seg, Instant now) {
  bool ack_ok = false;
  if (seg.has(f::kAck)) {
    // First: an ACK that does not cover our SYN gets a RST (unless RST).
    if (seg.ack <= snd_.iss || seg.ack > snd_.max) {
      if (!seg.has(f::kRst)) {
        rst_pending_ = true;
        rst_seq_ = seg.ack;
      }
      ++stats_.dropped_segments;
      return;
    }
    ack_ok = true;
  }
  if (seg.has(f::kRst)) {
    // Second: RST is valid only with an acceptable ACK (RFC 5961 3.2 keeps
    // this rule for SYN-SENT).
    if (ack_ok) enter_closed(TcpError::kConnectionRefused);
    return;
  }
  if (!seg.has(f::kSyn)) return;  // fifth: neither SYN nor RST: drop
  // Fourth: SYN. RCV.NXT = SEG.SEQ+1, IRS = SEG.SEQ.
  rcv_.irs = seg.seq;
  rcv_.nxt = seg.seq + 1;
  rcv_.adv_edge = rcv_.nxt + rcv_.wnd;  // what our SYN offered (unscaled)
  last_ack_sent_ = rcv_.nxt;
  negotiate(seg);
  if (seg.options.timestamps) {
    ts_recent_ = seg.options.timestamps->tsval;
    ts_recent_age_ = now;
  }
  snd_.wnd = seg.window;  // RFC 7323 2.2: the SYN's window is not scaled
  snd_.max_wnd = std::max(snd_.max_wnd, snd_.wnd);
  snd_.wl1 = seg.seq;
  snd_.wl2 = seg.ack;
  if (ack_ok) {
    std::optional<Duration> rtt = rtt_sample(seg, now);
    if (rtt) rtt_.on_sample(*rtt);
    snd_.una = seg.ack;
    if (snd_.nxt < snd_.una) snd_.nxt = snd_.una;
    retries_ = 0;
    timer_ = timer::Idle{};
    ack_now_ = true;  // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
    set_state(State::kEstablished);
    if (fin_queued_) set_state(State::kFinWait1);
    return;
  }
  // Simultaneous open (RFC 9293 3.5 figure 7): SYN-ACK with our ISS.
  snd_.nxt = snd_.iss;
  set_state(State::kSynReceived);
}

bool Connection::acceptable(const TcpRepr& seg) const {
  // RFC 9293 3.10.7.4, the four cases of the acceptability test, against
  // the window we last advertised.
  int32_t w = rcv_.adv_edge - rcv_.nxt;
  uint32_t wnd = w > 0 ? static_cast<uint32_t>(w) : 0;
  uint32_t len = seg.segment_len();
  SeqNumber end = rcv_.nxt + wnd;
  if (len == 0) {
    if (wnd == 0) return seg.seq == rcv_.nxt;
    return wire::seq_in_range(seg.seq, rcv_.nxt, end);
  }
  // Zero window: data is not acceptable, but the ACK/RST in a segment at
  // RCV.NXT still is (the "special allowance" of 3.10.7.4); text is trimmed.
  if (wnd == 0) return seg.seq == rcv_.nxt;
  return wire::seq_in_range(seg.seq, rcv_.nxt, end) ||
         wire::seq_in_range(seg.seq + (len - 1), rcv_.nxt, end);
}

bool Connection::paws_rejects(const TcpRepr& seg) const {
  // RFC 7323 5.3 R1: with timestamps in use, a segment whose TSval is older
  // than TS.Recent is a duplicate from an earlier wrap; RST is exempt.
  if (!ts_ok_ || !seg.options.timestamps || seg.has(f::kRst)) return false;
  // 5.5: TS.Recent older than 24 days is invalid.
  if (last_now_ - ts_recent_age_ > Duration::seconds(24 * 24 * 3600)) return false;
  return static_cast<int32_t>(seg.options.timestamps->tsval - ts_recent_) < 0;
}

void Connection::on_synchronized(const TcpRepr& seg, Instant now) {
  // A retransmitted SYN in SYN-RECEIVED: our SYN-ACK was lost; resend it.
  if (state_ == State::kSynReceived && seg.has(f::kSyn) && !seg.has(f::kAck) &&
      seg.seq == rcv_.irs) {
    snd_.nxt = snd_.iss;
    return;
  }
  // A new SYN in TIME-WAIT is the demux's business (accepts_new_syn).
  if (paws_rejects(seg)) {
    ack_now_ = true;
    ++stats_.dropped_segments;
    return;
  }
  // RFC 7323 3.2: once both SYNs carried TSopt, a non-RST segment without
  // one SHOULD be dropped silently (a forged segment rarely guesses it).
  if (ts_ok_ && !seg.options.timestamps && !seg.has(f::kRst)) {
    ++stats_.dropped_segments;
    return;
  }
  // First: sequence number.
  if (!acceptable(seg)) {
    if (!seg.has(f::kRst)) ack_now_ = true;  // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
    ++stats_.dropped_segments;
    return;
  }
  last_recv_ = now;
  if (auto* idle = std::get_if<timer::Idle>(&timer_)) idle->probes_sent = 0;
  // Second: RST (RFC 5961 3.2).
  if (seg.has(f::kRst)) {
    on_rst(seg, now);
    return;
  }
  // Fourth: SYN in a synchronized state gets a challenge ACK (RFC 5961 4.2).
  if (seg.has(f::kSyn)) {
    challenge_ack(now);
    return;
  }
  // Fifth: ACK. Without it the segment is dropped.
  if (!seg.has(f::kAck)) return;
  if (!on_ack_field(seg, now)) return;
  update_ts_recent(seg, now);
  // Sixth: URG is not supported; urgent data is delivered in line (RFC 6093).
  // Seventh: text.
  if (!seg.payload.empty()) {
    if (state_ == State::kEstablished || state_ == State::kFinWait1 ||
        state_ == State::kFinWait2) {
      process_text(seg, now);
      if (state_ == State::kClosed) return;  // reset: data for an app that is gone
    }
  }
  // Eighth: FIN.
  if (seg.has(f::kFin) && !fin_received_) {
    SeqNumber fin = seg.seq + static_cast<uint32_t>(seg.payload.size());
    if (fin == rcv_.nxt) {
      process_fin(now);
    } else if (fin > rcv_.nxt) {
      peer_fin_ = fin;  // after a gap: taken when rcv.nxt reaches it
    }
  } else if (seg.has(f::kFin) && state_ == State::kTimeWait) {
    // A retransmitted FIN: ACK it and restart the 2 MSL wait.
    ack_now_ = true;
    timer_ = timer::Close{now + cfg_.time_wait};
  }
}

void Connection::on_rst(const TcpRepr& seg, Instant now) {
  // RFC 5961 3.2: only an exact match resets; in-window gets a challenge.
  if (seg.seq != rcv_.nxt) {
    challenge_ack(now);
    return;
  }
  switch (state_) {
    case State::kSynReceived:
      // Passive open returns to LISTEN: the listener drops this entry.
      enter_closed(passive_ ? TcpError::kConnectionReset : TcpError::kConnectionRefused);
      break;
    case State::kClosing:
    case State::kLastAck:
    case State::kTimeWait:
      enter_closed(TcpError::kNone);
      break;
    default:
      enter_closed(TcpError::kConnectionReset);
      break;
  }
}

void Connection::challenge_ack(Instant now) {
  // RFC 5961 7: at most challenge_ack_limit per second.
  if (now - challenge_epoch_ >= Duration::seconds(1)) {
    challenge_epoch_ = now;
    challenge_count_ = 0;
  }
  if (challenge_count_ >= cfg_.challenge_ack_limit) return;
  ++challenge_count_;
  ++stats_.challenge_acks;
  ack_now_ = true;
}

// Returns false when the segment must be dropped here.
bool Connection::on_ack_field(const TcpRepr& seg, Instant now) {
  if (state_ == State::kSynReceived) {
    // RFC 9293 3.10.7.4 fifth, SYN-RECEIVED: SND.UNA < SEG.ACK =< SND.NXT.
    if (!(snd_.una < seg.ack && seg.ack <= snd_.max)) {
      rst_pending_ = true;
      rst_seq_ = seg.ack;
      return false;
    }
    snd_.wl1 = seg.seq;
    snd_.wl2 = seg.ack;
    snd_.wnd = static_cast<uint32_t>(seg.window) << snd_.wscale;
    snd_.max_wnd = std::max(snd_.max_wnd, snd_.wnd);
    set_state(State::kEstablished);
    if (fin_queued_) set_state(State::kFinWait1);
  }
  // RFC 5961 5.2: acceptable ACKs lie in [SND.UNA - MAX.SND.WND, SND.NXT].
  if (seg.ack > snd_.max) {
    challenge_ack(now);  // ACK of data never sent: ACK and drop
    ++stats_.dropped_segments;
    return false;
  }
  if (seg.ack < snd_.una - snd_.max_wnd) {
    challenge_ack(now);
    ++stats_.dropped_segments;
    return false;
  }
  ack_delivered_ = 0;
  if (seg.ack > snd_.una) {
    on_new_ack(seg, now);
  } else {
    process_sack(seg, now);
    if (seg.ack == snd_.una && seg.payload.empty() && !seg.has(f::kFin) &&
        snd_.max > snd_.una &&
        (static_cast<uint32_t>(seg.window) << snd_.wscale) == snd_.wnd) {
      on_dup_ack(now);  // RFC 5681 2: the duplicate-ACK definition
    }
  }
  // RFC 8985: with SACK, loss is decided by time (also on ACKs that carry
  // data, which are never duplicate ACKs).
  if (sack_ok_) rack_after_ack(seg, now);
  update_send_window(seg);
  if (fin_acked_) on_fin_acked(now);
  return state_ != State::kClosed;
}

void Connection::on_fin_acked(Instant now) {
  switch (state_) {
    case State::kFinWait1:
      set_state(State::kFinWait2);
      // Only an orphaned (closed) socket may time out in FIN-WAIT-2.
      if (closed_by_app_) timer_ = timer::Close{now + cfg_.fin_wait2_timeout};
      break;
    case State::kClosing:
      enter_time_wait(now);
      break;
    case State::kLastAck:
      enter_closed(TcpError::kNone);
      break;
    default:
      break;
  }
}

void Connection::update_ts_recent(const TcpRepr& seg, Instant now) {
  // RFC 7323 4.3: TS.Recent = SEG.TSval when SEG.SEQ =< Last.ACK.sent.
  if (!ts_ok_ || !seg.options.timestamps) return;
  uint32_t v = seg.options.timestamps->tsval;
  if (seg.seq <= last_ack_sent_ && static_cast<int32_t>(v - ts_recent_) >= 0) {
    ts_recent_ = v;
    ts_recent_age_ = now;
  }
}

void Connection::process_text(const TcpRepr& seg, Instant now) {
  std::span<const uint8_t> data = seg.payload;
  SeqNumber seq = seg.seq;
  if (seq < rcv_.nxt) {  // trim what we already have
    uint32_t dup = static_cast<uint32_t>(rcv_.nxt - seq);
    if (dup >= data.size()) {
      owe_immediate_ack();  // a pure duplicate: ACK at once (RFC 5681 4.2)
      return;
    }
    data = data.subspan(dup);
    seq = rcv_.nxt;
  }
  // New data for a connection whose app has gone can never be read: reset
  // rather than fill the receive window and linger (RFC 1122 4.2.2.13, as
  // for a close with data unread; Linux does the same).
  if (discard_input_) {
    ++stats_.dropped_segments;
    abort();
    return;
  }
  rcv_mss_est_ = std::max<uint32_t>(rcv_mss_est_, static_cast<uint32_t>(seg.payload.size()));
  uint32_t offset = static_cast<uint32_t>(seq - rcv_.nxt);
  bool had_gap = !rx_.out_of_order().empty();
  RecvBuffer::WriteResult r = rx_.write_at(offset, data);
  if (!r.stored) {
    ++stats_.dropped_segments;  // beyond the ring or the range set is full
    ack_now_ = true;
    return;
  }
  rcv_.nxt += r.advanced;
  stats_.bytes_received += r.advanced;
  if (offset > 0) note_recent_sack(seq);
  if (r.advanced > 0) {
    autotune_window(now, r.advanced);
    // Drop SACK blocks that the cumulative ACK now covers.
    uint8_t k = 0;
    for (uint8_t i = 0; i < recent_sack_count_; ++i)
      if (recent_sack_[i] >= rcv_.nxt) recent_sack_[k++] = recent_sack_[i];
    recent_sack_count_ = k;
    if (peer_fin_ && *peer_fin_ == rcv_.nxt) process_fin(now);
  }
  // RFC 5681 4.2: out-of-order data and gap fills are ACKed at once.
  if (offset > 0 || had_gap) {
    owe_immediate_ack();
  } else {
    // Quick-ACK again after an idle period (like the start of a connection).
    if (now - last_data_rx_ > rtt_.rto()) quick_acks_ = cfg_.quick_acks;
    schedule_ack(now, r.advanced);
  }
  last_data_rx_ = now;
}

void Connection::owe_immediate_ack() {
  // One ACK per out-of-order segment even when the caller delivers a batch
  // before polling: the sender counts duplicate ACKs (RFC 5681 3.2).
  if (ack_now_ && extra_acks_ < kMaxExtraAcks) ++extra_acks_;
  ack_now_ = true;
}

void Connection::note_recent_sack(SeqNumber seq) {
  // RFC 2018 4: the block holding the newest segment comes first.
  uint8_t n = std::min<uint8_t>(recent_sack_count_, recent_sack_.size() - 1);
  for (uint8_t i = n; i > 0; --i) recent_sack_[i] = recent_sack_[i - 1];
  recent_sack_[0] = seq;
  recent_sack_count_ = n + 1;
}

void Connection::process_fin(Instant now) {
  // RFC 9293 3.10.7.4 eighth: advance RCV.NXT over the FIN and ACK it.
  rcv_.nxt += 1;
  fin_received_ = true;
  peer_fin_.reset();
  ack_now_ = true;
  switch (state_) {
    case State::kSynReceived:
    case State::kEstablished:
      set_state(State::kCloseWait);
      break;
    case State::kFinWait1:
      // Our FIN not yet acknowledged (else we would be in FIN-WAIT-2).
      set_state(State::kClosing);
      break;
    case State::kFinWait2:
      enter_time_wait(now);
      break;
    default:
      break;
  }
}

}  // namespace xtcp::tcp
