// PortReservation against the real kernel bind table: a reserved port is
// refused to kernel apps, a kernel-held port is refused to xtcp, and
// releasing gives it back. Loopback and wildcard addresses only; nothing
// is sent.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <set>
#include <vector>

#include "daemon/peer_credentials.h"
#include "daemon/port_reservation.h"
#include "kernel_socket.h"

using xtcp::daemon::any_address;
using xtcp::daemon::is_wildcard;
using xtcp::daemon::PortReservation;
using xtcp::wire::IpFamily;
using namespace ports_test;

namespace {

PortReservation must_reserve_ephemeral(const char* addr) {
  PortReservation r;
  REQUIRE(PortReservation::reserve_ephemeral(ip(addr), &r) == 0);
  REQUIRE(r.held());
  REQUIRE(r.port() != 0);
  return r;
}

}  // namespace

TEST_CASE("a reserved port is refused to kernel binds", "[ports]") {
  PortReservation r = must_reserve_ephemeral("127.0.0.1");
  const uint16_t p = r.port();
  CHECK(kernel_bind("127.0.0.1", p).fd == -EADDRINUSE);
  CHECK(kernel_bind("0.0.0.0", p).fd == -EADDRINUSE);
  // Servers usually set SO_REUSEADDR or SO_REUSEPORT: neither gets past us.
  CHECK(kernel_bind("127.0.0.1", p, {.reuseaddr = true, .listen = true}).fd == -EADDRINUSE);
  CHECK(kernel_bind("127.0.0.1", p, {.reuseport = true, .listen = true}).fd == -EADDRINUSE);
  // A dual-stack v6 wildcard (V6ONLY off) covers 0.0.0.0 too.
  CHECK(kernel_bind("::", p, {.v6only = false}).fd == -EADDRINUSE);
  // Another reservation collides as well, exact or wildcard.
  PortReservation again;
  CHECK(PortReservation::reserve(ip("127.0.0.1"), p, &again) == -EADDRINUSE);
  CHECK(PortReservation::reserve(any_address(IpFamily::kV4), p, &again) == -EADDRINUSE);
  CHECK_FALSE(again.held());
}

TEST_CASE("a wildcard reservation holds every address of its family", "[ports]") {
  PortReservation r = must_reserve_ephemeral("0.0.0.0");
  CHECK(is_wildcard(r.address()));
  CHECK(kernel_bind("127.0.0.1", r.port(), {.reuseaddr = true}).fd == -EADDRINUSE);
  CHECK(kernel_bind("127.0.0.2", r.port()).fd == -EADDRINUSE);
}

TEST_CASE("a port held by a kernel socket is refused with EADDRINUSE", "[ports]") {
  SECTION("IPv4 listener with SO_REUSEADDR") {
    Fd listener = kernel_bind("127.0.0.1", 0, {.reuseaddr = true, .listen = true});
    REQUIRE(listener.fd >= 0);
    const uint16_t p = local_port(listener.fd);
    PortReservation r;
    CHECK(PortReservation::reserve(ip("127.0.0.1"), p, &r) == -EADDRINUSE);
    CHECK(PortReservation::reserve(any_address(IpFamily::kV4), p, &r) == -EADDRINUSE);
    CHECK_FALSE(r.held());
  }
  SECTION("IPv6 listener") {
    Fd listener = kernel_bind("::1", 0, {.listen = true});
    REQUIRE(listener.fd >= 0);
    PortReservation r;
    CHECK(PortReservation::reserve(ip("::1"), local_port(listener.fd), &r) == -EADDRINUSE);
    CHECK(PortReservation::reserve(any_address(IpFamily::kV6), local_port(listener.fd), &r) ==
          -EADDRINUSE);
  }
  SECTION("bound but not listening") {
    Fd bound = kernel_bind("127.0.0.1", 0);
    REQUIRE(bound.fd >= 0);
    PortReservation r;
    CHECK(PortReservation::reserve(ip("127.0.0.1"), local_port(bound.fd), &r) == -EADDRINUSE);
  }
}

