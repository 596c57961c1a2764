// rtnetlink helpers against the namespace pair of netns_run.sh.
#include <net/if.h>

#include <catch2/catch.hpp>

#include <algorithm>

#include "root_env.h"
#include "xsk/netlink.h"

using namespace xtcp::xsk;
using xsktest::env;

namespace {

IpAddr ip(const char* s) { return *IpAddr::parse(s); }

bool has_addr(const std::vector<IfAddress>& v, const char* a, uint8_t plen) {
  return std::any_of(v.begin(), v.end(),
                     [&](const IfAddress& x) { return x.addr == ip(a) && x.prefix_len == plen; });
}

}  // namespace

TEST_CASE("link info: ifindex, MAC, MTU, state", "[xsk][netlink][root]") {
  const auto& e = env();
  auto idx = ifindex_of(e.dut_if);
  REQUIRE(idx.ok());
  CHECK(*idx == static_cast<int>(if_nametoindex(e.dut_if.c_str())));

  auto li = link_info(e.dut_if);
  REQUIRE(li.ok());
  CHECK(li->ifindex == *idx);
  CHECK(li->name == e.dut_if);
  // /sys is this namespace's view under `ip netns exec`.
  CHECK(mac_to_string(li->mac) == xsktest::read_file("/sys/class/net/" + e.dut_if + "/address"));
  CHECK(li->mtu == 1400);
  CHECK(li->up);
  CHECK(li->xdp_prog_id == 0);

  auto by_index = link_info(*idx);
  REQUIRE(by_index.ok());
  CHECK(by_index->name == e.dut_if);
}

TEST_CASE("unknown interfaces give ENODEV with a clear sentence", "[xsk][netlink][root]") {
  env();
  auto r = ifindex_of("nosuchif0");
  REQUIRE_FALSE(r.ok());
  CHECK(r.code() == -ENODEV);
  CHECK_THAT(r.message(), Catch::Contains("no interface named 'nosuchif0'"));
  CHECK(link_info(999999).code() == -ENODEV);
  CHECK(queue_count("nosuchif0").code() == -ENODEV);
}

TEST_CASE("queue count matches the veth's 2 queues", "[xsk][netlink][root]") {
  auto q = queue_count(env().dut_if);
  REQUIRE(q.ok());
  CHECK(q->rx == 2);
  CHECK(q->tx == 2);
}

TEST_CASE("addresses: IPv4 and IPv6 of the interface", "[xsk][netlink][root]") {
  const int idx = *ifindex_of(env().dut_if);
  auto v4 = addresses(idx, AF_INET);
  REQUIRE(v4.ok());
  CHECK(v4->size() == 1);
  CHECK(has_addr(*v4, "10.79.0.2", 24));
  auto all = addresses(idx, AF_UNSPEC);
  REQUIRE(all.ok());
  CHECK(has_addr(*all, "10.79.0.2", 24));
  CHECK(has_addr(*all, "fd79::2", 64));
  CHECK_FALSE(has_addr(*all, "10.79.0.1", 24));  // the peer's is not ours
}

TEST_CASE("route lookup: on-link peer, preferred source, unreachable", "[xsk][netlink][root]") {
  const int idx = *ifindex_of(env().dut_if);
  auto r = route_to(ip("10.79.0.1"));
  REQUIRE(r.ok());
  CHECK(r->oif == idx);
  CHECK_FALSE(r->gateway.has_value());
  REQUIRE(r->prefsrc.has_value());
  CHECK(*r->prefsrc == ip("10.79.0.2"));

  auto r6 = route_to(ip("fd79::1"));
  REQUIRE(r6.ok());
  CHECK(r6->oif == idx);

  // The namespace has no default route.
  auto none = route_to(ip("192.0.2.1"));
  REQUIRE_FALSE(none.ok());
  CHECK(none.code() == -ENETUNREACH);
  CHECK_THAT(none.message(), Catch::Contains("no route to 192.0.2.1"));
}

TEST_CASE("neighbour resolution through the kernel", "[xsk][netlink][root]") {
  const auto& e = env();
  const int idx = *ifindex_of(e.dut_if);
  for (const char* peer : {"10.79.0.1", "fd79::1"}) {
    INFO(peer);
    auto resolved = resolve_neighbour(idx, ip(peer), std::chrono::milliseconds(3000));
    REQUIRE(resolved.ok());
    CHECK(resolved->reachable());
    CHECK(mac_to_string(resolved->mac) == e.peer_mac);
    auto again = neighbour(idx, ip(peer));
    REQUIRE(again.ok());
    CHECK(again->mac == resolved->mac);
  }
  // Nobody owns .77: no entry before, no MAC after a bounded wait.
  CHECK(neighbour(idx, ip("10.79.0.77")).code() == -ENOENT);
  auto missing = resolve_neighbour(idx, ip("10.79.0.77"), std::chrono::milliseconds(300));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.code() == -ETIMEDOUT);
}

TEST_CASE("MAC text round trip", "[xsk][netlink]") {
  auto m = parse_mac("02:00:0a:4f:00:01");
  REQUIRE(m.has_value());
  CHECK(mac_to_string(*m) == "02:00:0a:4f:00:01");
  CHECK_FALSE(parse_mac("02:00:0a:4f:00").has_value());
  CHECK_FALSE(parse_mac("02:00:0a:4f:00:01:07").has_value());
  CHECK_FALSE(parse_mac("zz:00:0a:4f:00:01").has_value());
}
