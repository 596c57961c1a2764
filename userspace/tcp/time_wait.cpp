// TIME-WAIT answers from a record (time_wait.h), in the order of RFC 9293
// 3.10.7.4: RST, then the timestamp checks (RFC 7323), SYN, FIN, the rest.
#include "tcp/time_wait.h"

#include <algorithm>

#include "tcp/connection.h"

namespace xtcp::tcp {

namespace f = wire::tcp_flags;

namespace {

// RFC 6191 2 (the test Connection::accepts_new_syn makes for a full TCB).
bool newer_incarnation(const TimeWaitRecord& rec, const wire::TcpRepr& syn) {
  if (rec.ts_ok && syn.options.timestamps)
    return static_cast<int32_t>(syn.options.timestamps->tsval - rec.ts_recent) > 0;
  return syn.seq > rec.rcv_nxt;
}

}  // namespace

TimeWaitVerdict time_wait_segment(TimeWaitRecord& rec, const wire::TcpRepr& seg, Instant now,
                                  Duration time_wait) {
  // RFC 5961 3.2: only an exact match resets; Linux drops the record then
  // (no RFC 1337 protection), and drops any other RST without a reply.
  if (seg.has(f::kRst)) return seg.seq == rec.rcv_nxt ? TimeWaitVerdict::kClose : TimeWaitVerdict::kDrop;
  if (seg.has(f::kSyn) && !seg.has(f::kAck) && newer_incarnation(rec, seg))
    return TimeWaitVerdict::kReopen;
  if (rec.ts_ok) {
    // RFC 7323 3.2: without TSopt a non-RST segment is dropped silently.
    if (!seg.options.timestamps) return TimeWaitVerdict::kDrop;
    // RFC 7323 5.3 R1 (PAWS): an old duplicate is ACKed and dropped.
    if (static_cast<int32_t>(seg.options.timestamps->tsval - rec.ts_recent) < 0)
      return TimeWaitVerdict::kAck;
  }
  // RFC 5961 4.2: a SYN in a synchronized state gets a (challenge) ACK.
  if (seg.has(f::kSyn)) return TimeWaitVerdict::kAck;
  if (seg.has(f::kFin)) {
    // "The only thing that can arrive in this state is a retransmission of
    // the remote FIN. Acknowledge it, and restart the 2 MSL timeout."
    const wire::SeqNumber fin = seg.seq + static_cast<uint32_t>(seg.payload.size());
    if (fin < rec.rcv_nxt) rec.deadline = now + time_wait;
    return TimeWaitVerdict::kAck;
  }
  // An acceptable bare ACK carries nothing to answer.
  if (seg.payload.empty() && seg.seq == rec.rcv_nxt) return TimeWaitVerdict::kDrop;
  return TimeWaitVerdict::kAck;
}

wire::TcpRepr time_wait_ack(const TimeWaitRecord& rec, Instant now) {
  wire::TcpRepr r;
  r.src_port = rec.tuple.local_port;
  r.dst_port = rec.tuple.remote_port;
  r.seq = rec.snd_nxt;
  r.ack = rec.rcv_nxt;
  r.flags = f::kAck;
  r.window = rec.window;
  if (rec.ts_ok) r.options.timestamps = wire::Timestamps{tsval_at(now, rec.ts_offset), rec.ts_recent};
  return r;
}

// Defined here rather than in connection.cpp: everything TIME-WAIT-record
// related stays in this file.
std::optional<TimeWaitRecord> Connection::time_wait_record() const {
  // Only a TIME-WAIT whose app is gone and which owes nothing: the app can
  // no longer read, and the last ACK of the peer's FIN has left.
  if (state_ != State::kTimeWait || !closed_by_app_ || ack_now_ || rst_pending_ ||
      extra_acks_ > 0 || ack_deadline_ != Instant::never())
    return std::nullopt;
  const auto* close = std::get_if<timer::Close>(&timer_);
  if (close == nullptr) return std::nullopt;
  TimeWaitRecord r;
  r.tuple = tuple_;
  r.snd_nxt = snd_.nxt;
  r.rcv_nxt = rcv_.nxt;
  r.window = static_cast<uint16_t>(std::min<uint32_t>(rcv_.wnd >> rcv_.wscale, 0xffff));
  r.ts_ok = ts_ok_;
  r.ts_recent = ts_recent_;
  r.ts_offset = ts_offset_;
  r.deadline = close->expires_at;
  return r;
}

}  // namespace xtcp::tcp
