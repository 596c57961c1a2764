// A greedy sender on an ideal path, for driving congestion control in tests:
// every round trip the whole window is acknowledged, and each ACK lets the
// sender refill the window, so FlightSize after an ACK is cwnd - acked.
#pragma once

#include <cstdint>

#include "tcp/congestion/congestion_control.h"

namespace xtcp::tcp::test {

struct Sim {
  CongestionControl& cc;
  uint32_t mss;
  Duration rtt = Duration::millis(100);
  Instant now = Instant::from_micros(1'000'000);

  // One ACK for `bytes`, from a sender that had filled the window.
  void ack(uint32_t bytes) {
    uint32_t w = cc.cwnd();
    uint32_t flight = w > bytes ? w - bytes : 0;
    cc.on_ack(bytes, flight, rtt, now);
  }

  // One round trip: the window at its start, acknowledged `segs_per_ack`
  // segments at a time, ACKs spread evenly over the RTT.
  void round(uint32_t segs_per_ack = 1) {
    uint32_t segs = cc.cwnd() / mss;
    uint32_t acks = segs / segs_per_ack;
    Instant start = now;
    for (uint32_t i = 0; i < acks; ++i) {
      now = start + rtt * i / acks;
      ack(segs_per_ack * mss);
    }
    now = start + rtt;
  }

  // Slow start, segment by segment, until cwnd reaches `bytes`.
  void grow_to(uint32_t bytes) {
    for (int i = 0; i < 100000 && cc.cwnd() < bytes; ++i) ack(mss);
  }

  // A loss detected by duplicate ACKs with a full window in flight, and its
  // recovery one RTT later.
  void loss_and_recovery() {
    cc.on_enter_recovery(cc.cwnd(), now);
    now = now + rtt;
    cc.on_exit_recovery(now);
  }
};

}  // namespace xtcp::tcp::test
