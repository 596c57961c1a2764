// ShardLoop: the thread body around Shard::run_once, with the sleep policy
// (daemon-design.md "Shard loop" step 5):
//   busy      never sleeps (lowest latency, one core per shard);
//   adaptive  busy-polls while passes do work, and after `idle` without
//             work sleeps in ppoll() on the AF_XDP fd, the command eventfd
//             and an optional extra fd (the daemon's epoll of app kick
//             eventfds) until the next timer;
//   interrupt sleeps whenever a pass found nothing to do.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string_view>

#include "stack/event_fd.h"
#include "stack/shard.h"

namespace xtcp::stack {

enum class PollPolicy : uint8_t { kBusy, kAdaptive, kInterrupt };

const char* poll_policy_name(PollPolicy p);  // "busy", "adaptive", "interrupt"
bool parse_poll_policy(std::string_view s, PollPolicy* out);

inline constexpr tcp::Duration kDefaultIdleBeforeSleep = tcp::Duration::micros(200);

struct LoopConfig {
  PollPolicy policy = PollPolicy::kAdaptive;
  tcp::Duration idle = kDefaultIdleBeforeSleep;  // adaptive: busy this long first
  int extra_fd = -1;  // also wakes the loop when readable (-1: none)
  // The owner's work around each pass on the shard's thread (the daemon
  // reads app kicks from extra_fd before, publishes stats after). before
  // returns true if it did work (the pass then counts as busy).
  std::function<bool()> before_pass;
  std::function<void(bool worked)> after_pass;
};

struct LoopStats {
  uint64_t passes = 0;
  uint64_t busy_passes = 0;  // passes that did work
  uint64_t sleeps = 0;
};

class ShardLoop {
 public:
  ShardLoop(Shard& shard, LoopConfig cfg);
  // Runs passes until stop(); call on the shard's thread.
  void run();
  // Any thread: ends run() after its current pass (wakes a sleeping loop).
  void stop();
  // Written by the loop thread; approximate when read from another thread.
  LoopStats stats() const;

 private:
  void sleep_until(tcp::Instant now, tcp::Instant deadline);

  Shard& shard_;
  LoopConfig cfg_;
  EventFd stop_fd_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> passes_{0}, busy_passes_{0}, sleeps_{0};
};

}  // namespace xtcp::stack
