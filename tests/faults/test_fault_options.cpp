// xtcpd --fault (issue 6): the spec is parsed into per-million fractions,
// off by default, and a bad spec is one sentence naming the bad item.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "daemon/options.h"

using namespace xtcp;
using daemon::ParsedOptions;

namespace {
ParsedOptions parse(std::vector<std::string_view> args) {
  args.insert(args.begin(), {"--iface", "eth0"});
  return daemon::parse_options(args, "/tmp/x.sock");
}
}  // namespace

TEST_CASE("without --fault nothing is injected", "[faults][options]") {
  const ParsedOptions r = parse({});
  REQUIRE(r.action == ParsedOptions::Action::kRun);
  CHECK_FALSE(r.config.fault.any());
}

TEST_CASE("--fault fills every field", "[faults][options]") {
  const ParsedOptions r = parse({"--fault",
                                 "rx-drop=0.01,rx-dup=0.02,rx-reorder=0.03,rx-corrupt=0.001,"
                                 "rx-delay=1e-4,tx-drop=0.5,tx-dup=1,tx-corrupt=0,"
                                 "reorder-depth=5,delay-ms=7,seed=42"});
  REQUIRE(r.action == ParsedOptions::Action::kRun);
  const stack::FaultConfig& f = r.config.fault;
  CHECK(f.rx_drop_ppm == 10000);
  CHECK(f.rx_dup_ppm == 20000);
  CHECK(f.rx_reorder_ppm == 30000);
  CHECK(f.rx_corrupt_ppm == 1000);
  CHECK(f.rx_delay_ppm == 100);
  CHECK(f.tx_drop_ppm == 500000);
  CHECK(f.tx_dup_ppm == 1000000);
  CHECK(f.tx_corrupt_ppm == 0);
  CHECK(f.reorder_depth == 5);
  CHECK(f.delay == tcp::Duration::millis(7));
  CHECK(f.seed == 42);
}

TEST_CASE("--fault=SPEC spelling works", "[faults][options]") {
  const ParsedOptions r = parse({"--fault=tx-drop=0.25"});
  REQUIRE(r.action == ParsedOptions::Action::kRun);
  CHECK(r.config.fault.tx_drop_ppm == 250000);
  CHECK(r.config.fault.seed == stack::kDefaultFaultSeed);
}

TEST_CASE("bad --fault values name the item", "[faults][options]") {
  struct Case {
    std::string_view spec, says;
  };
  const Case cases[] = {
      {"rx-drop=2", "'rx-drop=2' needs a fraction from 0 to 1"},
      {"rx-drop=-0.1", "'rx-drop=-0.1' needs a fraction"},
      {"rx-drop=x", "needs a fraction"},
      {"rx-drop", "'rx-drop' is not key=value"},
      {"rx-lose=0.1", "unknown fault 'rx-lose'"},
      {"rx-drop=0", "names no fault"},
      {"seed=3", "names no fault"},
      {"rx-drop=0.1,reorder-depth=0", "'reorder-depth=0' needs a number of frames"},
      {"rx-drop=0.1,delay-ms=5000", "'delay-ms=5000' needs milliseconds"},
      {"rx-drop=0.1,seed=", "'seed=' needs a number"},
  };
  for (const Case& c : cases) {
    INFO(c.spec);
    const ParsedOptions r = parse({"--fault", c.spec});
    REQUIRE(r.action == ParsedOptions::Action::kError);
    CHECK(r.error.find("--fault ") == 0);
    CHECK(r.error.find(std::string(c.says)) != std::string::npos);
  }
}
