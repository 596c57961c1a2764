#include "stack/kernel_neighbours.h"

#include "stack/xsk_steering.h"
#include "xsk/netlink.h"

namespace xtcp::stack {

std::optional<wire::MacAddress> KernelNeighbours::lookup(const wire::IpAddress& remote,
                                                         tcp::Instant now) {
  const Key key{static_cast<uint8_t>(remote.family), remote.bytes};
  auto it = cache_.find(key);
  if (it != cache_.end() && now < it->second.valid_until) {
    if (it->second.has_mac) return it->second.mac;
    return std::nullopt;  // resolution requested; not time to look again
  }
  std::optional<wire::MacAddress> mac = ask_kernel(remote);
  Entry& e = cache_[key];
  e.has_mac = mac.has_value();
  if (mac) e.mac = *mac;
  e.valid_until = now + (mac ? ttl_ : retry_);
  return mac;
}

void KernelNeighbours::observe(const wire::IpAddress& remote, const wire::MacAddress& mac,
                               tcp::Instant now) {
  Entry& e = cache_[Key{static_cast<uint8_t>(remote.family), remote.bytes}];
  e.has_mac = true;
  e.mac = mac;
  e.valid_until = now + ttl_;
}

// The next hop is the route's gateway, or the remote itself when on-link
// (RFC 1122 3.3.1); its MAC comes from the neighbour table.
std::optional<wire::MacAddress> KernelNeighbours::ask_kernel(const wire::IpAddress& remote) {
  ++queries_;
  xsk::IpAddr hop = to_xsk(remote);
  if (xsk::Result<xsk::Route> r = xsk::route_to(hop); r.ok() && r->gateway) hop = *r->gateway;
  xsk::Result<xsk::Neighbour> n = xsk::neighbour(ifindex_, hop);
  if (n.ok() && n->has_mac && n->reachable()) {
    wire::MacAddress mac;
    mac.bytes = n->mac;
    return mac;
  }
  (void)xsk::request_neighbour_resolution(ifindex_, hop);
  return std::nullopt;
}

}  // namespace xtcp::stack
