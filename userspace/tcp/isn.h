// Initial sequence numbers, RFC 6528 section 3:
//   ISN = M + F(localip, localport, remoteip, remoteport, secretkey)
// M is a timer ticking every 4 µs, taken from the `now` the caller passes;
// F is SipHash-2-4 keyed with a 128-bit secret chosen at construction (the
// daemon draws it from getrandom; tests pass a fixed one).
#pragma once

#include <array>
#include <cstdint>

#include "tcp/four_tuple.h"
#include "tcp/siphash.h"
#include "tcp/time.h"
#include "wire/seq.h"

namespace xtcp::tcp {

using SecretKey = std::array<uint8_t, 16>;

// Serializes a four-tuple for hashing: family, local address and port,
// remote address and port (ports big-endian). Returns the length used.
size_t four_tuple_bytes(const FourTuple& t, uint8_t out[40]);

class IsnGenerator {
 public:
  explicit IsnGenerator(const SecretKey& secret);

  wire::SeqNumber isn(const FourTuple& tuple, Instant now) const;

  // The two terms, exposed so tests can check each on its own.
  static uint32_t timer_ticks(Instant now);  // M: now / 4 µs, mod 2^32
  uint32_t offset(const FourTuple& tuple) const;  // F

 private:
  SipKey key_;
};

}  // namespace xtcp::tcp
