// NeighbourCache: a bounded LRU of next-hop answers, remote IP -> (next-hop
// IP, MAC or "pending"). All storage is allocated by the constructor: a
// lookup, an insert and an eviction never allocate, so a flood of SYNs from
// spoofed sources costs a fixed amount of memory (the least recently used
// answer is evicted and asked for again when next needed). Buckets are
// indexed by a keyed hash (flow_hash.h) so a peer cannot aim its sources at
// one chain.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "stack/flow_hash.h"
#include "tcp/time.h"
#include "wire/ethernet.h"
#include "wire/ip_address.h"

namespace xtcp::stack {

inline constexpr size_t kDefaultNeighbourCacheSize = 4096;

class NeighbourCache {
 public:
  struct Entry {
    wire::IpAddress remote;
    wire::IpAddress hop;  // the route's gateway, or remote itself on-link
    bool has_mac = false;
    wire::MacAddress mac;
    tcp::Instant valid_until;  // has_mac: when to ask again; else: next try

   private:
    friend class NeighbourCache;
    uint32_t chain = kNone;  // next in the bucket, or in the free list
    uint32_t newer = kNone;  // LRU list, most recent at head_
    uint32_t older = kNone;
  };

  explicit NeighbourCache(size_t capacity = kDefaultNeighbourCacheSize, HashKey key = {});

  // The entry for remote, made the most recently used; nullptr if absent.
  Entry* find(const wire::IpAddress& remote);
  // The entry for remote, created empty (has_mac false) when absent, the
  // least recently used entry evicted when full.
  Entry& insert(const wire::IpAddress& remote);
  // Calls f(Entry&) for every entry whose next hop is hop (a neighbour
  // notification). O(size): notifications are rare, lookups are not.
  template <class F>
  void for_each_via(const wire::IpAddress& hop, F&& f) {
    for (uint32_t i = head_; i != kNone; i = entries_[i].older)
      if (entries_[i].hop == hop) f(entries_[i]);
  }
  // Forgets every answer (the kernel's view was lost: notifications dropped).
  void clear();

  size_t size() const { return size_; }
  size_t capacity() const { return entries_.size(); }
  uint64_t evictions() const { return evictions_; }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  uint32_t bucket_of(const wire::IpAddress& ip) const;
  void unlink_lru(uint32_t i);
  void push_front(uint32_t i);
  void unchain(uint32_t i);

  KeyedMix mix_;
  std::vector<Entry> entries_;
  std::vector<uint32_t> buckets_;  // power of two, heads of chains
  uint32_t free_ = kNone;
  uint32_t head_ = kNone;  // most recently used
  uint32_t tail_ = kNone;  // least recently used: evicted first
  size_t size_ = 0;
  uint64_t evictions_ = 0;
};

}  // namespace xtcp::stack
