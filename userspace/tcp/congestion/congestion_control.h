// Congestion control behind one interface, one file per algorithm
// (STYLE.md item 5). Sans-IO: the engine passes `now` and the facts of each
// event; implementations never read a clock.
//
// Units: windows in bytes; the engine's effective MSS (set_mss) is SMSS.
// bytes_in_flight is FlightSize (RFC 5681 section 2): data sent and not yet
// cumulatively acknowledged, measured after this ACK was applied. Growth on
// ACK is skipped while the sender is application-limited, i.e. when
// bytes_in_flight + acked_bytes < cwnd / 2 (the "validated" test of RFC 7661
// section 4.3), so an idle-ish sender does not inflate a window it never used.
//
// The engine calls on_ack only outside recovery. During recovery the engine
// sends by pipe (RFC 6675 section 5) against cwnd(), which on_enter_recovery
// has already set to ssthresh. A non-SACK RFC 6582 engine that wants the
// RFC 5681 section 3.2 inflation adds 3*SMSS plus one SMSS per further
// duplicate ACK on top of cwnd() itself; this module does not inflate.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "tcp/time.h"

namespace xtcp::tcp {

enum class CcAlgorithm : uint8_t { kNewReno, kCubic };

class CongestionControl {
 public:
  virtual ~CongestionControl() = default;
  // New data cumulatively (or newly SACKed) acknowledged outside recovery.
  // rtt: a valid sample for this ACK if any (Karn: none for retransmitted data).
  virtual void on_ack(uint32_t acked_bytes, uint32_t bytes_in_flight, std::optional<Duration> rtt, Instant now) = 0;
  // Loss detected by duplicate ACKs / SACK: entering fast recovery (RFC 5681 3.2, RFC 6675 5).
  virtual void on_enter_recovery(uint32_t bytes_in_flight, Instant now) = 0;
  // Recovery ended (the recovery point was acknowledged): cwnd = ssthresh (RFC 6582 3.2 step 3).
  virtual void on_exit_recovery(Instant now) = 0;
  // Retransmission timeout (RFC 5681 3.1 eq. 4, cwnd = 1 MSS).
  // A further RTO before any new ACK (timer backoff of the same segment) keeps
  // ssthresh (RFC 5681 section 3.1, after equation 4).
  virtual void on_rto(uint32_t bytes_in_flight, Instant now) = 0;
  // Idle restart after an RTO-long idle period (RFC 5681 4.1).
  virtual void on_idle_restart(Instant now) = 0;
  // An RTO that turned out spurious could undo; optional, default no-op.
  // Implementations here restore cwnd and ssthresh from before the first RTO
  // of the episode (the Eifel response, RFC 4015 section 3.2, in its simplest
  // form); a no-op if no RTO happened since the last ACK.
  virtual void on_spurious_rto(Instant /*now*/) {}
  virtual uint32_t cwnd() const = 0;      // bytes
  virtual uint32_t ssthresh() const = 0;  // bytes
  virtual void set_mss(uint32_t mss) = 0; // after the handshake fixes the effective MSS
  // Takes over a live connection from another algorithm (TCP_CONGESTION on
  // an established socket): continue from its window and ssthresh, as Linux
  // keeps snd_cwnd and snd_ssthresh across tcp_reinit_congestion_control;
  // the new algorithm's own history (undo state, epochs) starts empty.
  virtual void resume(uint32_t cwnd, uint32_t ssthresh) = 0;
  virtual const char* name() const = 0;   // "newreno", "cubic"

  // RFC 5681 section 3.1: slow start while cwnd < ssthresh.
  bool in_slow_start() const { return cwnd() < ssthresh(); }
};

// Initial window 10 segments (RFC 6928): min(10*MSS, max(2*MSS, 14600)).
uint32_t initial_window(uint32_t mss);

// ssthresh before any loss: "arbitrarily high" (RFC 5681 section 3.1).
inline constexpr uint32_t kInitialSsthresh = UINT32_MAX;
// cwnd never grows beyond this (1 GiB) so byte arithmetic cannot overflow.
inline constexpr uint32_t kMaxCwnd = 1u << 30;

// mss 0 is treated as 1 so no algorithm divides by zero.
std::unique_ptr<CongestionControl> make_congestion_control(CcAlgorithm, uint32_t mss);
// "newreno" (alias "reno") or "cubic"; nullopt for anything else.
std::optional<CcAlgorithm> parse_cc_algorithm(std::string_view name);
// The name CongestionControl::name() gives for that algorithm.
const char* cc_algorithm_name(CcAlgorithm algo);

}  // namespace xtcp::tcp
