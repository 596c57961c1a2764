// SPSC ring and MPSC queue: capacity and FIFO on one thread, then real
// producer/consumer threads with order and checksum checks. Loops are
// bounded in count and in wall time (a stuck ring fails, it does not hang).
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "stack/mpsc_queue.h"
#include "stack/spsc_ring.h"

namespace xtcp::stack {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kTimeLimit = std::chrono::seconds(60);

TEST_CASE("spsc ring: capacity, full, empty, FIFO, move-only values", "[ring]") {
  SpscRing<std::unique_ptr<int>> r(5);
  REQUIRE(r.capacity() == 8);
  for (int i = 0; i < 8; ++i) REQUIRE(r.try_push(std::make_unique<int>(i)));
  auto extra = std::make_unique<int>(8);
  CHECK_FALSE(r.try_push(std::move(extra)));
  REQUIRE(extra);  // untouched when full
  CHECK(r.size_approx() == 8);
  std::unique_ptr<int> out;
  for (int lap = 0; lap < 3; ++lap) {  // wrap around several times
    for (int i = 0; i < 8; ++i) {
      REQUIRE(r.try_pop(out));
      REQUIRE(*out == lap * 8 + i);
      REQUIRE(r.try_push(std::make_unique<int>((lap + 1) * 8 + i)));
    }
  }
  for (int i = 0; i < 8; ++i) REQUIRE(r.try_pop(out));
  CHECK_FALSE(r.try_pop(out));
}

TEST_CASE("mpsc queue: capacity, full, empty, FIFO on one thread", "[ring]") {
  MpscQueue<uint64_t> q(4);
  REQUIRE(q.capacity() == 4);
  uint64_t v = 0;
  CHECK_FALSE(q.try_pop(v));
  for (uint64_t lap = 0; lap < 5; ++lap) {
    for (uint64_t i = 0; i < 4; ++i) REQUIRE(q.try_push(lap * 10 + i));
    CHECK_FALSE(q.try_push(uint64_t{99}));
    for (uint64_t i = 0; i < 4; ++i) {
      REQUIRE(q.try_pop(v));
      REQUIRE(v == lap * 10 + i);
    }
    CHECK_FALSE(q.try_pop(v));
  }
}

// A message big enough that a torn read would show: every word carries the
// sequence number.
struct Msg {
  uint64_t seq = 0;
  uint64_t words[7] = {};
  static Msg make(uint64_t s) {
    Msg m;
    m.seq = s;
    for (auto& w : m.words) w = s * 0x9e3779b97f4a7c15ULL;
    return m;
  }
  bool intact() const {
    for (auto w : words)
      if (w != seq * 0x9e3779b97f4a7c15ULL) return false;
    return true;
  }
};

TEST_CASE("spsc ring: two threads, every message once, in order, intact", "[ring][threads]") {
  constexpr uint64_t kCount = 300'000;
  SpscRing<Msg> r(64);
  const auto deadline = Clock::now() + kTimeLimit;
  std::atomic<bool> timed_out{false};
  std::thread producer([&] {
    for (uint64_t s = 1; s <= kCount;) {
      if (r.try_push(Msg::make(s))) {
        ++s;
      } else {
        if (Clock::now() > deadline) {
          timed_out = true;
          return;
        }
        std::this_thread::yield();
      }
    }
  });
  uint64_t expected = 1, sum = 0;
  bool order_ok = true, intact = true;
  Msg m;
  while (expected <= kCount && Clock::now() < deadline && !timed_out) {
    if (!r.try_pop(m)) {
      std::this_thread::yield();
      continue;
    }
    order_ok &= m.seq == expected;
    intact &= m.intact();
    sum += m.seq;
    ++expected;
  }
  producer.join();
  REQUIRE_FALSE(timed_out);
  CHECK(expected == kCount + 1);
  CHECK(order_ok);
  CHECK(intact);
  CHECK(sum == kCount * (kCount + 1) / 2);
  CHECK_FALSE(r.try_pop(m));
}

TEST_CASE("mpsc queue: three producers, one consumer, per-producer order, checksum", "[ring][threads]") {
  constexpr uint64_t kProducers = 3;
  constexpr uint64_t kPerProducer = 100'000;
  MpscQueue<Msg> q(128);
  const auto deadline = Clock::now() + kTimeLimit;
  std::atomic<bool> timed_out{false};
  std::vector<std::thread> producers;
  for (uint64_t p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (uint64_t i = 1; i <= kPerProducer;) {
        if (q.try_push(Msg::make(p << 32 | i))) {
          ++i;
        } else {
          if (Clock::now() > deadline) {
            timed_out = true;
            return;
          }
          std::this_thread::yield();
        }
      }
    });
  }
  uint64_t last[kProducers] = {};
  uint64_t received = 0, sum = 0;
  bool order_ok = true, intact = true;
  Msg m;
  while (received < kProducers * kPerProducer && Clock::now() < deadline && !timed_out) {
    if (!q.try_pop(m)) {
      std::this_thread::yield();
      continue;
    }
    const uint64_t p = m.seq >> 32, i = m.seq & 0xffffffff;
    order_ok &= p < kProducers && i == last[p] + 1;
    if (p < kProducers) last[p] = i;
    intact &= m.intact();
    sum += i;
    ++received;
  }
  for (auto& t : producers) t.join();
  REQUIRE_FALSE(timed_out);
  CHECK(received == kProducers * kPerProducer);
  CHECK(order_ok);
  CHECK(intact);
  CHECK(sum == kProducers * kPerProducer * (kPerProducer + 1) / 2);
  CHECK_FALSE(q.try_pop(m));
}

}  // namespace
}  // namespace xtcp::stack
