#include <catch2/catch.hpp>

#include <numeric>

#include "tcp/isn.h"
#include "tcp/siphash.h"

using namespace xtcp::tcp;
using xtcp::wire::IpAddress;

namespace {
SipKey paper_key() {
  uint8_t k[16];
  std::iota(k, k + 16, 0);  // 00 01 .. 0f, the key of the paper's appendix A
  return SipKey::from_bytes(k);
}

SecretKey secret(uint8_t seed) {
  SecretKey s;
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<uint8_t>(seed * 31 + i * 7);
  return s;
}

FourTuple tuple() {
  return {IpAddress::v4(10, 77, 0, 2), 5201, IpAddress::v4(10, 77, 0, 1), 40000};
}
}  // namespace

TEST_CASE("SipHash-2-4 matches the paper's test vector", "[siphash]") {
  uint8_t msg[15];
  std::iota(msg, msg + 15, 0);  // 00 01 .. 0e
  CHECK(siphash24(paper_key(), msg, 15) == 0xa129ca6149be45e5ULL);
}

TEST_CASE("SipHash-2-4 key layout and message lengths", "[siphash]") {
  SipKey k = paper_key();
  CHECK(k.k0 == 0x0706050403020100ULL);
  CHECK(k.k1 == 0x0f0e0d0c0b0a0908ULL);
  // The reference implementation's vector for the empty message.
  CHECK(siphash24(k, nullptr, 0) == 0x726fdb47dd0e0e31ULL);
  // Lengths differing only by trailing zero bytes hash differently (the
  // length byte of the last word).
  uint8_t z[16] = {};
  CHECK(siphash24(k, z, 7) != siphash24(k, z, 8));
  CHECK(siphash24(k, z, 8) != siphash24(k, z, 16));
  SipKey other = k;
  other.k1 ^= 1;
  uint8_t msg[15];
  std::iota(msg, msg + 15, 0);
  CHECK(siphash24(other, msg, 15) != 0xa129ca6149be45e5ULL);
}

TEST_CASE("ISN: same inputs give the same output", "[isn]") {
  IsnGenerator a(secret(1)), b(secret(1));
  Instant now = Instant::from_micros(123456789);
  CHECK(a.isn(tuple(), now) == b.isn(tuple(), now));
}

TEST_CASE("ISN: F is SipHash-2-4 of the four-tuple under the secret", "[isn]") {
  IsnGenerator g(secret(3));
  // Serialization written out by hand: family, local ip, local port (BE),
  // family, remote ip, remote port (BE).
  uint8_t bytes[] = {2, 10, 77, 0, 2, 0x14, 0x51, 2, 10, 77, 0, 1, 0x9c, 0x40};
  SecretKey s = secret(3);
  uint32_t f = static_cast<uint32_t>(siphash24(SipKey::from_bytes(s.data()), bytes, sizeof bytes));
  CHECK(g.offset(tuple()) == f);
  CHECK(g.isn(tuple(), Instant::from_micros(4000)).raw() == f + 1000);
}

TEST_CASE("ISN differs per tuple and per secret", "[isn]") {
  IsnGenerator g(secret(1));
  Instant now = Instant::from_micros(1'000'000);
  auto base = g.isn(tuple(), now);
  FourTuple t = tuple();
  t.local_port++;
  CHECK(g.isn(t, now) != base);
  t = tuple();
  t.remote_port++;
  CHECK(g.isn(t, now) != base);
  t = tuple();
  t.local.bytes[3] = 3;
  CHECK(g.isn(t, now) != base);
  t = tuple();
  t.remote.bytes[3] = 9;
  CHECK(g.isn(t, now) != base);
  // Swapping the ends is a different connection.
  t = {tuple().remote, tuple().remote_port, tuple().local, tuple().local_port};
  CHECK(g.isn(t, now) != base);
  // The same leading bytes as IPv6 are a different address.
  t = tuple();
  t.local.family = xtcp::wire::IpFamily::kV6;
  CHECK(g.isn(t, now) != base);
  IsnGenerator other(secret(2));
  CHECK(other.isn(tuple(), now) != base);
}

TEST_CASE("ISN advances one per 4 microseconds (RFC 6528 M)", "[isn]") {
  IsnGenerator g(secret(1));
  Instant t0 = Instant::from_micros(4'000'000);
  auto s0 = g.isn(tuple(), t0);
  CHECK(g.isn(tuple(), t0 + Duration::micros(3)) == s0);
  CHECK(g.isn(tuple(), t0 + Duration::micros(4)) - s0 == 1);
  CHECK(g.isn(tuple(), t0 + Duration::millis(1)) - s0 == 250);
  CHECK(g.isn(tuple(), t0 + Duration::seconds(1)) - s0 == 250000);
  CHECK(IsnGenerator::timer_ticks(t0) == 1'000'000u);
  // The timer wraps modulo 2^32 (every 4.77 hours) without trouble.
  Instant late = Instant::from_micros(int64_t{4} * 0xFFFFFFFFLL);
  CHECK(IsnGenerator::timer_ticks(late) == 0xFFFFFFFFu);
  CHECK(IsnGenerator::timer_ticks(late + Duration::micros(4)) == 0u);
  CHECK(g.isn(tuple(), late + Duration::micros(4)) - g.isn(tuple(), late) == 1);
}
