#include "stack/kernel_neighbours.h"

#include <linux/neighbour.h>

#include "stack/xsk_steering.h"
#include "xsk/netlink.h"

namespace xtcp::stack {

namespace {

wire::IpAddress from_xsk(const xsk::IpAddr& a) {
  return a.is_v4() ? wire::IpAddress::v4_from_bytes(a.bytes.data())
                   : wire::IpAddress::v6_from_bytes(a.bytes.data());
}

}  // namespace

KernelNeighbours::KernelNeighbours(const KernelNeighboursConfig& cfg)
    : cfg_(cfg), cache_(cfg.cache_size, cfg.hash_key) {
  // Without the subscription answers are still right, only refreshed no
  // sooner than ttl; the shard runs either way.
  (void)watch_.open();
}

std::optional<wire::MacAddress> KernelNeighbours::lookup(const wire::IpAddress& remote,
                                                         tcp::Instant now) {
  poll_changes(now);
  NeighbourCache::Entry* e = cache_.find(remote);
  if (e != nullptr && now < e->valid_until) {
    if (e->has_mac) return e->mac;
    return std::nullopt;  // resolution requested; not time to look again
  }
  if (e == nullptr) e = &cache_.insert(remote);
  ask_kernel(*e, now);
  if (e->has_mac) return e->mac;
  return std::nullopt;
}

uint64_t KernelNeighbours::generation(tcp::Instant now) {
  poll_changes(now);
  return generation_;
}

// The next hop is the route's gateway, or the remote itself when on-link
// (RFC 1122 3.3.1); its MAC comes from the neighbour table.
void KernelNeighbours::ask_kernel(NeighbourCache::Entry& e, tcp::Instant now) {
  ++queries_;
  xsk::IpAddr hop = to_xsk(e.remote);
  if (xsk::Result<xsk::Route> r = xsk::route_to(hop); r.ok() && r->gateway) hop = *r->gateway;
  const bool had_mac = e.has_mac;
  const wire::MacAddress old = e.mac;
  e.hop = from_xsk(hop);
  xsk::Result<xsk::Neighbour> n = xsk::neighbour(cfg_.ifindex, hop);
  e.has_mac = n.ok() && n->reachable();
  if (e.has_mac) e.mac.bytes = n->mac;
  if (had_mac && (!e.has_mac || !(e.mac == old))) ++generation_;
  e.valid_until = now + (e.has_mac ? cfg_.ttl : cfg_.retry);
  // STALE and missing entries alike: the kernel (re)confirms with its own
  // ARP request / neighbour solicitation (RFC 4861 7.3.3), as it would if
  // it were the one sending to this neighbour.
  if (!e.has_mac || (n.ok() && (n->state & NUD_STALE) != 0)) {
    if (cfg_.request_resolution)
      cfg_.request_resolution(hop);
    else
      (void)xsk::request_neighbour_resolution(cfg_.ifindex, hop);
  }
}

void KernelNeighbours::poll_changes(tcp::Instant now) {
  if (!watch_.is_open() || now < next_drain_) return;
  next_drain_ = now + cfg_.watch_interval;
  const int r = watch_.drain([&](const xsk::NeighbourChange& c) { apply(c, now); });
  if (r == -ENOBUFS) {
    // Changes were lost: nothing cached can be trusted to be current.
    ++overflows_;
    cache_.clear();
    ++generation_;
  }
}

void KernelNeighbours::apply(const xsk::NeighbourChange& c, tcp::Instant now) {
  if (c.ifindex != cfg_.ifindex) return;
  const bool usable = !c.deleted && c.neighbour.reachable();
  cache_.for_each_via(from_xsk(c.addr), [&](NeighbourCache::Entry& e) {
    ++changes_;
    if (usable) {
      wire::MacAddress mac;
      mac.bytes = c.neighbour.mac;
      if (e.has_mac && !(e.mac == mac)) ++generation_;
      e.has_mac = true;
      e.mac = mac;
      e.valid_until = now + cfg_.ttl;
    } else if (e.has_mac) {
      // FAILED, INCOMPLETE or deleted: stop sending there; the next
      // lookup asks the kernel again.
      e.has_mac = false;
      e.valid_until = now;
      ++generation_;
    }
    // A pending entry stays pending; its retry asks again.
  });
}

}  // namespace xtcp::stack
