// RACK-TLP (RFC 8985) and Proportional Rate Reduction (RFC 6937) for SACK
// connections: which records are lost (by time, not by counting duplicate
// ACKs), the reordering timer, the tail loss probe, and how much recovery
// may send per ACK. The RTO (connection_timers.cpp) stays the last resort.
#include <algorithm>

#include "tcp/connection.h"

namespace xtcp::tcp {

using wire::SeqNumber;
using wire::TcpRepr;

namespace {
// RFC 8985 7.2 WCDelAckT, the peer's worst-case delayed-ACK time, added to
// the PTO of a flight of one segment. RFC 8985 recommends 200 ms, which on
// a path whose RTO is its 200 ms floor means no probe at all: a lost last
// segment of a response always waited for the RTO. xtcp starts at Linux's
// delayed-ACK minimum (TCP_ATO_MIN, 40 ms: Connection::peer_delack_) and
// doubles it, up to the 200 ms, whenever a D-SACK shows that such a probe
// was not needed (the peer was only holding its ACK); the cost of a wrong
// guess is one duplicate segment.
constexpr Duration kWorstCaseDelayedAck = Duration::millis(200);
// The PTO's floor, Linux's TCP_TIMEOUT_MIN (a timer finer than this mostly
// fires on ACKs still in flight).
constexpr Duration kMinPto = Duration::millis(2);
}  // namespace

bool Connection::is_dsack(const TcpRepr& seg) const {
  // RFC 2883 4: the first block reports a duplicate when it lies below the
  // cumulative ACK or inside the second block.
  auto blocks = seg.options.sack_blocks();
  if (blocks.empty()) return false;
  const wire::SackBlock& b = blocks[0];
  if (b.right <= seg.ack) return true;
  return blocks.size() > 1 && blocks[1].left <= b.left && b.right <= blocks[1].right;
}

void Connection::rack_after_ack(const TcpRepr& seg, Instant now) {
  if (is_dsack(seg)) {
    ++stats_.dsacks;
    const wire::SackBlock& d = seg.options.sack_blocks()[0];
    if (tlp_in_flight_ && tlp_retrans_ && d.left <= tlp_seq_ && tlp_seq_ < d.right) {
      // RFC 8985 7.4: a D-SACK for the probe shows it was not needed. It
      // says nothing about reordering: the reordering window stays. For a
      // lone segment it shows the peer delays its ACKs longer than assumed.
      tlp_in_flight_ = false;
      if (tlp_lone_) peer_delack_ = std::min(peer_delack_ * 2, kWorstCaseDelayedAck);
    } else {
      rack_.on_dsack(snd_.una, snd_.max);
    }
  }
  if (tlp_in_flight_ && snd_.una >= tlp_end_) {
    // RFC 8985 7.4.2: the probe's retransmission repaired a loss that no
    // recovery saw: the congestion response is still owed. (A probe sent
    // in recovery belongs to that recovery's single reduction.)
    tlp_in_flight_ = false;
    if (tlp_retrans_ && !in_recovery_ && !tlp_in_recovery_) {
      cc_->on_enter_recovery(static_cast<uint32_t>(snd_.max - snd_.una) + ack_delivered_, now);
      cc_->on_exit_recovery(now);
    }
  }
  rack_detect(now);
  if (in_recovery_) prr_on_ack(ack_delivered_);
}

void Connection::rack_detect(Instant now) {
  rack_timeout_ = Duration{};
  if (snd_.max == snd_.una) return;
  // Nothing can be lost while the ACKs come in order with no hole.
  if (scoreboard_.empty() && !in_recovery_ && rack_.lost_bytes() == 0 && snd_.nxt == snd_.max)
    return;
  rack_timeout_ = rack_.detect_loss(now, rtt_.srtt(), rtt_.min_rtt(), in_recovery_);
  // RFC 8985 6.3 / RFC 6675 5: a loss starts recovery once per window
  // (RFC 6582 recover point); after an RTO, lost retransmissions of the
  // rewind are resent without a second reduction.
  if (rack_.lost_bytes() > 0 && !in_recovery_ && snd_.una >= recover_) {
    enter_recovery(now);
    prr_on_ack(ack_delivered_);
    arm_retransmit_timer(now);  // no probe during recovery (RFC 8985 7.2)
  }
  if (rack_timeout_ > Duration{}) {
    timer_ = timer::Retransmit{now + rack_timeout_, timer::Retransmit::Kind::kReorder};
  }
}

void Connection::prr_on_ack(uint32_t delivered) {
  // RFC 6937 3.1: spread the reduction over the ACKs of one round trip
  // while pipe > ssthresh; below it, slow-start back up to ssthresh by at
  // most what was delivered plus one MSS (PRR-SSRB).
  prr_delivered_ += delivered;
  uint32_t p = pipe();
  uint64_t ssthresh = cc_->ssthresh();
  uint64_t mss = seg_mss();
  int64_t sndcnt;
  if (p > ssthresh) {
    uint64_t fs = std::max<uint32_t>(recover_fs_, 1);
    sndcnt = static_cast<int64_t>((uint64_t{prr_delivered_} * ssthresh + fs - 1) / fs) -
             static_cast<int64_t>(prr_out_);
  } else {
    int64_t limit = std::max<int64_t>(int64_t{prr_delivered_} - prr_out_, delivered) +
                    static_cast<int64_t>(mss);
    sndcnt = std::min<int64_t>(static_cast<int64_t>(ssthresh - p), limit);
  }
  if (prr_out_ == 0) sndcnt = std::max<int64_t>(sndcnt, static_cast<int64_t>(mss));
  prr_room_ = static_cast<uint32_t>(std::clamp<int64_t>(sndcnt, 0, kMaxCwnd));
}

uint32_t Connection::send_room() const {
  if (in_recovery_ && sack_ok_) return prr_room_;
  uint32_t flight = sack_ok_ ? pipe() : static_cast<uint32_t>(snd_.nxt - snd_.una);
  uint64_t cw = cc_->cwnd();
  if (in_recovery_) {
    // RFC 5681 3.2 steps 2-4: NewReno inflates by one SMSS per duplicate ACK.
    cw += uint64_t{dupacks_} * seg_mss();
  } else if (!sack_ok_) {
    // RFC 3042 limited transmit: new data on the first two duplicate ACKs.
    cw += uint64_t{std::min<uint32_t>(dupacks_, 2)} * seg_mss();
  }
  return cw > flight ? static_cast<uint32_t>(std::min<uint64_t>(cw - flight, kMaxCwnd)) : 0;
}

bool Connection::arm_probe_timer(Instant now) {
  // RFC 8985 7.2: with SACK, an RTT sample, no probe out and nothing marked
  // lost, the PTO is 2 SRTT (+ WCDelAckT for a single segment in flight),
  // used only when it fires before the RTO would. Unlike 7.2 (which keeps
  // the PTO out of recovery) and like QUIC's PTO (RFC 9002 6.2), it also
  // runs in recovery once every segment marked lost was resent: when the
  // last ACKs of a recovery are lost, or the retransmission is, nothing
  // else restarts the ACK clock before the RTO (200 ms or more).
  bool probe_ok = sack_ok_ && rtt_.has_sample() && !tlp_in_flight_ && retries_ == 0 &&
                  rack_.lost_bytes() == 0 && is_synchronized(state_);
  if (!probe_ok) return false;
  Duration pto = std::max(rtt_.srtt() * 2, kMinPto);
  if (snd_.max - snd_.una <= static_cast<int32_t>(seg_mss())) pto = pto + peer_delack_;
  Instant at = now + pto;
  if (pto >= rtt_.rto()) return false;
  // Restarted after new data (7.2), but never later than a running RTO.
  auto* rt = std::get_if<timer::Retransmit>(&timer_);
  if (rt && rt->kind == timer::Retransmit::Kind::kRto && rt->expires_at < at) return false;
  timer_ = timer::Retransmit{at, timer::Retransmit::Kind::kProbe};
  return true;
}

void Connection::arm_retransmit_timer(Instant now) {
  timer_ = timer::Idle{};
  if (!arm_probe_timer(now)) timer_ = timer::Retransmit{now + rtt_.rto()};  // RFC 6298 5.3
}

void Connection::on_probe_timeout(Instant now) {
  // RFC 8985 7.3: send one probe, then the RTO guards it.
  tlp_owed_ = true;
  timer_ = timer::Retransmit{now + rtt_.rto()};
}

void Connection::on_reorder_timeout(Instant now) {
  ++stats_.rack_reorder_timeouts;
  ack_delivered_ = 0;
  rack_detect(now);
  if (rack_timeout_ == Duration{}) arm_retransmit_timer(now);
}

bool Connection::emit_probe(Instant now, OutSegment& out) {
  if (!tlp_owed_) return false;
  tlp_owed_ = false;
  if (!syn_acked() || snd_.max == snd_.una) return false;
  // RFC 8985 7.3 prefers new data and falls back to the last segment; xtcp
  // resends the last segment first. After a PTO the usual cause on a short
  // path is that the last ACKs were lost: a lone new segment is then held by
  // the receiver's delayed ACK (40 ms in Linux, up to 500 ms by RFC 9293
  // 3.8.6.3), while a duplicate is answered at once (RFC 9293 3.10.7.4,
  // with a D-SACK, RFC 2883), and a lost last segment is repaired directly.
  // In recovery the probe is the oldest hole: it repairs a lost
  // retransmission, or is a duplicate when only the ACKs were lost. New data
  // only when nothing unSACKed is left to resend (cwnd never limits a probe).
  uint32_t unsent = snd_.nxt == snd_.max ? unsent_bytes() : 0;
  int32_t wroom = (snd_.una + snd_.wnd) - snd_.nxt;
  SeqNumber seq;
  uint32_t len;
  bool rtx;
  if (in_recovery_) {
    if (!rack_.first_unsacked(&seq, &len)) return false;
    len = std::min(len, seg_mss());
    rtx = true;
  } else if (rack_.last_unsacked(&seq, &len)) {
    // The record's last MSS of data (its FIN, if any, rides along).
    uint32_t fin = fin_queued_ && seq + len == fin_seq() + 1 ? 1 : 0;
    uint32_t tail = std::min(len - fin, seg_mss());
    seq = seq + (len - fin - tail);
    len = tail;
    rtx = true;
  } else if (unsent > 0 && wroom >= static_cast<int32_t>(std::min(unsent, seg_mss()))) {
    seq = snd_.nxt;
    len = std::min(unsent, seg_mss());
    rtx = false;
  } else {
    return false;
  }
  uint32_t seq_len = build_segment(now, out, seq, len);
  if (seq_len == 0) return false;
  if (!rtx) {
    snd_.nxt = seq + seq_len;
    snd_.max = wire::seq_max(snd_.max, snd_.nxt);
  } else {
    stats_.bytes_retrans += out.payload_len();
  }
  ++stats_.tlp_probes;
  tlp_in_flight_ = true;
  tlp_retrans_ = rtx;
  tlp_in_recovery_ = in_recovery_;
  tlp_lone_ = snd_.max - snd_.una <= static_cast<int32_t>(seg_mss());
  tlp_end_ = snd_.max;
  tlp_seq_ = seq;
  after_send(now, seq, seq_len, rtx);
  return true;
}

}  // namespace xtcp::tcp
