// SYN cookies (RFC 4987 section 3.6): under a SYN flood the listener answers
// with a SYN-ACK whose ISN encodes what it would have stored, and keeps no
// state until the final ACK returns the cookie. Layout of the 32-bit ISN:
//   bits 31..27  t mod 32, a counter advancing every `period` (64 s default)
//   bits 26..24  index of the peer's MSS in kMssTable (rounded down)
//   bits 23..0   SipHash-2-4(secret; four-tuple, t, client ISN, index)
// Options other than MSS (window scale, SACK, timestamps) are not encoded;
// a connection completed from a cookie runs without them.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "tcp/four_tuple.h"
#include "tcp/isn.h"
#include "tcp/siphash.h"
#include "tcp/time.h"
#include "wire/seq.h"

namespace xtcp::tcp {

struct SynCookieConfig {
  static constexpr Duration kDefaultPeriod = Duration::seconds(64);
  static constexpr uint32_t kDefaultMaxAgePeriods = 2;

  Duration period = kDefaultPeriod;
  // A cookie from counter value c is accepted while now's counter - c is at
  // most this: with the defaults a cookie lives 2 to 3 periods (128-192 s).
  uint32_t max_age_periods = kDefaultMaxAgePeriods;
  // Cookie SYN-ACKs a listener sends per second at most (a token bucket
  // holding a tenth of a second's worth); 0: no limit. A spoofed flood
  // then costs a bounded transmit rate and established connections keep
  // their share of the shard, while real clients still get a cookie (or
  // one on their SYN retry). Linux sends one per SYN; on a small box the
  // replies alone can starve the shard.
  static constexpr uint32_t kDefaultMaxPerSecond = 20000;
  uint32_t max_per_second = kDefaultMaxPerSecond;
};

class SynCookies {
 public:
  // Ascending; an MSS is encoded as the largest entry not above it.
  static constexpr std::array<uint16_t, 8> kMssTable = {256, 536, 1220, 1300,
                                                        1380, 1440, 1460, 8960};

  explicit SynCookies(const SecretKey& secret, SynCookieConfig config = {});

  // The ISN for our SYN-ACK. client_isn is the SYN's sequence number and
  // peer_mss the MSS option it carried (536 if none, RFC 9293 3.7.1).
  wire::SeqNumber make(const FourTuple& tuple, wire::SeqNumber client_isn,
                       uint16_t peer_mss, Instant now) const;

  // Checks the ACK that completes the handshake: pass client_isn = SEG.SEQ - 1
  // and cookie = SEG.ACK - 1. Returns the MSS to use, or nullopt if the cookie
  // is forged, for another connection, or too old.
  std::optional<uint16_t> check(const FourTuple& tuple, wire::SeqNumber client_isn,
                                wire::SeqNumber cookie, Instant now) const;

  static uint8_t mss_index(uint16_t peer_mss);
  const SynCookieConfig& config() const { return config_; }

 private:
  uint64_t counter(Instant now) const;
  uint32_t mac(const FourTuple& tuple, uint64_t count, wire::SeqNumber client_isn,
               uint8_t mss_idx) const;

  SipKey key_;
  SynCookieConfig config_;
};

}  // namespace xtcp::tcp
