#include <catch2/catch.hpp>

#include "cc_sim.h"
#include "tcp/congestion/cubic.h"

using namespace xtcp::tcp;
using xtcp::tcp::test::Sim;

namespace {
constexpr uint32_t kMss = 1000;
Cubic hystart_cubic() { return Cubic(kMss, CubicConfig{.hystart = true}); }
}  // namespace

TEST_CASE("HyStart++ is off by default: slow start runs until a loss", "[hystart]") {
  Cubic cc(kMss);
  Sim sim{cc, kMss, Duration::millis(50)};
  for (int r = 0; r < 3; ++r) sim.round();
  sim.rtt = Duration::millis(100);  // queue building up
  for (int r = 0; r < 4; ++r) sim.round();
  CHECK(cc.in_slow_start());
  CHECK(cc.ssthresh() == kInitialSsthresh);
  CHECK(cc.cwnd() == 1280 * kMss);
}

TEST_CASE("HyStart++ leaves slow start when the RTT rises (RFC 9406)", "[hystart]") {
  Cubic cc = hystart_cubic();
  Sim sim{cc, kMss, Duration::millis(50)};
  for (int r = 0; r < 3; ++r) sim.round();
  REQUIRE(cc.cwnd() == 80 * kMss);  // unchanged slow start while RTT is flat
  REQUIRE_FALSE(cc.in_css());
  // +10 ms is above RttThresh = clamp(50 / 8, 4, 16) = 6.25 ms.
  sim.rtt = Duration::millis(60);
  sim.round();
  CHECK(cc.in_css());
  uint32_t at_css = cc.cwnd();
  sim.round();
  // CSS grows by a quarter of slow start: about 1.25x per round, not 2x.
  CHECK(cc.cwnd() < at_css * 3 / 2);
  CHECK(cc.cwnd() > at_css);
  for (int r = 0; r < 6 && cc.in_slow_start(); ++r) sim.round();
  // After CSS_ROUNDS rounds: ssthresh = cwnd, congestion avoidance.
  CHECK_FALSE(cc.in_slow_start());
  CHECK(cc.ssthresh() != kInitialSsthresh);
  CHECK(cc.cwnd() >= cc.ssthresh());
  // Plain slow start would be at 1280 segments after these 8 rounds.
  CHECK(cc.cwnd() < 640 * kMss);
}

TEST_CASE("HyStart++ returns to slow start when the RTT rise was spurious", "[hystart]") {
  Cubic cc = hystart_cubic();
  Sim sim{cc, kMss, Duration::millis(50)};
  for (int r = 0; r < 3; ++r) sim.round();
  sim.rtt = Duration::millis(60);
  sim.round();
  REQUIRE(cc.in_css());
  sim.rtt = Duration::millis(50);  // below the CSS baseline of 60 ms
  sim.round();
  CHECK_FALSE(cc.in_css());
  CHECK(cc.in_slow_start());
  uint32_t w = cc.cwnd();
  sim.round();
  CHECK(cc.cwnd() == 2 * w);
}

TEST_CASE("HyStart++ applies to the initial slow start only", "[hystart]") {
  Cubic cc = hystart_cubic();
  Sim sim{cc, kMss, Duration::millis(50)};
  sim.round();
  cc.on_rto(cc.cwnd(), sim.now);  // ssthresh 14 segments
  sim.rtt = Duration::millis(60);
  for (int r = 0; r < 3; ++r) sim.round();
  CHECK_FALSE(cc.in_css());
}
