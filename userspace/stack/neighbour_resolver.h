// NeighbourResolver: the next-hop MAC address for a remote IP. Resolution is
// left to the kernel (we never speak ARP/ND): the real resolver asks it over
// rtnetlink and answers "pending" until it knows; the shard retries later.
// Received frames never feed it (a source MAC is not evidence of anything).
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
  // Changes whenever a MAC handed out earlier is no longer right (the
  // kernel's entry changed, failed or went away): a caller that keeps a
  // MAC keeps it with the generation it got it at and looks again when
  // they differ. Cheap: called on every egress visit.
  virtual uint64_t generation(tcp::Instant now) {
    (void)now;
    return 0;
  }
};

class StaticNeighbours final : public NeighbourResolver {
 public:
  void add(const wire::IpAddress& ip, const wire::MacAddress& mac) {
    for (auto& [known, m] : table_)
      if (known == ip) {
        m = mac;
        ++generation_;
        return;
      }
    table_.emplace_back(ip, mac);
  }
  uint64_t generation(tcp::Instant) override { return generation_; }
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
  uint64_t generation_ = 0;
};

}  // namespace xtcp::stack
