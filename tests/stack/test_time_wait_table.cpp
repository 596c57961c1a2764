// TimeWaitTable: bounded like tcp_max_tw_buckets (overflow counted),
// lookup by tuple, expiry at the deadline, restart after rearm.
#include <catch2/catch.hpp>

#include <vector>

#include "stack/time_wait_table.h"

namespace xtcp::stack {
namespace {

using tcp::Duration;
using tcp::Instant;

Instant ms(int64_t v) { return Instant::from_micros(v * 1000); }

tcp::TimeWaitRecord rec(uint16_t remote_port, Instant deadline) {
  tcp::TimeWaitRecord r;
  r.tuple = {wire::IpAddress::v4(10, 77, 0, 2), 80, wire::IpAddress::v4(10, 77, 0, 1), remote_port};
  r.snd_nxt = wire::SeqNumber{1000u + remote_port};
  r.rcv_nxt = wire::SeqNumber{5000u + remote_port};
  r.deadline = deadline;
  return r;
}

}  // namespace

TEST_CASE("TimeWaitTable: bounded; a full table refuses and counts the overflow", "[time_wait_table]") {
  TimeWaitTable t(4, HashKey{}, ms(0));
  for (uint16_t p = 1; p <= 4; ++p) REQUIRE(t.add(rec(p, ms(60000))));
  CHECK(t.size() == 4);
  CHECK_FALSE(t.add(rec(5, ms(60000))));
  CHECK(t.overflow() == 1);
  CHECK(t.find(rec(5, ms(0)).tuple) == nullptr);
  // A duplicate tuple is refused too, without counting an overflow.
  REQUIRE(t.remove(rec(4, ms(0)).tuple));
  CHECK(t.add(rec(5, ms(60000))));
  CHECK_FALSE(t.add(rec(5, ms(60000))));
  CHECK(t.overflow() == 1);
  CHECK(t.size() == 4);
}

TEST_CASE("TimeWaitTable: capacity 0 holds nothing (TIME-WAIT off)", "[time_wait_table]") {
  TimeWaitTable t(0, HashKey{}, ms(0));
  CHECK_FALSE(t.add(rec(1, ms(1))));
  CHECK(t.overflow() == 1);
  CHECK(t.next_deadline() == Instant::never());
}

TEST_CASE("TimeWaitTable: find returns the record's state; remove frees the slot", "[time_wait_table]") {
  TimeWaitTable t(2, HashKey{}, ms(0));
  REQUIRE(t.add(rec(7, ms(100))));
  const tcp::TimeWaitRecord* r = t.find(rec(7, ms(0)).tuple);
  REQUIRE(r != nullptr);
  CHECK(r->snd_nxt == wire::SeqNumber{1007u});
  CHECK(r->rcv_nxt == wire::SeqNumber{5007u});
  CHECK(t.remove(r->tuple));
  CHECK_FALSE(t.remove(rec(7, ms(0)).tuple));
  CHECK(t.find(rec(7, ms(0)).tuple) == nullptr);
  CHECK(t.next_deadline() == Instant::never());  // its timer went with it
  CHECK(t.expire(ms(1000), [](const tcp::TimeWaitRecord&) { FAIL("a removed record expired"); }) == 0);
}

TEST_CASE("TimeWaitTable: records expire at their deadline, not before, each reported once", "[time_wait_table]") {
  TimeWaitTable t(8, HashKey{}, ms(0));
  REQUIRE(t.add(rec(1, ms(100))));
  REQUIRE(t.add(rec(2, ms(300))));
  REQUIRE(t.add(rec(3, ms(200))));  // out of insertion order
  CHECK(t.next_deadline() <= ms(100));
  std::vector<uint16_t> gone;
  auto note = [&](const tcp::TimeWaitRecord& r) { gone.push_back(r.tuple.remote_port); };
  CHECK(t.expire(ms(99), note) == 0);
  CHECK(t.expire(ms(100), note) == 1);
  CHECK(t.expire(ms(250), note) == 1);
  CHECK(gone == std::vector<uint16_t>{1, 3});
  CHECK(t.find(rec(1, ms(0)).tuple) == nullptr);
  CHECK(t.find(rec(2, ms(0)).tuple) != nullptr);
  CHECK(t.expire(ms(300), note) == 1);
  CHECK(t.size() == 0);
  // Expired slots are free again.
  for (uint16_t p = 10; p < 18; ++p) CHECK(t.add(rec(p, ms(400))));
}

TEST_CASE("TimeWaitTable: a restarted deadline (retransmitted FIN) postpones expiry", "[time_wait_table]") {
  TimeWaitTable t(2, HashKey{}, ms(0));
  REQUIRE(t.add(rec(1, ms(100))));
  tcp::TimeWaitRecord* r = t.find(rec(1, ms(0)).tuple);
  REQUIRE(r != nullptr);
  r->deadline = ms(50) + Duration::millis(100);
  t.rearm(*r);
  size_t n = 0;
  auto count = [&](const tcp::TimeWaitRecord&) { ++n; };
  t.expire(ms(100), count);
  CHECK(n == 0);
  t.expire(ms(150), count);
  CHECK(n == 1);
}

TEST_CASE("TimeWaitTable: many records at capacity, all expire, none leaks", "[time_wait_table]") {
  constexpr uint32_t kCap = 20000;
  TimeWaitTable t(kCap, HashKey{}, ms(0));
  uint32_t added = 0;
  for (uint32_t i = 0; i < kCap + 100; ++i) {
    tcp::TimeWaitRecord r = rec(static_cast<uint16_t>(i), ms(1000 + i % 500));
    r.tuple.remote = wire::IpAddress::v4(10, 78, static_cast<uint8_t>(i >> 16), static_cast<uint8_t>(i >> 8));
    if (t.add(r)) ++added;
  }
  CHECK(added == kCap);
  CHECK(t.overflow() == 100);
  CHECK(t.expire(ms(1499), [](const tcp::TimeWaitRecord&) {}) == kCap);
  CHECK(t.size() == 0);
}

}  // namespace xtcp::stack
