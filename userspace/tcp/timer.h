// Timers as data (STYLE.md 4): one variant for the mutually exclusive
// per-connection timer, its deadline feeding poll_at(). The delayed-ACK
// deadline is separate because it runs alongside any of these.
#pragma once

#include <cstdint>
#include <variant>

#include "tcp/time.h"

namespace xtcp::tcp {

namespace timer {
// Nothing outstanding; keepalive_at is never() unless keepalive is on.
struct Idle {
  Instant keepalive_at = Instant::never();
  uint8_t probes_sent = 0;
};
// Data or SYN/FIN in flight: the RFC 6298 RTO, or one of RACK-TLP's
// timers that replace it for a while (RFC 8985 6.3 reordering timer, 7.2
// probe timeout); the RTO stays the last resort behind both.
struct Retransmit {
  enum class Kind : uint8_t { kRto, kProbe, kReorder };
  Instant expires_at;
  Kind kind = Kind::kRto;
};
// RFC 9293 3.8.6.1: peer window is zero while we have data to send.
struct Persist {
  Instant expires_at;
  Duration interval;
};
// TIME_WAIT (2*MSL) or the FIN_WAIT_2 timeout.
struct Close {
  Instant expires_at;
};
}  // namespace timer

using Timer = std::variant<timer::Idle, timer::Retransmit, timer::Persist, timer::Close>;

inline Instant timer_deadline(const Timer& t) {
  struct {
    Instant operator()(const timer::Idle& x) const { return x.keepalive_at; }
    Instant operator()(const timer::Retransmit& x) const { return x.expires_at; }
    Instant operator()(const timer::Persist& x) const { return x.expires_at; }
    Instant operator()(const timer::Close& x) const { return x.expires_at; }
  } v;
  return std::visit(v, t);
}

}  // namespace xtcp::tcp
