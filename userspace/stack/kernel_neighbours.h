// KernelNeighbours: next-hop MACs from the kernel's routing and neighbour
// tables over rtnetlink (xsk/netlink.h). A miss asks the kernel to resolve
// (`ip neigh ... use`) and answers "pending"; the next try after `retry`
// looks again. Answers are cached for `ttl`. Netlink calls happen only on
// a miss, never per segment of a known peer (the shard also learns each
// connection's MAC from its arriving frames).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <utility>

#include "stack/neighbour_resolver.h"

namespace xtcp::stack {

inline constexpr tcp::Duration kDefaultNeighbourTtl = tcp::Duration::seconds(30);

class KernelNeighbours final : public NeighbourResolver {
 public:
  KernelNeighbours(int ifindex, tcp::Duration retry, tcp::Duration ttl = kDefaultNeighbourTtl)
      : ifindex_(ifindex), retry_(retry), ttl_(ttl) {}

  std::optional<wire::MacAddress> lookup(const wire::IpAddress& remote, tcp::Instant now) override;
  void observe(const wire::IpAddress& remote, const wire::MacAddress& mac,
               tcp::Instant now) override;

  uint64_t netlink_queries() const { return queries_; }

 private:
  using Key = std::pair<uint8_t, std::array<uint8_t, 16>>;
  struct Entry {
    bool has_mac = false;
    wire::MacAddress mac;
    tcp::Instant valid_until;  // has_mac: cache expiry; else: next try
  };
  std::optional<wire::MacAddress> ask_kernel(const wire::IpAddress& remote);

  int ifindex_;
  tcp::Duration retry_;
  tcp::Duration ttl_;
  std::map<Key, Entry> cache_;
  uint64_t queries_ = 0;
};

}  // namespace xtcp::stack
