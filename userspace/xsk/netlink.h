// rtnetlink queries over raw NETLINK_ROUTE sockets (no libnl): links,
// addresses, routes and neighbours of the current network namespace. Each
// call opens its own socket, so they are safe from any thread and never on a
// hot path. Neighbour resolution is left to the kernel (we never speak ARP
// or ND ourselves): request_neighbour_resolution is `ip neigh replace ADDR
// dev IF use`.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "xsk/ip_addr.h"
#include "xsk/result.h"

namespace xtcp::xsk {

using MacAddr = std::array<uint8_t, 6>;

// "aa:bb:cc:dd:ee:ff" <-> MacAddr.
std::optional<MacAddr> parse_mac(const std::string& text);
std::string mac_to_string(const MacAddr& mac);

struct LinkInfo {
  int ifindex = 0;
  std::string name;
  MacAddr mac{};
  uint32_t mtu = 0;
  bool up = false;            // IFF_UP
  uint32_t xdp_prog_id = 0;   // 0 when no XDP program is attached
};

struct QueueCount {
  uint32_t rx = 0;
  uint32_t tx = 0;
};

struct IfAddress {
  IpAddr addr;
  uint8_t prefix_len = 0;
};

struct Route {
  int oif = 0;                    // output interface index
  std::optional<IpAddr> gateway;  // absent for on-link destinations
  std::optional<IpAddr> prefsrc;  // preferred source address
};

// NUD_* state bits from <linux/neighbour.h>.
struct Neighbour {
  MacAddr mac{};
  bool has_mac = false;
  uint16_t state = 0;
  bool reachable() const;  // has a usable MAC (NUD_VALID states)
};

// -ENODEV with "no interface named X" when it does not exist.
Result<int> ifindex_of(const std::string& ifname);
Result<LinkInfo> link_info(const std::string& ifname);
Result<LinkInfo> link_info(int ifindex);
// ETHTOOL_GCHANNELS (rx/tx plus combined), else /sys/class/net/IF/queues.
Result<QueueCount> queue_count(const std::string& ifname);
// family: AF_INET, AF_INET6 or AF_UNSPEC for both.
Result<std::vector<IfAddress>> addresses(int ifindex, int family);
// The kernel's route to dst (RTM_GETROUTE), like `ip route get`.
Result<Route> route_to(const IpAddr& dst);
// The neighbour entry for addr on ifindex; -ENOENT when there is none.
Result<Neighbour> neighbour(int ifindex, const IpAddr& addr);
// Asks the kernel to resolve addr on ifindex (RTM_NEWNEIGH with NTF_USE).
Status request_neighbour_resolution(int ifindex, const IpAddr& addr);
// Requests resolution and waits (bounded by timeout, polling every 10 ms)
// until the entry has a usable MAC; -ETIMEDOUT when it does not.
Result<Neighbour> resolve_neighbour(int ifindex, const IpAddr& addr,
                                    std::chrono::milliseconds timeout);

}  // namespace xtcp::xsk
