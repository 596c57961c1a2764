#include "stack/shard_loop.h"

#include <poll.h>

#include <ctime>

namespace xtcp::stack {

const char* poll_policy_name(PollPolicy p) {
  switch (p) {
    case PollPolicy::kBusy: return "busy";
    case PollPolicy::kAdaptive: return "adaptive";
    case PollPolicy::kInterrupt: return "interrupt";
  }
  return "?";
}

bool parse_poll_policy(std::string_view s, PollPolicy* out) {
  for (PollPolicy p : {PollPolicy::kBusy, PollPolicy::kAdaptive, PollPolicy::kInterrupt}) {
    if (s == poll_policy_name(p)) {
      *out = p;
      return true;
    }
  }
  return false;
}

ShardLoop::ShardLoop(Shard& shard, LoopConfig cfg) : shard_(shard), cfg_(cfg) {
  (void)EventFd::create(stop_fd_);
}

void ShardLoop::run() {
  tcp::Instant last_work = shard_.clock_now();
  while (!stop_.load(std::memory_order_acquire)) {
    bool work = cfg_.before_pass ? cfg_.before_pass() : false;
    const tcp::Instant now = shard_.clock_now();
    work |= shard_.run_once(now);
    if (cfg_.after_pass) cfg_.after_pass(work);
    passes_.fetch_add(1, std::memory_order_relaxed);
    if (work) {
      busy_passes_.fetch_add(1, std::memory_order_relaxed);
      last_work = now;
      continue;
    }
    if (cfg_.policy == PollPolicy::kBusy) continue;
    if (cfg_.policy == PollPolicy::kAdaptive && now - last_work < cfg_.idle) continue;
    sleep_until(now, shard_.next_deadline());
  }
}

void ShardLoop::stop() {
  stop_.store(true, std::memory_order_release);
  (void)stop_fd_.signal();
}

LoopStats ShardLoop::stats() const {
  return LoopStats{passes_.load(std::memory_order_relaxed),
                   busy_passes_.load(std::memory_order_relaxed),
                   sleeps_.load(std::memory_order_relaxed)};
}

// ppoll() rather than poll(): timer deadlines are finer than a millisecond.
void ShardLoop::sleep_until(tcp::Instant now, tcp::Instant deadline) {
  if (deadline <= now) return;
  pollfd fds[4];
  nfds_t n = 0;
  for (int fd : {shard_.io().poll_fd(), shard_.command_fd(), stop_fd_.fd(), cfg_.extra_fd})
    if (fd >= 0) fds[n++] = pollfd{fd, POLLIN, 0};
  timespec ts{};
  timespec* timeout = nullptr;
  if (deadline != tcp::Instant::never()) {
    const int64_t us = (deadline - now).us;
    ts.tv_sec = us / 1000000;
    ts.tv_nsec = (us % 1000000) * 1000;
    timeout = &ts;
  }
  if (!shard_.prepare_sleep()) return;
  shard_.io().before_sleep();
  sleeps_.fetch_add(1, std::memory_order_relaxed);
  (void)ppoll(fds, n, timeout, nullptr);
  (void)stop_fd_.drain();
}

}  // namespace xtcp::stack
