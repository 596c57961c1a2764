// The CapEff parser over /proc/<pid>/status text, and the capability rule.
#include <linux/capability.h>

#include <catch2/catch.hpp>

#include "daemon/peer_credentials.h"

using xtcp::daemon::caps_allow_privileged_bind;
using xtcp::daemon::parse_cap_eff;

namespace {

// Shape of a real status file (Linux 6.x), trimmed.
constexpr const char* kStatus =
    "Name:\tcat\n"
    "Umask:\t0022\n"
    "State:\tR (running)\n"
    "Uid:\t1000\t1000\t1000\t1000\n"
    "CapInh:\t0000000000000000\n"
    "CapPrm:\t000001ffffffffff\n"
    "CapEff:\t0000000000000400\n"
    "CapBnd:\t000001ffffffffff\n"
    "CapAmb:\t0000000000000000\n"
    "NoNewPrivs:\t0\n";

}  // namespace

TEST_CASE("CapEff is read from its own line, not CapPrm or CapBnd", "[caps]") {
  const auto eff = parse_cap_eff(kStatus);
  REQUIRE(eff.has_value());
  CHECK(*eff == 0x400);
  CHECK(*eff == uint64_t{1} << CAP_NET_BIND_SERVICE);
  CHECK(caps_allow_privileged_bind(*eff));
}

TEST_CASE("capability sets with and without CAP_NET_BIND_SERVICE", "[caps]") {
  CHECK(caps_allow_privileged_bind(0x000001fffeffffffull));  // typical root
  CHECK_FALSE(caps_allow_privileged_bind(0));
  CHECK_FALSE(caps_allow_privileged_bind(~(uint64_t{1} << CAP_NET_BIND_SERVICE)));
  CHECK(*parse_cap_eff("CapEff:\t0000000000000000\n") == 0);
  CHECK(*parse_cap_eff("CapEff:\tffffffffffffffff") == UINT64_MAX);  // no final newline
  CHECK(*parse_cap_eff("CapEff:   400 \r\n") == 0x400);
}

TEST_CASE("a missing or malformed CapEff line is no answer", "[caps]") {
  CHECK_FALSE(parse_cap_eff("").has_value());
  CHECK_FALSE(parse_cap_eff("Name:\tx\nCapPrm:\t0000000000000400\n").has_value());
  CHECK_FALSE(parse_cap_eff("CapEff:\t\n").has_value());
  CHECK_FALSE(parse_cap_eff("CapEff:\t00000000000004zz\n").has_value());
  CHECK_FALSE(parse_cap_eff("CapEff:\t-400\n").has_value());
  CHECK_FALSE(parse_cap_eff("CapEff:\t10000000000000000\n").has_value());  // 17 digits
  CHECK_FALSE(parse_cap_eff(" CapEff:\t400\n").has_value());  // key must start the line
  CHECK_FALSE(parse_cap_eff("XCapEff:\t400\n").has_value());
}
