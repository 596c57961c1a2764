// A shard's TIME-WAIT records (tcp/time_wait.h): a bounded table like
// Linux's tcp_max_tw_buckets, so connections that closed first cost a
// record each (tuple, sequence and timestamp state, deadline), not a
// channel, a slot and their rings. Lookup by four-tuple is a FlowTable
// probe; expiry is a TimerWheel of its own (deadlines restart when a FIN
// is retransmitted, so a FIFO would not stay ordered). All O(1); the only
// allocation is in the constructor. When the table is full, add() refuses
// and counts an overflow: the caller then closes the connection without
// TIME-WAIT, as Linux does ("TCP: time wait bucket table overflow").
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "stack/flow_hash.h"
#include "stack/flow_table.h"
#include "stack/timer_wheel.h"
#include "tcp/time_wait.h"

namespace xtcp::stack {

// Per shard; Linux's default tcp_max_tw_buckets is 262144 per host.
inline constexpr uint32_t kDefaultMaxTimeWait = 65536;

class TimeWaitTable {
 public:
  TimeWaitTable(uint32_t capacity, const HashKey& key, tcp::Instant start);
  TimeWaitTable(const TimeWaitTable&) = delete;
  TimeWaitTable& operator=(const TimeWaitTable&) = delete;

  // False (and overflow() counts it) when the table is full; false
  // without counting when the tuple already has a record (a bug upstream).
  bool add(const tcp::TimeWaitRecord& rec);
  // The record of `t`, or nullptr. Valid until the next add/remove/expire.
  tcp::TimeWaitRecord* find(const tcp::FourTuple& t);
  bool remove(const tcp::FourTuple& t);
  // Call after changing a found record's deadline.
  void rearm(tcp::TimeWaitRecord& rec);

  // Removes every record whose deadline is <= now, calling
  // on_expired(const tcp::TimeWaitRecord&) for each first. Returns how many.
  template <class F>
  size_t expire(tcp::Instant now, F&& on_expired) {
    return wheel_.advance(now, [&](TimerHandle& h) {
      Entry& e = static_cast<Entry&>(h);
      on_expired(static_cast<const tcp::TimeWaitRecord&>(e));
      release(e);
    });
  }
  template <class F>
  void for_each(F&& f) const {
    index_.for_each([&](const tcp::FourTuple&, uint32_t i) { f(static_cast<const tcp::TimeWaitRecord&>(entries_[i])); });
  }

  // The earliest deadline (for the shard's sleep), never() when empty.
  tcp::Instant next_deadline() const { return wheel_.next_deadline(); }
  size_t size() const { return index_.size(); }
  uint32_t capacity() const { return capacity_; }
  uint64_t overflow() const { return overflow_; }

 private:
  struct Entry : TimerHandle, tcp::TimeWaitRecord {
    uint32_t slot = 0;
  };
  void release(Entry& e);

  uint32_t capacity_;
  std::unique_ptr<Entry[]> entries_;
  std::vector<uint32_t> free_;
  FlowTable<uint32_t> index_;
  TimerWheel wheel_;
  uint64_t overflow_ = 0;
};

}  // namespace xtcp::stack
