// Output: which segment goes next (SYN/SYN-ACK, loss-recovery
// retransmission, new data and FIN, probes, ACKs), segmentization with
// Nagle (RFC 9293 3.7.4) and sender SWS avoidance (3.8.6.2.1), and the
// advertised window with receiver SWS avoidance (3.8.6.2.2).
#include <algorithm>

#include "tcp/connection.h"

namespace xtcp::tcp {

using wire::SeqNumber;
namespace f = wire::tcp_flags;

SeqNumber Connection::data_base() const {
  if (!syn_acked()) return snd_.iss + 1;
  return fin_acked_ ? snd_.una - 1 : snd_.una;
}

uint32_t Connection::unsent_bytes() const {
  SeqNumber end = data_base() + static_cast<uint32_t>(tx_.size());
  return snd_.nxt < end ? static_cast<uint32_t>(end - snd_.nxt) : 0;
}

bool Connection::poll_transmit(Instant now, OutSegment& out) {
  last_now_ = std::max(last_now_, now);
  out = OutSegment{};
  if (rst_pending_) {
    rst_pending_ = false;
    out.repr.src_port = tuple_.local_port;
    out.repr.dst_port = tuple_.remote_port;
    out.repr.seq = rst_seq_;
    out.repr.flags = f::kRst;
    ++stats_.segs_out;
    return true;
  }
  on_timers(now);
  if (state_ == State::kClosed || state_ == State::kListen) return false;
  if (state_ == State::kSynSent) {
    ack_now_ = false;  // nothing to ACK yet
    extra_acks_ = 0;
  }
  bool sent = emit_syn(now, out) || emit_probe(now, out) || emit_retransmission(now, out) ||
              emit_new_data(now, out);
  if (!sent && probe_now_) {
    // Zero-window and keepalive probe: an old sequence number the peer
    // must answer with an ACK (RFC 9293 3.8.6.1, RFC 1122 4.2.3.6).
    probe_now_ = false;
    emit_ack(now, out, snd_.una - 1);
    sent = true;
  }
  if (!sent && !ack_now_ && extra_acks_ > 0) {
    --extra_acks_;
    ack_now_ = true;
  }
  if (!sent && state_ != State::kSynSent && ack_due(now)) {
    emit_ack(now, out, snd_.nxt);
    sent = true;
  }
  if (state_ != State::kClosed) refresh_timer(now);
  return sent;
}

Instant Connection::poll_at() const {
  if (rst_pending_) return last_now_;
  if (state_ == State::kClosed || state_ == State::kListen) return Instant::never();
  if (ack_now_ || probe_now_ || tlp_owed_ || extra_acks_ > 0) return last_now_;
  if ((state_ == State::kSynSent || state_ == State::kSynReceived) && snd_.nxt == snd_.iss)
    return last_now_;
  SeqNumber seq;
  uint32_t len;
  if (next_retransmission(&seq, &len) && (!sack_ok_ || len <= send_room()))
    return last_now_;
  if (sendable_new_bytes() > 0 || fin_sendable()) return last_now_;
  return std::min(timer_deadline(timer_), ack_deadline_);
}

bool Connection::emit_syn(Instant now, OutSegment& out) {
  bool syn_state = state_ == State::kSynSent || state_ == State::kSynReceived;
  if (!syn_state || snd_.nxt != snd_.iss) return false;
  uint8_t flags = f::kSyn | (state_ == State::kSynReceived ? f::kAck : 0);
  fill_header(out, snd_.iss, flags, now);
  bool rtx = snd_.max > snd_.iss;
  snd_.nxt = snd_.iss + 1;
  snd_.max = wire::seq_max(snd_.max, snd_.nxt);
  after_send(now, snd_.iss, 1, rtx);
  return true;
}

bool Connection::emit_retransmission(Instant now, OutSegment& out) {
  SeqNumber seq;
  uint32_t len;
  if (!next_retransmission(&seq, &len)) return false;
  // RFC 6675 5 (C) / RFC 6937: send only while cwnd - pipe (PRR's sndcnt
  // in recovery) allows the segment.
  if (sack_ok_ && len > send_room()) return false;
  uint32_t seq_len = build_segment(now, out, seq, len);
  if (seq_len == 0) {
    rtx_una_ = false;
    return false;
  }
  if (sack_ok_) {
    high_rxt_ = seq + seq_len;
  } else {
    rtx_una_ = false;
  }
  stats_.bytes_retrans += out.payload_len();
  after_send(now, seq, seq_len, true);
  return true;
}

bool Connection::emit_new_data(Instant now, OutSegment& out) {
  if (!syn_acked() || !is_synchronized(state_)) return false;
  // RFC 5681 4.1: after an idle period longer than the RTO, restart from
  // the restart window.
  if (snd_.max == snd_.una && unsent_bytes() > 0 && now - last_send_ > rtt_.rto())
    cc_->on_idle_restart(now);
  uint32_t len = sendable_new_bytes();
  if (len == 0 && !fin_sendable()) return false;
  SeqNumber seq = snd_.nxt;
  bool rtx = seq < snd_.max;  // resending after an RTO rewind
  uint32_t seq_len = build_segment(now, out, seq, len);
  if (seq_len == 0) return false;
  snd_.nxt = seq + seq_len;
  snd_.max = wire::seq_max(snd_.max, snd_.nxt);
  if (out.payload_len() < seg_mss()) snd_sml_ = snd_.nxt;  // Minshall: last small segment
  sws_override_ = false;
  if (rtx) stats_.bytes_retrans += out.payload_len();
  after_send(now, seq, seq_len, rtx);
  skip_sacked();
  return true;
}

// Header plus up to max_len payload bytes from `seq`, and the FIN when the
// segment reaches it. Returns the sequence space used (0: nothing to send).
uint32_t Connection::build_segment(Instant now, OutSegment& out, SeqNumber seq,
                                   uint32_t max_len) {
  fill_header(out, seq, f::kAck, now);
  // Room left after options beyond the timestamps that seg_mss() assumed.
  uint32_t extra = out.repr.options.sack_count ? 4 + 8u * out.repr.options.sack_count : 0;
  uint32_t mss = seg_mss() > extra ? seg_mss() - extra : 1;
  uint32_t offset = static_cast<uint32_t>(seq - data_base());
  uint32_t avail = offset < tx_.size() ? static_cast<uint32_t>(tx_.size()) - offset : 0;
  uint32_t len = std::min({max_len, avail, mss});
  out.payload = tx_.peek(offset, len);
  bool fin = fin_queued_ && seq + len == fin_seq();
  if (len == 0 && !fin) return 0;
  if (fin) out.repr.flags |= f::kFin;
  if (len > 0 && offset + len == tx_.size()) out.repr.flags |= f::kPsh;
  stats_.bytes_sent += len;
  return len + (fin ? 1 : 0);
}

void Connection::emit_ack(Instant now, OutSegment& out, SeqNumber seq) {
  fill_header(out, seq, f::kAck, now);
}

bool Connection::fin_sendable() const {
  if (!fin_queued_ || !syn_acked() || !is_synchronized(state_)) return false;
  uint32_t unsent = unsent_bytes();
  return snd_.nxt + unsent == fin_seq() && sendable_new_bytes() == unsent;
}

uint32_t Connection::sendable_new_bytes() const {
  if (!syn_acked() || !is_synchronized(state_)) return 0;
  uint32_t unsent = unsent_bytes();
  if (unsent == 0) return 0;
  int32_t wroom = (snd_.una + snd_.wnd) - snd_.nxt;
  if (wroom <= 0) return 0;
  // cwnd - FlightSize (pipe with SACK: SACKed data has left the network,
  // which also gives RFC 3042 limited transmit), PRR's sndcnt in recovery.
  uint64_t croom = send_room();
  uint32_t mss = seg_mss();
  uint32_t want = std::min(unsent, mss);
  if (croom < want) return 0;  // cwnd-limited: wait for ACKs, no runts
  uint32_t len = std::min(want, static_cast<uint32_t>(wroom));
  // RFC 9293 3.8.6.2.1: a window-limited piece must be at least half the
  // largest window seen, unless the override timeout fired.
  if (len < want && len < snd_.max_wnd / 2 && !sws_override_) return 0;
  // RFC 9293 3.7.4 (Nagle) with Minshall's refinement (as Linux): hold a
  // small segment of new data only while an earlier small segment is
  // unacknowledged, so a write that is not a whole number of segments sends
  // its tail at once. The last piece before our FIN is never held, nor a
  // resend after an RTO rewind (snd.nxt < snd.max): waiting for its ACK
  // would wait forever.
  bool resend = snd_.nxt < snd_.max;
  bool small_unacked = snd_sml_ > snd_.una && snd_sml_ <= snd_.max;
  if (len < mss && !cfg_.no_delay && !resend && small_unacked && !fin_queued_) return 0;
  return len;
}

void Connection::fill_header(OutSegment& out, SeqNumber seq, uint8_t flags, Instant now) {
  wire::TcpRepr& r = out.repr;
  r.src_port = tuple_.local_port;
  r.dst_port = tuple_.remote_port;
  r.seq = seq;
  r.flags = flags;
  bool syn = (flags & f::kSyn) != 0;
  if (flags & f::kAck) {
    r.ack = rcv_.nxt;
    last_ack_sent_ = rcv_.nxt;
    ack_now_ = false;
    ack_deadline_ = Instant::never();
    unacked_bytes_ = 0;
  }
  r.window = window_field(syn);
  wire::TcpOptions& o = r.options;
  if (syn) {
    bool active = state_ == State::kSynSent;
    o.mss = our_mss_;
    if (active ? cfg_.window_scaling : wscale_ok_) o.window_scale = cfg_.window_scale;
    o.sack_permitted = active ? cfg_.sack : sack_ok_;
    if (active ? cfg_.timestamps : ts_ok_)
      o.timestamps = wire::Timestamps{tsval(now), active ? 0u : ts_recent_};
  } else {
    if (ts_ok_) o.timestamps = wire::Timestamps{tsval(now), ts_recent_};
    if (sack_ok_ && (flags & f::kAck)) fill_sack_blocks(o);
  }
  ++stats_.segs_out;
}

void Connection::fill_sack_blocks(wire::TcpOptions& o) const {
  // RFC 2018 4: the first block holds the most recent segment; then other
  // recent blocks; 3 blocks fit beside timestamps, 4 without.
  const Assembler& ooo = rx_.out_of_order();
  if (ooo.empty()) return;
  size_t max_blocks = ts_ok_ ? 3 : 4;
  auto add = [&](const Assembler::Range& rg) {
    wire::SackBlock b{rcv_.nxt + rg.start, rcv_.nxt + rg.end};
    for (uint8_t i = 0; i < o.sack_count; ++i)
      if (o.sack[i] == b) return;
    if (o.sack_count < max_blocks) o.sack[o.sack_count++] = b;
  };
  for (uint8_t i = 0; i < recent_sack_count_; ++i) {
    const Assembler::Range* rg = ooo.find(static_cast<uint32_t>(recent_sack_[i] - rcv_.nxt));
    if (rg) add(*rg);
  }
  for (size_t i = 0; i < ooo.range_count(); ++i) add(ooo.range(i));
}

SeqNumber Connection::candidate_edge() const {
  uint32_t avail = static_cast<uint32_t>(std::min<size_t>(rx_.free(), rcv_wnd_limit_));
  avail = std::min<uint32_t>(avail, 65535u << rcv_.wscale);
  return rcv_.nxt + avail;
}

uint32_t Connection::receive_window() const {
  // RFC 9293 3.8.6.2.2: move the right edge only by min(buffer/2, MSS) or
  // more, so the peer is not invited to send tiny segments.
  SeqNumber edge = rcv_.adv_edge;
  SeqNumber cand = candidate_edge();
  uint32_t thresh = std::min<uint32_t>(static_cast<uint32_t>(rx_.capacity() / 2), our_mss_);
  if (cand > edge && static_cast<uint32_t>(cand - edge) >= thresh) edge = cand;
  int32_t w = edge - rcv_.nxt;
  return w > 0 ? static_cast<uint32_t>(w) : 0;
}

uint16_t Connection::window_field(bool syn) {
  if (syn) {
    // RFC 7323 2.2: the window in a SYN is never scaled.
    uint32_t w = static_cast<uint32_t>(std::min<size_t>({rx_.free(), rcv_wnd_limit_, 65535}));
    if (state_ != State::kSynSent) rcv_.adv_edge = wire::seq_max(rcv_.adv_edge, rcv_.nxt + w);
    rcv_.wnd = w;
    return static_cast<uint16_t>(w);
  }
  uint32_t w = receive_window();
  uint32_t field = std::min<uint32_t>(w >> rcv_.wscale, 65535);
  // RFC 9293 3.8.6.2.2: never move the right edge left; round up if the
  // scaled field would.
  int32_t need = rcv_.adv_edge - rcv_.nxt;
  if (need > 0 && (field << rcv_.wscale) < static_cast<uint32_t>(need)) {
    uint32_t unit = 1u << rcv_.wscale;
    field = std::min<uint32_t>((static_cast<uint32_t>(need) + unit - 1) >> rcv_.wscale, 65535);
  }
  rcv_.wnd = field << rcv_.wscale;
  rcv_.adv_edge = wire::seq_max(rcv_.adv_edge, rcv_.nxt + rcv_.wnd);
  return static_cast<uint16_t>(field);
}

void Connection::after_send(Instant now, SeqNumber seq, uint32_t seq_len, bool is_rtx) {
  if (seq_len == 0) return;
  if (is_rtx) {
    ++stats_.retransmits;
    // Karn: a retransmitted timed segment cannot give a sample.
    if (rtt_timing_ && seq < rtt_seq_) rtt_timing_ = false;
  } else if (!rtt_timing_) {
    rtt_timing_ = true;
    rtt_seq_ = seq + seq_len;
    rtt_sent_at_ = now;
  }
  if (sack_ok_ && syn_acked()) {
    rack_.on_send(seq, seq + seq_len, now);
    if (in_recovery_) {
      prr_out_ += seq_len;
      prr_room_ -= std::min(prr_room_, seq_len);
    }
  }
  // RFC 8985 7.2: new data (not a probe) restarts the PTO; so does a
  // retransmission in recovery (arm_probe_timer: a probe once all marked
  // lost was resent).
  auto* rt = std::get_if<timer::Retransmit>(&timer_);
  if (!rt) {
    arm_retransmit_timer(now);
  } else if ((!is_rtx || in_recovery_) && rt->kind != timer::Retransmit::Kind::kReorder) {
    arm_probe_timer(now);
  }
  last_send_ = now;
}

}  // namespace xtcp::tcp
