// Open-addressing hash table with Robin Hood probing and backward-shift
// deletion: the core of FlowTable and ListenerTable.
//
// * Capacity is a power of two fixed at construction; the only allocation
//   is in the constructor. Inserting past the load limit returns kFull:
//   there is no rehash on the packet path (size the table from config).
// * Robin Hood keeps probe lengths short and uniform at high load; a lookup
//   stops as soon as it meets an entry closer to its home than the key
//   would be, so misses are as cheap as hits.
// * Erase shifts the following run back by one slot instead of leaving a
//   tombstone, so a long-lived table with churn never degrades.
// * Every slot inspection is counted (probe_count) so tests can check the
//   O(1) claim without timing anything.
// Pointers to values stay valid until the next insert or erase.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

namespace xtcp::stack {

inline constexpr unsigned kDefaultMaxLoadPercent = 85;

enum class InsertStatus : uint8_t {
  kInserted,  // new entry; `value` points at it
  kExists,    // key already present; `value` points at the old value, untouched
  kFull,      // load limit reached; nothing changed, `value` is null
};

template <class Value>
struct InsertResult {
  InsertStatus status;
  Value* value;
};

template <class Key, class Value, class Hash>
class OpenTable {
 public:
  // `capacity` is rounded up to a power of two (at least 8); at most
  // max_load_percent of it may be filled, and always one slot stays empty.
  explicit OpenTable(size_t capacity, Hash hash = Hash{},
                     unsigned max_load_percent = kDefaultMaxLoadPercent)
      : capacity_(std::bit_ceil(capacity < 8 ? size_t{8} : capacity)),
        mask_(capacity_ - 1),
        max_size_(limit(capacity_, max_load_percent)),
        hash_(std::move(hash)),
        meta_(std::make_unique<Meta[]>(capacity_)),
        slots_(std::make_unique<Slot[]>(capacity_)) {}

  OpenTable(const OpenTable&) = delete;
  OpenTable& operator=(const OpenTable&) = delete;

  InsertResult<Value> insert(const Key& key, Value value) {
    const uint64_t h = hash_(key);
    Meta cur{1, tag_of(h)};
    size_t i = h & mask_;
    // Lookup phase: the key, if present, sits before the first slot whose
    // occupant is nearer its home than we are (the Robin Hood invariant).
    for (;; i = (i + 1) & mask_, ++cur.dist) {
      ++probes_;
      const Meta& m = meta_[i];
      if (m.dist < cur.dist) break;
      if (m.tag == cur.tag && slots_[i].key == key) return {InsertStatus::kExists, &slots_[i].value};
    }
    if (size_ >= max_size_) return {InsertStatus::kFull, nullptr};
    ++size_;
    Slot carry{key, std::move(value)};
    Value* placed = &slots_[i].value;
    // Displacement phase: take from the rich (short distance), carry on.
    for (;; i = (i + 1) & mask_, ++cur.dist) {
      ++probes_;
      if (meta_[i].dist == 0) {
        meta_[i] = cur;
        slots_[i] = std::move(carry);
        return {InsertStatus::kInserted, placed};
      }
      if (meta_[i].dist < cur.dist) {
        std::swap(meta_[i], cur);
        std::swap(slots_[i], carry);
      }
    }
  }

  Value* find(const Key& key) {
    const size_t i = locate(key);
    return i == kNone ? nullptr : &slots_[i].value;
  }
  const Value* find(const Key& key) const {
    const size_t i = locate(key);
    return i == kNone ? nullptr : &slots_[i].value;
  }

  // Removes the key; false if absent. Backward shift: pull each following
  // displaced entry one slot nearer its home until a gap or a home entry.
  bool erase(const Key& key) {
    size_t i = locate(key);
    if (i == kNone) return false;
    for (;;) {
      const size_t next = (i + 1) & mask_;
      ++probes_;
      if (meta_[next].dist <= 1) break;
      meta_[i] = Meta{meta_[next].dist - 1, meta_[next].tag};
      slots_[i] = std::move(slots_[next]);
      i = next;
    }
    meta_[i] = Meta{};
    slots_[i] = Slot{};
    --size_;
    return true;
  }

  void clear() {
    for (size_t i = 0; i < capacity_; ++i) {
      if (meta_[i].dist != 0) slots_[i] = Slot{};
      meta_[i] = Meta{};
    }
    size_ = 0;
  }

  // Visits every entry (for stats and teardown); f(const Key&, Value&).
  // The table must not be modified during the walk.
  template <class F>
  void for_each(F&& f) {
    for (size_t i = 0; i < capacity_; ++i)
      if (meta_[i].dist != 0) f(static_cast<const Key&>(slots_[i].key), slots_[i].value);
  }
  template <class F>
  void for_each(F&& f) const {
    for (size_t i = 0; i < capacity_; ++i)
      if (meta_[i].dist != 0) f(slots_[i].key, static_cast<const Value&>(slots_[i].value));
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t capacity() const { return capacity_; }
  size_t max_size() const { return max_size_; }

  // Slot inspections since construction (or reset): the cost model.
  uint64_t probe_count() const { return probes_; }
  void reset_probe_count() { probes_ = 0; }

  // Longest distance of any entry from its home slot, 0 when empty (stats;
  // O(capacity)).
  size_t max_displacement() const {
    size_t worst = 0;
    for (size_t i = 0; i < capacity_; ++i)
      if (meta_[i].dist > worst + 1) worst = meta_[i].dist - 1;
    return worst;
  }

 private:
  // dist is 1 + distance from the home slot; 0 marks an empty slot.
  struct Meta {
    uint32_t dist = 0;
    uint32_t tag = 0;  // high hash bits: most mismatches skip the key compare
  };
  struct Slot {
    Key key{};
    Value value{};
  };
  static constexpr size_t kNone = ~size_t{0};

  static size_t limit(size_t capacity, unsigned percent) {
    const size_t by_percent = capacity * (percent > 100 ? 100 : percent) / 100;
    return by_percent < capacity ? by_percent : capacity - 1;
  }
  static uint32_t tag_of(uint64_t h) { return static_cast<uint32_t>(h >> 32); }

  size_t locate(const Key& key) const {
    const uint64_t h = hash_(key);
    const uint32_t tag = tag_of(h);
    size_t i = h & mask_;
    for (uint32_t dist = 1;; i = (i + 1) & mask_, ++dist) {
      ++probes_;
      const Meta& m = meta_[i];
      if (m.dist < dist) return kNone;
      if (m.tag == tag && slots_[i].key == key) return i;
    }
  }

  size_t capacity_;
  size_t mask_;
  size_t max_size_;
  size_t size_ = 0;
  mutable uint64_t probes_ = 0;
  Hash hash_;
  std::unique_ptr<Meta[]> meta_;
  std::unique_ptr<Slot[]> slots_;
};

}  // namespace xtcp::stack
