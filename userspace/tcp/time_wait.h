// TIME-WAIT without the connection (as Linux's inet_timewait_sock): once the
// app has closed and nothing is left to send, a connection in TIME-WAIT is
// replaced by this compact record, and segments for its tuple are answered
// from the record alone (RFC 9293 3.10.7.4, Linux tcp_timewait_state_process).
// Sans-IO: the caller owns the table, the clock and the wire.
//
// Choices, where the RFCs leave one:
// * RST with SEG.SEQ = RCV.NXT drops the record (Linux's default; RFC 1337
//   "TIME-WAIT assassination" protection would ignore it). Any other RST
//   is dropped silently: no challenge ACK from a record (no rate limiter
//   to bound it).
// * A SYN reopens the tuple (RFC 6191) when its TSval is newer than
//   TS.Recent (both sides used timestamps), or, without timestamps, when
//   its ISN is beyond RCV.NXT (RFC 9293 3.10.7.4); the same test as
//   Connection::accepts_new_syn. Any other SYN gets an ACK (RFC 5961 4.2).
// * A retransmitted FIN is ACKed and restarts the 2*MSL wait; an acceptable
//   bare ACK is dropped (answering it could ping-pong with a peer that is
//   in TIME-WAIT too); everything else is ACKed (RFC 9293 3.10.7.4 "If a
//   segment is not acceptable, an acknowledgment should be sent", and text
//   is ignored in TIME-WAIT).
#pragma once

#include <cstdint>

#include "tcp/four_tuple.h"
#include "tcp/time.h"
#include "wire/seq.h"
#include "wire/tcp_repr.h"

namespace xtcp::tcp {

struct TimeWaitRecord {
  FourTuple tuple;
  wire::SeqNumber snd_nxt;  // our FIN + 1: the SEQ of every ACK we send
  wire::SeqNumber rcv_nxt;  // the peer's FIN + 1: the ACK we send
  uint16_t window = 0;      // the raw window field we last advertised
  bool ts_ok = false;       // both sides use RFC 7323 timestamps
  uint32_t ts_recent = 0;   // TS.Recent: the TSval we echo
  uint32_t ts_offset = 0;   // our TSval = now in ms + ts_offset
  Instant deadline;         // 2*MSL after entering (or the last FIN)
};

enum class TimeWaitVerdict : uint8_t {
  kDrop,    // nothing to send
  kAck,     // send time_wait_ack()
  kReopen,  // a new SYN may take the tuple: drop the record, give the SYN to a listener
  kClose,   // an acceptable RST: drop the record
};

// What to do with `seg` (already checksummed, for rec.tuple). May restart
// rec.deadline (to now + time_wait) for a retransmitted FIN.
TimeWaitVerdict time_wait_segment(TimeWaitRecord& rec, const wire::TcpRepr& seg, Instant now,
                                  Duration time_wait);

// <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> with the window and timestamps the
// connection would have sent.
wire::TcpRepr time_wait_ack(const TimeWaitRecord& rec, Instant now);

// RFC 7323 timestamp clock: the TSval a connection with `ts_offset` sends.
inline uint32_t tsval_at(Instant now, uint32_t ts_offset) {
  return static_cast<uint32_t>(now.us / 1000) + ts_offset;
}

}  // namespace xtcp::tcp
