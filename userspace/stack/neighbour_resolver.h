// NeighbourResolver: the next-hop MAC address for a remote IP. Resolution is
// left to the kernel (we never speak ARP/ND): the real resolver asks it over
// rtnetlink and answers "pending" until it knows; the shard retries later.
// StaticNeighbours is the fixed table tests use.
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "tcp/time.h"
#include "wire/ethernet.h"
#include "wire/ip_address.h"

namespace xtcp::stack {

class NeighbourResolver {
 public:
  virtual ~NeighbourResolver() = default;
  // The MAC to send to `remote` through, or nullopt while resolution is
  // pending (the resolver has asked for it; the caller retries).
  virtual std::optional<wire::MacAddress> lookup(const wire::IpAddress& remote,
                                                 tcp::Instant now) = 0;
  // A frame from `remote` arrived with source MAC `mac` (a SYN to a
  // listener): a hint the resolver may cache. Default: ignored.
  virtual void observe(const wire::IpAddress& remote, const wire::MacAddress& mac,
                       tcp::Instant now) {
    (void)remote, (void)mac, (void)now;
  }
};

class StaticNeighbours final : public NeighbourResolver {
 public:
  void add(const wire::IpAddress& ip, const wire::MacAddress& mac) { table_.emplace_back(ip, mac); }
  std::optional<wire::MacAddress> lookup(const wire::IpAddress& remote, tcp::Instant) override {
    ++lookups_;
    for (const auto& [ip, mac] : table_)
      if (ip == remote) return mac;
    return std::nullopt;
  }
  uint64_t lookups() const { return lookups_; }

 private:
  std::vector<std::pair<wire::IpAddress, wire::MacAddress>> table_;
  uint64_t lookups_ = 0;
};

}  // namespace xtcp::stack
