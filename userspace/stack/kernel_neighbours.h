// KernelNeighbours: next-hop MACs from the kernel's routing and neighbour
// tables over rtnetlink (xsk/netlink.h), never from received frames: a
// forged source MAC cannot change where xtcpd sends, and static entries
// (`ip neigh ... nud permanent`) and ARP inspection keep working.
//
// Answers live in a bounded LRU (neighbour_cache.h, its size a flag) kept
// current by the kernel's RTNLGRP_NEIGH notifications, drained at most once
// per watch_interval from the shard's own thread. Usable states are the
// kernel's NUD_VALID ones (REACHABLE, STALE, DELAY, PROBE, PERMANENT,
// NOARP); INCOMPLETE and FAILED are not. A miss asks the kernel to resolve
// (`ip neigh ... use`, which leaves a static entry alone) and answers
// "pending"; the next try comes after `retry`. Netlink queries happen only
// on a miss or after `ttl`, never per segment of a known peer.
#pragma once

#include <cstdint>
#include <functional>

#include "stack/neighbour_cache.h"
#include "stack/neighbour_resolver.h"
#include "xsk/neighbour_watch.h"

namespace xtcp::stack {

inline constexpr tcp::Duration kDefaultNeighbourTtl = tcp::Duration::seconds(30);
inline constexpr tcp::Duration kDefaultNeighbourWatchInterval = tcp::Duration::millis(10);

struct KernelNeighboursConfig {
  int ifindex = 0;
  tcp::Duration retry = tcp::Duration::millis(10);
  tcp::Duration ttl = kDefaultNeighbourTtl;
  tcp::Duration watch_interval = kDefaultNeighbourWatchInterval;
  size_t cache_size = kDefaultNeighbourCacheSize;
  HashKey hash_key{};
  // Sends the kernel's resolution request (RTM_NEWNEIGH, NTF_USE), which
  // needs CAP_NET_ADMIN: xtcpd hands it to its resolver helper
  // (daemon/resolution_helper.h); empty, this thread asks over rtnetlink.
  std::function<void(const xsk::IpAddr&)> request_resolution;
};

class KernelNeighbours final : public NeighbourResolver {
 public:
  explicit KernelNeighbours(const KernelNeighboursConfig& cfg);

  std::optional<wire::MacAddress> lookup(const wire::IpAddress& remote, tcp::Instant now) override;
  uint64_t generation(tcp::Instant now) override;

  uint64_t netlink_queries() const { return queries_; }
  uint64_t changes_applied() const { return changes_; }
  uint64_t watch_overflows() const { return overflows_; }
  bool watching() const { return watch_.is_open(); }
  const NeighbourCache& cache() const { return cache_; }

 private:
  void ask_kernel(NeighbourCache::Entry& e, tcp::Instant now);
  void poll_changes(tcp::Instant now);
  void apply(const xsk::NeighbourChange& c, tcp::Instant now);

  KernelNeighboursConfig cfg_;
  NeighbourCache cache_;
  xsk::NeighbourWatch watch_;
  tcp::Instant next_drain_ = tcp::Instant::from_micros(0);
  uint64_t generation_ = 0;  // bumped when a MAC handed out is no longer right
  uint64_t queries_ = 0;
  uint64_t changes_ = 0;
  uint64_t overflows_ = 0;
};

}  // namespace xtcp::stack
