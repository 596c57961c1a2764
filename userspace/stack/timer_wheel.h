// Hierarchical hashed timer wheel (Varghese and Lauck, "Hashed and
// Hierarchical Timing Wheels", scheme 7) over tcp::Instant.
//
// * Time is cut into ticks of a configurable resolution (1 ms by default).
//   A deadline d expires at tick ceil(d / resolution), so a timer never fires
//   before d and fires within one tick after it, provided advance() is
//   called that often.
// * 11 levels of 64 slots cover every 64-bit tick count: level l holds the
//   timers whose expiry tick first differs from the current tick in base-64
//   digit l; reaching a slot of level l > 0 re-files its timers lower
//   ("cascade"). Far-future deadlines therefore cost nothing until near.
// * Slots are intrusive circular lists of TimerHandle, embedded in the
//   owner (e.g. `struct Conn : TimerHandle {...}`): arm, re-arm and cancel
//   are O(1) and allocate nothing.
// * One 64-bit occupancy bitmap per level makes next_deadline() and the
//   jump to the next event O(levels), independent of elapsed time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "tcp/time.h"

namespace xtcp::stack {

inline constexpr tcp::Duration kDefaultTimerResolution = tcp::Duration::millis(1);

struct TimerLink {
  TimerLink* prev = nullptr;
  TimerLink* next = nullptr;
};

class TimerWheel;

// Embed (or inherit) one per timer. Not copyable: the wheel points at it.
// Destroying an armed handle cancels it.
class TimerHandle : private TimerLink {
 public:
  TimerHandle() = default;
  TimerHandle(const TimerHandle&) = delete;
  TimerHandle& operator=(const TimerHandle&) = delete;
  inline ~TimerHandle();

  bool armed() const { return next != nullptr; }
  tcp::Instant deadline() const { return deadline_; }

 private:
  friend class TimerWheel;
  void unlink() {
    if (!next) return;
    prev->next = next;
    next->prev = prev;
    prev = next = nullptr;
  }

  TimerWheel* wheel_ = nullptr;  // set while armed
  tcp::Instant deadline_ = tcp::Instant::never();
  uint64_t expiry_tick_ = 0;
  uint16_t bucket_ = 0;  // level * 64 + slot, or one of the special lists
};

class TimerWheel {
 public:
  static constexpr unsigned kSlotBits = 6;
  static constexpr unsigned kSlots = 1u << kSlotBits;
  static constexpr unsigned kLevels = 11;  // 11 * 6 >= 64 bits of ticks

  // `start` is tick 0; instants before it count as already due.
  explicit TimerWheel(tcp::Instant start, tcp::Duration resolution = kDefaultTimerResolution);
  TimerWheel(const TimerWheel&) = delete;
  TimerWheel& operator=(const TimerWheel&) = delete;
  ~TimerWheel();

  // Arms or re-arms `h` to fire at `deadline`. Instant::never() cancels.
  // A deadline already due fires on the next advance().
  void arm(TimerHandle& h, tcp::Instant deadline);
  void cancel(TimerHandle& h);

  // Fires every timer whose expiry tick is <= the tick of `now`, calling
  // fire(TimerHandle&) with the handle already disarmed (the callback may
  // re-arm it, or arm and cancel any other timer). Returns how many fired.
  template <class F>
  size_t advance(tcp::Instant now, F&& fire) {
    TimerLink expired;
    expired.prev = expired.next = &expired;
    size_t fired = fire_list(take_due(expired), fire);
    const uint64_t target = tick_floor(now);
    while (step(target, expired)) fired += fire_list(expired, fire);
    return fired;
  }

  // When to call advance() next (the poll timeout): never after the instant
  // at which the earliest timer would fire, O(levels). For a timer within
  // 64 ticks it is exactly that instant; further out it may be an earlier
  // cascade instant (a wakeup that fires nothing). A due timer gives now();
  // no armed timer gives Instant::never().
  tcp::Instant next_deadline() const;

  size_t size() const { return size_; }
  tcp::Instant now() const { return tick_instant(current_); }
  tcp::Duration resolution() const { return resolution_; }

 private:
  static constexpr uint16_t kDueBucket = kLevels * kSlots;  // due at next advance
  static constexpr uint16_t kFiringBucket = kDueBucket + 1;   // being fired now

  uint64_t tick_floor(tcp::Instant t) const;
  uint64_t tick_ceil(tcp::Instant t) const;
  tcp::Instant tick_instant(uint64_t tick) const;

  void file(TimerHandle& h);
  void unfile(TimerHandle& h);
  TimerLink& take_due(TimerLink& out);
  bool next_event(uint64_t& tick, unsigned& level) const;
  bool step(uint64_t target, TimerLink& expired);

  template <class F>
  size_t fire_list(TimerLink& list, F& fire) {
    size_t n = 0;
    while (list.next != &list) {
      auto& h = static_cast<TimerHandle&>(*list.next);
      h.unlink();
      h.wheel_ = nullptr;
      --size_;
      ++n;
      fire(h);
    }
    return n;
  }

  tcp::Instant start_;
  tcp::Duration resolution_;
  uint64_t current_ = 0;  // every tick <= current_ has been processed
  size_t size_ = 0;
  std::array<uint64_t, kLevels> occupied_{};
  std::array<TimerLink, kLevels * kSlots> slots_{};
  TimerLink due_;
};

TimerHandle::~TimerHandle() {
  if (wheel_) wheel_->cancel(*this);
}

}  // namespace xtcp::stack
