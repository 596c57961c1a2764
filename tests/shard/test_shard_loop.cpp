// ShardLoop on a real thread and clock: commands posted from another thread
// wake a sleeping loop; an idle loop sleeps instead of spinning; busy never
// sleeps; stop() ends run() promptly in every policy.
#include <catch2/catch.hpp>

#include <poll.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "shard/shard_harness.h"
#include "stack/shard_loop.h"

using namespace xtcp::shard_test;
using namespace xtcp;

namespace {

tcp::Instant steady_now() {
  using namespace std::chrono;
  return tcp::Instant::from_micros(
      duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count());
}

struct CountingEvents : ShardEvents {
  std::atomic<int> done{0};
  std::atomic<int> last_err{1};
  void on_command_done(uint64_t, int err, ConnId) override {
    last_err = err;
    ++done;
  }
};

// A 16-connection shard over memory I/O, on the real clock.
struct LoopShard {
  MemoryPacketIo io;
  StaticNeighbours neigh;
  NoSteering steering;
  HeapConnectionMemory mem{1 << 16, 1 << 16};
  CountingEvents events;
  Shard shard{ShardConfig{.max_connections = 16},
              ShardDeps{io, neigh, steering, mem, events, steady_now}};
};

}  // namespace

TEST_CASE("poll policy names parse both ways", "[shard][loop]") {
  for (PollPolicy p : {PollPolicy::kBusy, PollPolicy::kAdaptive, PollPolicy::kInterrupt}) {
    PollPolicy q{};
    REQUIRE(parse_poll_policy(poll_policy_name(p), &q));
    CHECK(q == p);
  }
  PollPolicy q{};
  CHECK_FALSE(parse_poll_policy("sometimes", &q));
}

TEST_CASE("the loop sleeps when idle and wakes for posted commands", "[shard][loop]") {
  const PollPolicy policy = GENERATE(PollPolicy::kBusy, PollPolicy::kAdaptive, PollPolicy::kInterrupt);
  DYNAMIC_SECTION(poll_policy_name(policy)) {
    LoopShard s;
    Shard& shard = s.shard;
    CountingEvents& events = s.events;
    REQUIRE(shard.command_fd() >= 0);
    ShardLoop loop(shard, LoopConfig{.policy = policy, .idle = tcp::Duration::micros(500)});
    std::thread t([&] { loop.run(); });

    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const LoopStats idle = loop.stats();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const LoopStats later = loop.stats();
    REQUIRE(shard.post(Command{.kind = CommandKind::kListen, .local = IpAddress{}, .local_port = 80}));
    const auto t0 = std::chrono::steady_clock::now();
    while (events.done.load() == 0 && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2))
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    const auto waited = std::chrono::steady_clock::now() - t0;
    loop.stop();
    t.join();  // stop() must end run() even from a sleep with no deadline

    CHECK(events.done.load() == 1);
    CHECK(events.last_err.load() == 0);
    CHECK(waited < std::chrono::milliseconds(500));
    INFO("passes " << idle.passes << " then " << later.passes << ", sleeps " << idle.sleeps);
    if (policy == PollPolicy::kBusy) {
      CHECK(idle.sleeps == 0);
      CHECK(later.passes > idle.passes);  // still spinning
    } else {
      // Idle with no timers: asleep in ppoll, not one pass in 50 ms.
      CHECK(idle.sleeps >= 1);
      CHECK(later.passes == idle.passes);
    }
  }
}

// The loop clears the command eventfd only right before it sleeps
// (Shard::prepare_sleep), never in run_once: a command queued before or
// after the clear must keep the loop awake (the lost-wake-up race of
// test_shard_forward, made deterministic on one thread).
TEST_CASE("prepare_sleep refuses to sleep on a queued command and re-arms the eventfd",
          "[shard][loop]") {
  LoopShard s;
  Shard& shard = s.shard;
  REQUIRE(shard.command_fd() >= 0);
  auto readable = [&] {
    pollfd p{shard.command_fd(), POLLIN, 0};
    return poll(&p, 1, 0) == 1;
  };
  const Command kick{.kind = CommandKind::kKick};

  CHECK(shard.prepare_sleep());  // nothing queued
  CHECK_FALSE(readable());

  REQUIRE(shard.post(kick));  // queued before the clear: seen after it
  CHECK(readable());
  CHECK_FALSE(shard.prepare_sleep());
  CHECK_FALSE(readable());  // cleared, and the queue still holds the command
  shard.run_once(steady_now());
  CHECK(shard.prepare_sleep());

  REQUIRE(shard.post(kick));  // queued after the clear: the eventfd wakes the sleep
  CHECK(readable());
  shard.run_once(steady_now());
  CHECK(readable());  // run_once leaves the eventfd alone
  CHECK(shard.prepare_sleep());
  CHECK_FALSE(readable());
}
