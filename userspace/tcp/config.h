// TcpConfig: every knob of a connection in one aggregate (STYLE.md 14).
// Each member defaults to a named kDefault... constant so callers can write
// `TcpConfig{.no_delay = true}` and everything else stays Linux-like.
#pragma once

#include <cstdint>

#include "tcp/congestion/congestion_control.h"
#include "tcp/time.h"

namespace xtcp::tcp {

// Segment sizes. kDefaultMss fits a 1500-byte Ethernet MTU over IPv4.
inline constexpr uint16_t kDefaultMss = 1460;
// RFC 9293 3.7.1: assume 536 when the peer sends no MSS option.
inline constexpr uint16_t kDefaultPeerMss = 536;
// The smallest peer MSS honoured; below it (an MSS option of 0 .. 47) the
// send MSS is raised to this. 48 = 20 bytes of IPv4 + 20 of TCP + 8 of data,
// the floor Linux also uses against tiny-MSS resource attacks.
inline constexpr uint16_t kMinPeerMss = 48;
inline constexpr uint16_t kDefaultMtu = 1500;

// Buffers (bytes, rounded up to a power of two when the engine allocates).
inline constexpr uint32_t kDefaultRxBufferSize = 1u << 20;
inline constexpr uint32_t kDefaultTxBufferSize = 1u << 20;
// Receive-window auto-tuning: start here, grow up to min(max, rx buffer).
inline constexpr uint32_t kDefaultRxWindowInitial = 64u << 10;
inline constexpr uint32_t kDefaultRxWindowMax = 1u << 20;

inline constexpr uint8_t kDefaultWindowScale = 7;  // RFC 7323 2.3: at most 14
inline constexpr bool kDefaultSack = true;
inline constexpr bool kDefaultTimestamps = true;
inline constexpr CcAlgorithm kDefaultCc = CcAlgorithm::kCubic;

// RFC 6298 (Linux-like minimum of 200 ms instead of 1 s).
inline constexpr Duration kDefaultMinRto = Duration::millis(200);
inline constexpr Duration kDefaultMaxRto = Duration::seconds(120);
inline constexpr Duration kDefaultInitialRto = Duration::seconds(1);

// Delayed ACK (RFC 9293 3.8.6.3 / RFC 1122 4.2.3.2): Linux-like 40 ms.
inline constexpr Duration kDefaultDelayedAck = Duration::millis(40);
// Segments ACKed immediately after the handshake or an idle period.
inline constexpr uint16_t kDefaultQuickAcks = 16;
inline constexpr bool kDefaultNoDelay = false;  // Nagle on (RFC 9293 3.7.4)

// Keepalive (RFC 9293 3.8.4 / RFC 1122 4.2.3.6): off, 2 h idle.
inline constexpr bool kDefaultKeepalive = false;
inline constexpr Duration kDefaultKeepaliveIdle = Duration::seconds(7200);
inline constexpr Duration kDefaultKeepaliveInterval = Duration::seconds(75);
inline constexpr uint8_t kDefaultKeepaliveCount = 9;

// 2*MSL (RFC 9293 3.6.1); Linux uses 60 s.
inline constexpr Duration kDefaultTimeWait = Duration::seconds(60);
inline constexpr Duration kDefaultFinWait2Timeout = Duration::seconds(60);

// Give up after this many RTOs in a row (Linux tcp_retries2 = 15) or, when
// user_timeout is non-zero, once data stays unacknowledged that long.
inline constexpr uint8_t kDefaultMaxRetransmits = 15;
// A connection the app has closed (orphaned: FIN-WAIT-1, CLOSING, LAST-ACK)
// gives up sooner, like Linux's tcp_orphan_retries (0 there means 8): a
// peer that vanished must not hold it for the full 15 (~15 minutes).
inline constexpr uint8_t kDefaultMaxOrphanRetransmits = 8;
inline constexpr Duration kDefaultUserTimeout = Duration::micros(0);
inline constexpr uint8_t kDefaultSynRetries = 6;

// RFC 5961 7: challenge ACKs per connection per second.
inline constexpr uint32_t kDefaultChallengeAckLimit = 100;

// Out-of-order data: held in the receive ring, tracked by at most this many
// disjoint ranges; a segment that would need more is dropped.
inline constexpr uint16_t kDefaultMaxOooRanges = 32;
// SACK scoreboard ranges kept by the sender (hostile SACK blocks are capped).
inline constexpr uint16_t kDefaultMaxSackRanges = 32;

struct TcpConfig {
  uint16_t mss = kDefaultMss;  // our MSS option; the send MSS is clamped to it
  uint16_t mtu = kDefaultMtu;  // clamps mss to mtu - 40 (IPv4) / - 60 (IPv6)
  uint32_t rx_buffer_size = kDefaultRxBufferSize;
  uint32_t tx_buffer_size = kDefaultTxBufferSize;
  uint32_t rx_window_initial = kDefaultRxWindowInitial;
  uint32_t rx_window_max = kDefaultRxWindowMax;
  uint8_t window_scale = kDefaultWindowScale;  // shift we offer
  bool window_scaling = true;
  bool sack = kDefaultSack;
  bool timestamps = kDefaultTimestamps;
  CcAlgorithm cc = kDefaultCc;
  Duration min_rto = kDefaultMinRto;
  Duration max_rto = kDefaultMaxRto;
  Duration initial_rto = kDefaultInitialRto;
  Duration delayed_ack = kDefaultDelayedAck;  // zero disables delayed ACKs
  uint16_t quick_acks = kDefaultQuickAcks;
  bool no_delay = kDefaultNoDelay;
  bool keepalive = kDefaultKeepalive;
  Duration keepalive_idle = kDefaultKeepaliveIdle;
  Duration keepalive_interval = kDefaultKeepaliveInterval;
  uint8_t keepalive_count = kDefaultKeepaliveCount;
  Duration time_wait = kDefaultTimeWait;
  Duration fin_wait2_timeout = kDefaultFinWait2Timeout;
  uint8_t max_retransmits = kDefaultMaxRetransmits;
  uint8_t max_orphan_retransmits = kDefaultMaxOrphanRetransmits;
  Duration user_timeout = kDefaultUserTimeout;
  uint8_t syn_retries = kDefaultSynRetries;
  uint32_t challenge_ack_limit = kDefaultChallengeAckLimit;
  uint16_t max_ooo_ranges = kDefaultMaxOooRanges;
  uint16_t max_sack_ranges = kDefaultMaxSackRanges;
};

}  // namespace xtcp::tcp
