// TimerWheel against a reference list of deadlines: never early, at most
// one tick late, cancel and re-arm honoured, far-future deadlines, and a
// next_deadline() that is never after the next firing.
#include <catch2/catch.hpp>

#include <algorithm>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <vector>

#include "stack/timer_wheel.h"

namespace xtcp::stack {
namespace {

using tcp::Duration;
using tcp::Instant;

struct Entry : TimerHandle {
  size_t id = 0;
};

Instant at_ms(int64_t ms) { return Instant::from_micros(ms * 1000); }

TEST_CASE("timer wheel: fires at the deadline's tick, not before", "[timer]") {
  TimerWheel w(Instant::from_micros(0));
  Entry a;
  w.arm(a, Instant::from_micros(2'500));  // 2.5 ms: due in tick 3
  CHECK(a.armed());
  CHECK(w.next_deadline() == at_ms(3));
  int fired = 0;
  auto count = [&](TimerHandle&) { ++fired; };
  CHECK(w.advance(Instant::from_micros(2'499), count) == 0);
  CHECK(w.advance(Instant::from_micros(2'999), count) == 0);  // not yet a whole tick past
  CHECK(w.advance(at_ms(3), count) == 1);
  CHECK(fired == 1);
  CHECK_FALSE(a.armed());
  CHECK(w.size() == 0);
  CHECK(w.next_deadline() == Instant::never());
}

TEST_CASE("timer wheel: cancel, re-arm and destruction of armed handles", "[timer]") {
  TimerWheel w(at_ms(100));
  auto a = std::make_unique<Entry>();
  Entry b;
  w.arm(*a, at_ms(110));
  w.arm(b, at_ms(120));
  CHECK(w.size() == 2);
  w.arm(b, at_ms(105));  // re-arm earlier
  CHECK(w.size() == 2);
  CHECK(w.next_deadline() == at_ms(105));
  w.cancel(b);
  w.cancel(b);  // idempotent
  CHECK(w.size() == 1);
  a.reset();  // destroying an armed handle cancels it
  CHECK(w.size() == 0);
  int fired = 0;
  CHECK(w.advance(at_ms(10'000), [&](TimerHandle&) { ++fired; }) == 0);
  CHECK(fired == 0);
  w.arm(b, Instant::never());  // never() means disarmed
  CHECK_FALSE(b.armed());

  // Moving a handle to another wheel leaves nothing behind on the first.
  TimerWheel other(at_ms(100));
  w.arm(b, at_ms(20'000));
  other.arm(b, at_ms(20'000));
  CHECK(w.size() == 0);
  CHECK(w.next_deadline() == Instant::never());
  CHECK(other.size() == 1);
  CHECK(w.advance(at_ms(30'000), [&](TimerHandle&) { ++fired; }) == 0);
  CHECK(other.advance(at_ms(30'000), [&](TimerHandle&) { ++fired; }) == 1);
}

TEST_CASE("timer wheel: deadlines in the past fire on the next advance", "[timer]") {
  TimerWheel w(at_ms(50));
  Entry a, b;
  w.advance(at_ms(60), [](TimerHandle&) {});
  w.arm(a, at_ms(10));  // before the wheel's start
  w.arm(b, at_ms(59));
  CHECK(w.next_deadline() <= at_ms(60));
  std::vector<TimerHandle*> got;
  CHECK(w.advance(at_ms(60), [&](TimerHandle& h) { got.push_back(&h); }) == 2);
  CHECK(got.size() == 2);
}

TEST_CASE("timer wheel: far-future deadlines cascade down and fire on time", "[timer]") {
  const Instant start = at_ms(1'000);
  TimerWheel w(start);
  const Duration day = Duration::seconds(86'400);
  std::vector<Instant> deadlines = {start + day * 40, start + Duration::seconds(3'600) + Duration::micros(1),
                                    start + day * 365 * 20, start + Duration::millis(64 * 64 * 64 + 7)};
  std::vector<Entry> e(deadlines.size());
  for (size_t i = 0; i < e.size(); ++i) {
    e[i].id = i;
    w.arm(e[i], deadlines[i]);
  }
  // Walk the clock in big strides, then fine steps near each deadline.
  std::vector<bool> fired(e.size(), false);
  Instant now = start;
  std::vector<Instant> sorted = deadlines;
  std::sort(sorted.begin(), sorted.end());
  size_t wakeups = 0;
  for (Instant d : sorted) {
    // Sleep as the shard would: to next_deadline(), never past a firing.
    while (w.next_deadline() < d - Duration::millis(2)) {
      now = std::max(now, w.next_deadline());
      REQUIRE(w.advance(now, [](TimerHandle&) { FAIL("fired early"); }) == 0);
      REQUIRE(++wakeups < 1000);
    }
    now = d - Duration::millis(2);
    REQUIRE(w.advance(now, [](TimerHandle&) { FAIL("fired early"); }) == 0);
    for (int step = 0; step < 4000 && w.size() > 0; ++step) {
      now = now + Duration::micros(250);
      const size_t n = w.advance(now, [&](TimerHandle& h) {
        auto& x = static_cast<Entry&>(h);
        REQUIRE(now >= deadlines[x.id]);
        REQUIRE(now < deadlines[x.id] + w.resolution() + Duration::micros(250));
        fired[x.id] = true;
      });
      if (n) break;
    }
  }
  for (size_t i = 0; i < e.size(); ++i) CHECK(fired[i]);
  CHECK(w.size() == 0);
  // A cascade wakeup costs at most one per level per timer: a handful.
  CHECK(wakeups < 40);
}

TEST_CASE("timer wheel: deadlines near Instant::never() do not overflow", "[timer]") {
  TimerWheel w(Instant::from_micros(0), Duration::micros(7));
  Entry a;
  const Instant late = Instant::from_micros(std::numeric_limits<int64_t>::max() - 3);
  w.arm(a, late);
  CHECK(a.armed());
  CHECK(w.next_deadline() <= late + Duration::micros(3));
  CHECK(w.advance(Instant::from_micros(std::numeric_limits<int64_t>::max() / 2), [](TimerHandle&) {}) == 0);
  CHECK(a.armed());
}

// The reference: per entry an optional deadline. Operations: arm (near,
// medium, far, past), re-arm, cancel, advance by small or huge steps, and
// callbacks that re-arm their own or cancel other timers.
TEST_CASE("timer wheel matches a reference under random operations", "[timer]") {
  const auto seed = GENERATE(31u, 32u, 33u);
  const int64_t res_us = GENERATE(1'000, 250);
  std::mt19937_64 rng(seed);
  const Duration res = Duration::micros(res_us);
  const Instant start = Instant::from_micros(123'456);
  TimerWheel w(start, res);
  constexpr size_t kN = 400;
  std::vector<Entry> e(kN);
  std::vector<std::optional<Instant>> ref(kN);
  for (size_t i = 0; i < kN; ++i) e[i].id = i;
  Instant now = start;

  auto random_deadline = [&]() {
    switch (rng() % 10) {
      case 0: return now - Duration::micros(static_cast<int64_t>(rng() % 5'000));  // past
      case 1: return now + Duration::micros(static_cast<int64_t>(rng() % 10'000'000'000));  // hours
      case 2: return now + Duration::micros(static_cast<int64_t>(rng() % 200'000'000));  // minutes
      default: return now + Duration::micros(static_cast<int64_t>(rng() % 300'000));  // RTO-ish
    }
  };
  auto arm = [&](size_t i) {
    const Instant d = random_deadline();
    w.arm(e[i], d);
    ref[i] = d;
  };

  size_t total_fired = 0;
  for (int op = 0; op < 30'000; ++op) {
    const size_t i = rng() % kN;
    const unsigned dice = static_cast<unsigned>(rng() % 100);
    if (dice < 40) {
      arm(i);
    } else if (dice < 55) {
      w.cancel(e[i]);
      ref[i].reset();
    } else {
      // Mostly small steps; sometimes a long sleep or a jump to the
      // wheel's own next deadline.
      const unsigned kind = static_cast<unsigned>(rng() % 20);
      Instant next = now + Duration::micros(static_cast<int64_t>(rng() % 3'000));
      if (kind == 0) next = now + Duration::micros(static_cast<int64_t>(rng() % 4'000'000'000));
      if (kind == 1 && w.next_deadline() != Instant::never()) next = std::max(now, w.next_deadline());
      // Nothing may fire strictly before next_deadline().
      const Instant nd = w.next_deadline();
      if (nd > now && nd != Instant::never() && next >= nd) {
        REQUIRE(w.advance(nd - Duration::micros(1), [](TimerHandle&) { FAIL("fired before next_deadline"); }) == 0);
      }
      now = next;
      total_fired += w.advance(now, [&](TimerHandle& h) {
        auto& x = static_cast<Entry&>(h);
        REQUIRE(ref[x.id].has_value());
        REQUIRE(*ref[x.id] <= now);  // never early
        REQUIRE_FALSE(x.armed());
        ref[x.id].reset();
        const unsigned act = static_cast<unsigned>(rng() % 8);
        if (act == 0) arm(x.id);  // re-arm itself (may be in the past)
        if (act == 1) {           // cancel someone else
          const size_t j = rng() % kN;
          w.cancel(e[j]);
          ref[j].reset();
        }
      });
      // At most one tick late: anything due a whole tick ago has fired,
      // except timers armed into the past by a callback during this
      // advance, which fire on the next one (checked after it).
      for (size_t j = 0; j < kN; ++j) {
        if (!ref[j] || e[j].deadline() != *ref[j]) continue;
        if (*ref[j] + res <= now) {
          // Allowed only if it sits in the "due" list: one more advance at
          // the same instant must fire it.
          bool fired_now = false;
          w.advance(now, [&](TimerHandle& h) {
            auto& x = static_cast<Entry&>(h);
            REQUIRE(ref[x.id].has_value());
            REQUIRE(*ref[x.id] <= now);
            ref[x.id].reset();
            if (x.id == j) fired_now = true;
          });
          REQUIRE(fired_now);
        }
      }
    }
    size_t armed = 0;
    for (size_t j = 0; j < kN; ++j) {
      REQUIRE(e[j].armed() == ref[j].has_value());
      armed += ref[j].has_value();
    }
    REQUIRE(w.size() == armed);
    if (armed == 0) REQUIRE(w.next_deadline() == Instant::never());
  }
  CHECK(total_fired > 5'000);
}

}  // namespace
}  // namespace xtcp::stack
