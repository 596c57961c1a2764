#include "stack/neighbour_cache.h"

#include <bit>

namespace xtcp::stack {

NeighbourCache::NeighbourCache(size_t capacity, HashKey key)
    : mix_(key),
      entries_(capacity == 0 ? 1 : capacity),
      buckets_(std::bit_ceil(entries_.size() * 2), kNone) {
  clear();
}

void NeighbourCache::clear() {
  for (uint32_t& b : buckets_) b = kNone;
  for (uint32_t i = 0; i < entries_.size(); ++i) {
    entries_[i] = Entry{};
    entries_[i].chain = i + 1 < entries_.size() ? i + 1 : kNone;
  }
  free_ = 0;
  head_ = tail_ = kNone;
  size_ = 0;
}

uint32_t NeighbourCache::bucket_of(const wire::IpAddress& ip) const {
  const uint64_t h = mix_.mix(ip, wire::IpAddress{}, static_cast<uint64_t>(ip.family));
  return static_cast<uint32_t>(h & (buckets_.size() - 1));
}

void NeighbourCache::unlink_lru(uint32_t i) {
  Entry& e = entries_[i];
  if (e.newer != kNone) entries_[e.newer].older = e.older; else head_ = e.older;
  if (e.older != kNone) entries_[e.older].newer = e.newer; else tail_ = e.newer;
  e.newer = e.older = kNone;
}

void NeighbourCache::push_front(uint32_t i) {
  Entry& e = entries_[i];
  e.newer = kNone;
  e.older = head_;
  if (head_ != kNone) entries_[head_].newer = i;
  head_ = i;
  if (tail_ == kNone) tail_ = i;
}

void NeighbourCache::unchain(uint32_t i) {
  uint32_t* link = &buckets_[bucket_of(entries_[i].remote)];
  while (*link != kNone && *link != i) link = &entries_[*link].chain;
  if (*link == i) *link = entries_[i].chain;
}

NeighbourCache::Entry* NeighbourCache::find(const wire::IpAddress& remote) {
  for (uint32_t i = buckets_[bucket_of(remote)]; i != kNone; i = entries_[i].chain) {
    if (entries_[i].remote == remote) {
      unlink_lru(i);
      push_front(i);
      return &entries_[i];
    }
  }
  return nullptr;
}

NeighbourCache::Entry& NeighbourCache::insert(const wire::IpAddress& remote) {
  if (Entry* e = find(remote)) return *e;
  uint32_t i = free_;
  if (i != kNone) {
    free_ = entries_[i].chain;
    ++size_;
  } else {
    i = tail_;  // full: the least recently used answer goes
    unlink_lru(i);
    unchain(i);
    ++evictions_;
  }
  Entry& e = entries_[i];
  e = Entry{};
  e.remote = remote;
  e.hop = remote;
  uint32_t& b = buckets_[bucket_of(remote)];
  e.chain = b;
  b = i;
  push_front(i);
  return e;
}

}  // namespace xtcp::stack
