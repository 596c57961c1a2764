#include "tcp/isn.h"

#include <cstring>

namespace xtcp::tcp {

size_t four_tuple_bytes(const FourTuple& t, uint8_t out[40]) {
  size_t n = 0;
  out[n++] = static_cast<uint8_t>(t.local.family);
  std::memcpy(out + n, t.local.bytes.data(), t.local.size());
  n += t.local.size();
  out[n++] = static_cast<uint8_t>(t.local_port >> 8);
  out[n++] = static_cast<uint8_t>(t.local_port);
  out[n++] = static_cast<uint8_t>(t.remote.family);
  std::memcpy(out + n, t.remote.bytes.data(), t.remote.size());
  n += t.remote.size();
  out[n++] = static_cast<uint8_t>(t.remote_port >> 8);
  out[n++] = static_cast<uint8_t>(t.remote_port);
  return n;
}

IsnGenerator::IsnGenerator(const SecretKey& secret) : key_(SipKey::from_bytes(secret.data())) {}

uint32_t IsnGenerator::timer_ticks(Instant now) {
  // RFC 6528 section 3: M ticks every 4 µs. Wrapping mod 2^32 is intended.
  return static_cast<uint32_t>(static_cast<uint64_t>(now.us) / 4);
}

uint32_t IsnGenerator::offset(const FourTuple& tuple) const {
  uint8_t buf[40];
  size_t n = four_tuple_bytes(tuple, buf);
  return static_cast<uint32_t>(siphash24(key_, buf, n));
}

wire::SeqNumber IsnGenerator::isn(const FourTuple& tuple, Instant now) const {
  return wire::SeqNumber(timer_ticks(now) + offset(tuple));
}

}  // namespace xtcp::tcp
