#include "stack/timer_wheel.h"

#include <bit>

namespace xtcp::stack {
namespace {

bool list_empty(const TimerLink& l) { return l.next == &l; }

void list_init(TimerLink& l) { l.prev = l.next = &l; }

void push_back(TimerLink& list, TimerLink& n) {
  n.prev = list.prev;
  n.next = &list;
  list.prev->next = &n;
  list.prev = &n;
}

// Moves every node of `from` to the end of `to` in O(1).
void splice(TimerLink& to, TimerLink& from) {
  if (list_empty(from)) return;
  from.next->prev = to.prev;
  to.prev->next = from.next;
  from.prev->next = &to;
  to.prev = from.prev;
  list_init(from);
}

// Ticks below base-64 digit `level` (all ones past bit 63).
constexpr uint64_t low_mask(unsigned level) {
  const unsigned bits = level * TimerWheel::kSlotBits;
  return bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
}

constexpr unsigned digit(uint64_t tick, unsigned level) {
  return static_cast<unsigned>(tick >> (level * TimerWheel::kSlotBits)) & (TimerWheel::kSlots - 1);
}

}  // namespace

TimerWheel::TimerWheel(tcp::Instant start, tcp::Duration resolution)
    : start_(start), resolution_(resolution.us > 0 ? resolution : tcp::Duration::micros(1)) {
  for (TimerLink& s : slots_) list_init(s);
  list_init(due_);
}

// Handles outlive the wheel only as disarmed handles.
TimerWheel::~TimerWheel() {
  auto release = [](TimerLink& list) {
    while (!list_empty(list)) {
      auto& h = static_cast<TimerHandle&>(*list.next);
      h.unlink();
      h.wheel_ = nullptr;
    }
  };
  for (TimerLink& s : slots_) release(s);
  release(due_);
}

uint64_t TimerWheel::tick_floor(tcp::Instant t) const {
  if (t <= start_) return 0;
  return static_cast<uint64_t>((t - start_).us / resolution_.us);
}

// Written without x + res - 1 so that deadlines near Instant::never() do
// not overflow.
uint64_t TimerWheel::tick_ceil(tcp::Instant t) const {
  if (t <= start_) return 0;
  const int64_t x = (t - start_).us;
  return static_cast<uint64_t>(x / resolution_.us + (x % resolution_.us != 0));
}

tcp::Instant TimerWheel::tick_instant(uint64_t tick) const {
  return start_ + resolution_ * static_cast<int64_t>(tick);
}

void TimerWheel::arm(TimerHandle& h, tcp::Instant deadline) {
  cancel(h);
  h.deadline_ = deadline;
  if (deadline == tcp::Instant::never()) return;
  h.wheel_ = this;
  h.expiry_tick_ = tick_ceil(deadline);
  ++size_;
  if (h.expiry_tick_ <= current_) {
    h.bucket_ = kDueBucket;
    push_back(due_, h);
  } else {
    file(h);
  }
}

void TimerWheel::cancel(TimerHandle& h) {
  if (!h.armed()) return;
  if (h.wheel_ != this) {  // armed on another shard's wheel
    h.wheel_->cancel(h);
    return;
  }
  unfile(h);
  h.wheel_ = nullptr;
  --size_;
}

// Level = the highest base-64 digit in which the expiry differs from the
// current tick; the slot is the expiry's digit there (always ahead of the
// current digit, since expiry > current_).
void TimerWheel::file(TimerHandle& h) {
  const uint64_t diff = h.expiry_tick_ ^ current_;
  const unsigned level = static_cast<unsigned>(63 - std::countl_zero(diff)) / kSlotBits;
  const unsigned slot = digit(h.expiry_tick_, level);
  h.bucket_ = static_cast<uint16_t>(level * kSlots + slot);
  push_back(slots_[h.bucket_], h);
  occupied_[level] |= uint64_t{1} << slot;
}

void TimerWheel::unfile(TimerHandle& h) {
  h.unlink();
  if (h.bucket_ >= kDueBucket) return;
  if (list_empty(slots_[h.bucket_]))
    occupied_[h.bucket_ / kSlots] &= ~(uint64_t{1} << (h.bucket_ % kSlots));
}

TimerLink& TimerWheel::take_due(TimerLink& out) {
  for (TimerLink* n = due_.next; n != &due_; n = n->next)
    static_cast<TimerHandle*>(n)->bucket_ = kFiringBucket;
  splice(out, due_);
  return out;
}

// The earliest tick at which some occupied slot is reached: for level l,
// the next occupied slot s after the current digit, at the tick that keeps
// the digits above l and zeroes those below.
bool TimerWheel::next_event(uint64_t& tick, unsigned& level) const {
  bool found = false;
  for (unsigned l = 0; l < kLevels; ++l) {
    const unsigned d = digit(current_, l);
    const uint64_t ahead = d + 1 >= kSlots ? 0 : occupied_[l] & (~uint64_t{0} << (d + 1));
    if (!ahead) continue;
    const uint64_t s = static_cast<uint64_t>(std::countr_zero(ahead));
    const uint64_t t = (current_ & ~low_mask(l + 1)) | (s << (l * kSlotBits));
    if (!found || t < tick) {
      tick = t;
      level = l;
      found = true;
    }
  }
  return found;
}

// Moves to the next event tick if it is <= target: cascades the slots
// reached there and collects expired timers in `expired`. Returns false
// (after moving to target) when no event lies at or before target.
bool TimerWheel::step(uint64_t target, TimerLink& expired) {
  uint64_t tick = 0;
  unsigned level = 0;
  if (!next_event(tick, level) || tick > target) {
    if (target > current_) current_ = target;
    return false;
  }
  current_ = tick;
  // Only this level is reached at this tick: a lower level's next slot
  // has a non-zero digit below it, where this tick has zeros.
  // The slot's timers expire now or are re-filed lower, ahead of the
  // current digits.
  const unsigned slot = digit(current_, level);
  TimerLink batch;
  list_init(batch);
  splice(batch, slots_[level * kSlots + slot]);
  occupied_[level] &= ~(uint64_t{1} << slot);
  while (!list_empty(batch)) {
    auto& h = static_cast<TimerHandle&>(*batch.next);
    h.unlink();
    if (h.expiry_tick_ <= current_) {
      h.bucket_ = kFiringBucket;
      push_back(expired, h);
    } else {
      file(h);
    }
  }
  return true;
}

tcp::Instant TimerWheel::next_deadline() const {
  if (!list_empty(due_)) return tick_instant(current_);
  uint64_t tick = 0;
  unsigned level = 0;
  if (!next_event(tick, level)) return tcp::Instant::never();
  return tick_instant(tick);
}

}  // namespace xtcp::stack
