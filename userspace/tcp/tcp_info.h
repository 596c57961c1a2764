// Per-connection numbers for `xtcpctl conns` (an `ss -ti` look-alike).
#pragma once

#include <cstdint>

#include "tcp/state.h"
#include "tcp/time.h"

namespace xtcp::tcp {

struct TcpInfo {
  State state = State::kClosed;
  TcpError error = TcpError::kNone;
  Duration srtt, rttvar, rto, min_rtt;
  uint32_t cwnd = 0;       // bytes
  uint32_t ssthresh = 0;   // bytes
  uint32_t bytes_in_flight = 0;
  uint32_t snd_wnd = 0;    // peer's window, scaled
  uint32_t rcv_wnd = 0;    // our advertised window, scaled
  uint16_t snd_mss = 0;    // what we send per segment
  uint16_t rcv_mss = 0;    // what we advertised
  uint8_t snd_wscale = 0;  // peer's shift (applied to its window field)
  uint8_t rcv_wscale = 0;  // our shift
  bool sack = false;
  bool timestamps = false;
  bool in_recovery = false;
  const char* cc = "";
  uint64_t bytes_sent = 0;      // payload bytes sent, retransmissions included
  uint64_t bytes_retrans = 0;
  uint64_t bytes_acked = 0;
  uint64_t bytes_received = 0;  // in-order payload bytes delivered to the ring
  uint64_t segs_out = 0;
  uint64_t segs_in = 0;
  uint64_t retransmits = 0;     // segments retransmitted (any cause)
  uint64_t rto_count = 0;       // retransmission timeouts
  uint64_t spurious_rtos = 0;   // RTOs undone by Eifel detection (RFC 3522)
  uint64_t fast_retransmits = 0;  // recovery episodes (RACK or duplicate ACKs)
  uint64_t tlp_probes = 0;        // RFC 8985 7 tail loss probes sent
  uint64_t rack_reorder_timeouts = 0;  // RFC 8985 6.3 reordering timer expiries
  uint64_t dsacks = 0;            // RFC 2883 D-SACKs received
  uint64_t challenge_acks = 0;  // RFC 5961 challenge ACKs sent
  uint64_t dropped_segments = 0;  // unacceptable / PAWS / out-of-window / no range
  // Bounded state (hardening): out-of-order ranges held by the receiver, the
  // reassembler's work so far (ranges visited or moved) and the sender's
  // SACK scoreboard ranges.
  uint32_t ooo_ranges = 0;
  uint64_t reassembly_steps = 0;
  uint32_t sack_ranges = 0;
};

}  // namespace xtcp::tcp