TEST_CASE("releasing a reservation gives the port back to the kernel", "[ports]") {
  uint16_t p = 0;
  {
    PortReservation r = must_reserve_ephemeral("127.0.0.1");
    p = r.port();
    REQUIRE(kernel_bind("127.0.0.1", p).fd == -EADDRINUSE);
  }
  CHECK(kernel_bind("127.0.0.1", p).fd >= 0);

  SECTION("explicit release") {
    PortReservation r;
    REQUIRE(PortReservation::reserve(ip("127.0.0.1"), p, &r) == 0);
    CHECK(r.port() == p);
    r.release();
    CHECK_FALSE(r.held());
    CHECK(kernel_bind("127.0.0.1", p).fd >= 0);
  }
  SECTION("a move keeps the hold; the moved-from object frees nothing") {
    std::vector<PortReservation> held;
    {
      PortReservation r;
      REQUIRE(PortReservation::reserve(ip("127.0.0.1"), p, &r) == 0);
      held.push_back(std::move(r));
      CHECK_FALSE(r.held());
    }
    CHECK(held[0].port() == p);
    CHECK(kernel_bind("127.0.0.1", p).fd == -EADDRINUSE);
    held.clear();
    CHECK(kernel_bind("127.0.0.1", p).fd >= 0);
  }
}

TEST_CASE("ephemeral reservations are distinct and inside ip_local_port_range", "[ports]") {
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  int lo = 0;
  int hi = 0;
  range >> lo >> hi;
  REQUIRE(lo > 0);
  REQUIRE(hi >= lo);
  std::vector<PortReservation> held;
  std::set<uint16_t> ports;
  for (const char* addr : {"127.0.0.1", "::1"}) {
    for (int i = 0; i < 32; ++i) {
      held.push_back(must_reserve_ephemeral(addr));
      const uint16_t p = held.back().port();
      CHECK(p >= lo);
      CHECK(p <= hi);
      CHECK(kernel_bind(addr, p).fd == -EADDRINUSE);
    }
  }
  // Per family the kernel never hands out a held port twice; v4 and v6
  // are separate (V6ONLY), so count them separately.
  for (size_t f = 0; f < 2; ++f) {
    std::set<uint16_t> family_ports;
    for (size_t i = 0; i < 32; ++i) family_ports.insert(held[f * 32 + i].port());
    CHECK(family_ports.size() == 32);
  }
}

TEST_CASE("an IPv6 wildcard reservation does not hold the IPv4 port", "[ports]") {
  PortReservation r = must_reserve_ephemeral("::");
  const uint16_t p = r.port();
  CHECK(kernel_bind("::", p).fd == -EADDRINUSE);
  CHECK(kernel_bind("::1", p).fd == -EADDRINUSE);
  {
    Fd v4 = kernel_bind("0.0.0.0", p, {.listen = true});
    CHECK(v4.fd >= 0);
  }
  // And the other way round: xtcp may still reserve the v4 port.
  PortReservation r4;
  CHECK(PortReservation::reserve(any_address(IpFamily::kV4), p, &r4) == 0);
}

TEST_CASE("a non-local address is refused with EADDRNOTAVAIL", "[ports]") {
  // Documentation prefixes (RFC 5737, RFC 3849): bind only, nothing sent.
  if (read_sysctl_int("/proc/sys/net/ipv4/ip_nonlocal_bind", 0) != 0 ||
      read_sysctl_int("/proc/sys/net/ipv6/ip_nonlocal_bind", 0) != 0) {
    WARN("ip_nonlocal_bind is on here; the kernel accepts any address");
    return;
  }
  PortReservation r;
  CHECK(PortReservation::reserve(ip("192.0.2.1"), 5000, &r) == -EADDRNOTAVAIL);
  CHECK(PortReservation::reserve(ip("2001:db8::1"), 5000, &r) == -EADDRNOTAVAIL);
  CHECK_FALSE(r.held());
}

TEST_CASE("a privileged port without CAP_NET_BIND_SERVICE is refused with EACCES", "[ports]") {
  const int start = xtcp::daemon::unprivileged_port_start();
  if (start <= 1) {
    WARN("ip_unprivileged_port_start is " << start << ": no privileged ports here");
    return;
  }
  const auto low = static_cast<uint16_t>(start - 1);
  auto attempt = [low] {
    PortReservation r;
    return PortReservation::reserve(any_address(IpFamily::kV4), low, &r);
  };
  if (geteuid() != 0) {
    CHECK(attempt() == -EACCES);  // (assumes no file capability on the test binary)
    return;
  }
  // As root: drop to nobody in a child (all capabilities go with uid 0).
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0) _exit(2);
    _exit(attempt() == -EACCES ? 0 : 1);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  // Root itself may reserve it (unless some kernel socket has it).
  const int as_root = attempt();
  CHECK((as_root == 0 || as_root == -EADDRINUSE));
}
