#include <catch2/catch.hpp>

#include <random>

#include "tcp/syn_cookie.h"

using namespace xtcp::tcp;
using xtcp::wire::IpAddress;
using xtcp::wire::SeqNumber;

namespace {
SecretKey secret() {
  SecretKey s;
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<uint8_t>(0xa5 ^ (i * 13));
  return s;
}
FourTuple tuple() {
  return {IpAddress::v4(10, 77, 0, 2), 80, IpAddress::v4(10, 77, 0, 1), 51000};
}
const SeqNumber kClientIsn(0x12345678);
const Instant kNow = Instant::from_micros(int64_t{1000} * 1'000'000);  // 1000 s
}  // namespace

TEST_CASE("SYN cookie round trip returns the encoded MSS", "[syncookie]") {
  SynCookies sc(secret());
  for (uint16_t mss : {1460, 1400, 536, 9000, 1220}) {
    SeqNumber c = sc.make(tuple(), kClientIsn, mss, kNow);
    auto got = sc.check(tuple(), kClientIsn, c, kNow + Duration::seconds(1));
    REQUIRE(got.has_value());
    CHECK(*got <= mss);  // never more than the peer can take
  }
  CHECK(*sc.check(tuple(), kClientIsn, sc.make(tuple(), kClientIsn, 1460, kNow), kNow) == 1460);
  CHECK(*sc.check(tuple(), kClientIsn, sc.make(tuple(), kClientIsn, 1400, kNow), kNow) == 1380);
  CHECK(*sc.check(tuple(), kClientIsn, sc.make(tuple(), kClientIsn, 100, kNow), kNow) == 256);
}

TEST_CASE("SYN cookie layout follows RFC 4987 section 3.6", "[syncookie]") {
  SynCookies sc(secret());
  uint32_t v = sc.make(tuple(), kClientIsn, 1460, kNow).raw();
  CHECK((v >> 27) == (1000 / 64) % 32);     // counter t mod 32
  CHECK(((v >> 24) & 7) == SynCookies::mss_index(1460));
  CHECK(SynCookies::kMssTable[SynCookies::mss_index(1460)] == 1460);
}

TEST_CASE("SYN cookie rejects other connections and tampering", "[syncookie]") {
  SynCookies sc(secret());
  SeqNumber c = sc.make(tuple(), kClientIsn, 1460, kNow);
  FourTuple t = tuple();
  t.remote_port++;
  CHECK_FALSE(sc.check(t, kClientIsn, c, kNow));
  t = tuple();
  t.remote.bytes[3] = 7;
  CHECK_FALSE(sc.check(t, kClientIsn, c, kNow));
  CHECK_FALSE(sc.check(tuple(), kClientIsn + 1, c, kNow));
  for (int bit = 0; bit < 32; ++bit) {
    SeqNumber flipped(c.raw() ^ (1u << bit));
    INFO("bit " << bit);
    CHECK_FALSE(sc.check(tuple(), kClientIsn, flipped, kNow));
  }
  SecretKey other = secret();
  other[0] ^= 1;
  CHECK_FALSE(SynCookies(other).check(tuple(), kClientIsn, c, kNow));
}

TEST_CASE("SYN cookie expires after max_age periods", "[syncookie]") {
  SynCookies sc(secret());  // 64 s periods, 2 periods of age
  Instant start = Instant::from_micros(int64_t{64} * 1'000'000 * 100);  // a period start
  SeqNumber c = sc.make(tuple(), kClientIsn, 1460, start);
  CHECK(sc.check(tuple(), kClientIsn, c, start + Duration::seconds(191)));
  CHECK_FALSE(sc.check(tuple(), kClientIsn, c, start + Duration::seconds(192)));
  // 32 periods later the 5-bit counter matches again: the MAC, bound to the
  // full counter, still rejects it.
  CHECK_FALSE(sc.check(tuple(), kClientIsn, c, start + Duration::seconds(64 * 32)));
  // A cookie "from the future" (clock went back) is rejected too.
  CHECK_FALSE(sc.check(tuple(), kClientIsn, c, start - Duration::seconds(64)));
}

TEST_CASE("random cookies are not accepted", "[syncookie]") {
  SynCookies sc(secret());
  std::mt19937 rng(7);
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    if (sc.check(tuple(), kClientIsn, SeqNumber(rng()), kNow)) ++accepted;
  }
  // Chance per guess is about 3 / 2^24; 20000 guesses expect 0.004 hits.
  CHECK(accepted == 0);
}
