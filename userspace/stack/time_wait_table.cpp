// TimeWaitTable (time_wait_table.h): slots on a free stack, a FlowTable
// from tuple to slot, and a TimerWheel of deadlines.
#include "stack/time_wait_table.h"

namespace xtcp::stack {

TimeWaitTable::TimeWaitTable(uint32_t capacity, const HashKey& key, tcp::Instant start)
    : capacity_(capacity),
      entries_(std::make_unique<Entry[]>(capacity)),
      // Twice the records: the index refuses inserts past 85 % load.
      index_(size_t{capacity} * 2, FlowHasher{key}),
      wheel_(start) {
  free_.reserve(capacity);
  for (uint32_t i = capacity; i > 0; --i) {
    entries_[i - 1].slot = i - 1;
    free_.push_back(i - 1);
  }
}

bool TimeWaitTable::add(const tcp::TimeWaitRecord& rec) {
  if (index_.find(rec.tuple) != nullptr) return false;
  if (free_.empty()) {
    ++overflow_;
    return false;
  }
  const uint32_t slot = free_.back();
  if (index_.insert(rec.tuple, slot).status != InsertStatus::kInserted) {
    ++overflow_;
    return false;
  }
  free_.pop_back();
  Entry& e = entries_[slot];
  static_cast<tcp::TimeWaitRecord&>(e) = rec;
  wheel_.arm(e, rec.deadline);
  return true;
}

tcp::TimeWaitRecord* TimeWaitTable::find(const tcp::FourTuple& t) {
  const uint32_t* slot = index_.find(t);
  return slot ? &entries_[*slot] : nullptr;
}

bool TimeWaitTable::remove(const tcp::FourTuple& t) {
  const uint32_t* slot = index_.find(t);
  if (slot == nullptr) return false;
  Entry& e = entries_[*slot];
  wheel_.cancel(e);
  release(e);
  return true;
}

void TimeWaitTable::rearm(tcp::TimeWaitRecord& rec) {
  Entry& e = static_cast<Entry&>(rec);
  wheel_.arm(e, rec.deadline);
}

void TimeWaitTable::release(Entry& e) {
  index_.erase(e.tuple);
  free_.push_back(e.slot);
}

}  // namespace xtcp::stack
