// Which sockets the shim sends through xtcp (addr_policy.h).
#include <arpa/inet.h>
#include <netinet/in.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "preload/addr_policy.h"

using xtcp::preload::AddrPolicy;

namespace {

sockaddr_in v4(const char* a) {
  sockaddr_in s{};
  s.sin_family = AF_INET;
  inet_pton(AF_INET, a, &s.sin_addr);
  return s;
}

sockaddr_in6 v6(const char* a) {
  sockaddr_in6 s{};
  s.sin6_family = AF_INET6;
  inet_pton(AF_INET6, a, &s.sin6_addr);
  return s;
}

template <typename T>
bool local(const AddrPolicy& p, const T& a) {
  return p.local_is_xtcp(reinterpret_cast<const sockaddr*>(&a), sizeof a);
}
template <typename T>
bool remote(const AddrPolicy& p, const T& a) {
  return p.remote_is_xtcp(reinterpret_cast<const sockaddr*>(&a), sizeof a);
}

// The dut of the tests: 10.75.0.2/24 and fd75::2/64 on xtcpd's interface.
AddrPolicy dut() {
  AddrPolicy p;
  const sockaddr_in a = v4("10.75.0.2");
  const sockaddr_in6 b = v6("fd75::2");
  REQUIRE(p.add_own(reinterpret_cast<const sockaddr*>(&a), 24));
  REQUIRE(p.add_own(reinterpret_cast<const sockaddr*>(&b), 64));
  return p;
}

}  // namespace

TEST_CASE("bind: the interface's own addresses and the wildcard are xtcp, others are kernel", "[preload][policy]") {
  AddrPolicy p = dut();
  CHECK(local(p, v4("10.75.0.2")));
  CHECK(local(p, v6("fd75::2")));
  CHECK(local(p, v6("::ffff:10.75.0.2")));  // v4-mapped counts as IPv4
  CHECK(local(p, v4("0.0.0.0")));
  CHECK(local(p, v6("::")));
  CHECK_FALSE(local(p, v4("10.75.0.3")));  // on the network but not ours
  CHECK_FALSE(local(p, v4("127.0.0.1")));
  CHECK_FALSE(local(p, v6("::1")));
  CHECK_FALSE(local(p, v4("192.168.1.1")));
  p.set_wildcard_xtcp(false);
  CHECK_FALSE(local(p, v4("0.0.0.0")));
  CHECK_FALSE(local(p, v6("::")));
}

TEST_CASE("connect: peers on the interface's networks are xtcp, itself and loopback are not", "[preload][policy]") {
  AddrPolicy p = dut();
  CHECK(remote(p, v4("10.75.0.1")));
  CHECK(remote(p, v4("10.75.0.254")));
  CHECK(remote(p, v6("fd75::1")));
  CHECK(remote(p, v6("::ffff:10.75.0.1")));
  CHECK_FALSE(remote(p, v4("10.75.0.2")));  // xtcpd cannot connect to itself
  CHECK_FALSE(remote(p, v4("10.75.1.1")));
  CHECK_FALSE(remote(p, v6("fd76::1")));
  CHECK_FALSE(remote(p, v4("127.0.0.1")));
  CHECK_FALSE(remote(p, v4("0.0.0.0")));
}

TEST_CASE("XTCP_RUN_NETS parsing", "[preload][policy]") {
  AddrPolicy p;
  REQUIRE(p.parse_nets("10.75.0.0/24, fd75::/64"));
  REQUIRE(p.size() == 2);
  CHECK(p.net(0).prefix == 24);
  CHECK(p.net(1).family == AF_INET6);
  CHECK(remote(p, v4("10.75.0.9")));
  CHECK_FALSE(remote(p, v4("10.76.0.9")));
  CHECK(local(p, v4("10.75.0.2")));

  AddrPolicy q;
  REQUIRE(q.parse_nets("10.1.2.3"));  // bare address: /32
  CHECK(q.net(0).prefix == 32);
  CHECK(remote(q, v4("10.1.2.3")));
  CHECK_FALSE(remote(q, v4("10.1.2.4")));
  REQUIRE(q.parse_nets("10.128.0.0/9"));
  CHECK(remote(q, v4("10.200.0.1")));
  CHECK_FALSE(remote(q, v4("10.127.0.1")));

  AddrPolicy bad;
  CHECK_FALSE(bad.parse_nets("10.0.0.0/33"));
  CHECK_FALSE(bad.parse_nets("10.0.0.0/"));
  CHECK_FALSE(bad.parse_nets("10.0.0.0/2x"));
  CHECK_FALSE(bad.parse_nets("not-an-address"));
  CHECK_FALSE(bad.parse_nets("10.0.0.0/8,nonsense"));
  CHECK(bad.size() == 0);  // a bad list adds nothing, not its good half
}

TEST_CASE("non-IP and short addresses are never xtcp", "[preload][policy]") {
  AddrPolicy p = dut();
  {
    sockaddr s{};
    s.sa_family = AF_UNIX;
    CHECK_FALSE(p.local_is_xtcp(&s, sizeof s));
    CHECK_FALSE(p.remote_is_xtcp(&s, sizeof s));
  }
  const sockaddr_in a = v4("10.75.0.1");
  CHECK_FALSE(p.remote_is_xtcp(reinterpret_cast<const sockaddr*>(&a), 4));
  CHECK_FALSE(p.remote_is_xtcp(nullptr, 0));
}
