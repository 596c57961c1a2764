#include <catch2/catch.hpp>

#include "cc_sim.h"
#include "tcp/congestion/new_reno.h"

using namespace xtcp::tcp;
using xtcp::tcp::test::Sim;

namespace {
constexpr uint32_t kMss = 1000;
}

TEST_CASE("initial window is IW10 per RFC 6928 for several MSS", "[cc]") {
  // min(10*MSS, max(2*MSS, 14600))
  CHECK(initial_window(1460) == 14600);
  CHECK(initial_window(1000) == 10000);
  CHECK(initial_window(536) == 5360);
  CHECK(initial_window(1220) == 12200);
  CHECK(initial_window(4380) == 14600);  // 10*MSS too big, 14600 wins
  CHECK(initial_window(8960) == 17920);  // 2*MSS beats 14600
  for (auto algo : {CcAlgorithm::kNewReno, CcAlgorithm::kCubic}) {
    auto cc = make_congestion_control(algo, 1460);
    CHECK(cc->cwnd() == 14600);
    CHECK(cc->ssthresh() == kInitialSsthresh);
    CHECK(cc->in_slow_start());
  }
}

TEST_CASE("factory and names", "[cc]") {
  CHECK(std::string(make_congestion_control(CcAlgorithm::kNewReno, 1460)->name()) == "newreno");
  CHECK(std::string(make_congestion_control(CcAlgorithm::kCubic, 1460)->name()) == "cubic");
  CHECK(parse_cc_algorithm("cubic") == CcAlgorithm::kCubic);
  CHECK(parse_cc_algorithm("newreno") == CcAlgorithm::kNewReno);
  CHECK(parse_cc_algorithm("reno") == CcAlgorithm::kNewReno);
  CHECK_FALSE(parse_cc_algorithm("bbr").has_value());
  CHECK_FALSE(parse_cc_algorithm("").has_value());
  CHECK(make_congestion_control(CcAlgorithm::kNewReno, 0)->cwnd() > 0);
}

TEST_CASE("NewReno slow start doubles cwnd per RTT, with ABC", "[newreno]") {
  NewReno cc(kMss);
  Sim sim{cc, kMss};
  SECTION("one ACK per segment") {
    for (uint32_t expect : {20u, 40u, 80u, 160u}) {
      sim.round(1);
      CHECK(cc.cwnd() == expect * kMss);
    }
  }
  SECTION("delayed ACKs (2 segments each) still double: L = 2") {
    for (uint32_t expect : {20u, 40u, 80u}) {
      sim.round(2);
      CHECK(cc.cwnd() == expect * kMss);
    }
  }
  SECTION("stretch ACKs of 4 segments are capped at 2*SMSS each") {
    sim.round(4);  // 10 segs -> 2 ACKs (8 segs), +2 MSS each
    CHECK(cc.cwnd() == 14 * kMss);
  }
}

TEST_CASE("NewReno congestion avoidance grows about one MSS per RTT", "[newreno]") {
  NewReno cc(kMss);
  Sim sim{cc, kMss};
  sim.grow_to(100 * kMss);
  sim.loss_and_recovery();
  REQUIRE(cc.cwnd() == 50 * kMss);
  REQUIRE_FALSE(cc.in_slow_start());
  for (uint32_t r = 1; r <= 10; ++r) {
    sim.round(1);
    CHECK(cc.cwnd() == (50 + r) * kMss);
  }
  // Delayed ACKs acknowledge the same bytes: the same growth (RFC 3465).
  sim.round(2);
  CHECK(cc.cwnd() == 61 * kMss);
}

TEST_CASE("NewReno loss halves the window, at least 2 MSS", "[newreno]") {
  NewReno cc(kMss);
  Sim sim{cc, kMss};
  sim.grow_to(64 * kMss);
  cc.on_enter_recovery(64 * kMss, sim.now);
  CHECK(cc.ssthresh() == 32 * kMss);
  CHECK(cc.cwnd() == 32 * kMss);
  cc.on_exit_recovery(sim.now);
  CHECK(cc.cwnd() == 32 * kMss);
  // ssthresh uses FlightSize, not cwnd (RFC 5681 eq. 4).
  cc.on_enter_recovery(10 * kMss, sim.now);
  CHECK(cc.ssthresh() == 5 * kMss);
  cc.on_enter_recovery(kMss, sim.now);
  CHECK(cc.ssthresh() == 2 * kMss);
  CHECK(cc.cwnd() == 2 * kMss);
}

TEST_CASE("NewReno RTO collapses cwnd to 1 MSS and slow-starts to ssthresh", "[newreno]") {
  NewReno cc(kMss);
  Sim sim{cc, kMss};
  sim.grow_to(40 * kMss);
  cc.on_rto(40 * kMss, sim.now);
  CHECK(cc.cwnd() == kMss);
  CHECK(cc.ssthresh() == 20 * kMss);
  // Backed-off RTO of the same segment keeps ssthresh (RFC 5681 3.1).
  cc.on_rto(kMss, sim.now);
  CHECK(cc.ssthresh() == 20 * kMss);
  CHECK(cc.cwnd() == kMss);
  sim.round(1);
  CHECK(cc.cwnd() == 2 * kMss);
  sim.grow_to(20 * kMss);
  CHECK(cc.cwnd() == 20 * kMss);
  CHECK_FALSE(cc.in_slow_start());
  sim.round(1);
  CHECK(cc.cwnd() == 21 * kMss);
  // A new RTO after ACKs recomputes ssthresh.
  cc.on_rto(kMss, sim.now);
  CHECK(cc.ssthresh() == 2 * kMss);
}

TEST_CASE("NewReno undoes a spurious RTO", "[newreno]") {
  NewReno cc(kMss);
  Sim sim{cc, kMss};
  sim.grow_to(40 * kMss);
  cc.on_rto(40 * kMss, sim.now);
  cc.on_rto(kMss, sim.now);
  cc.on_spurious_rto(sim.now);
  CHECK(cc.cwnd() == 40 * kMss);
  CHECK(cc.ssthresh() == kInitialSsthresh);
  // Without an RTO there is nothing to undo.
  cc.on_enter_recovery(40 * kMss, sim.now);
  cc.on_spurious_rto(sim.now);
  CHECK(cc.cwnd() == 20 * kMss);
}

TEST_CASE("NewReno idle restart caps cwnd at the initial window", "[newreno]") {
  NewReno cc(kMss);
  Sim sim{cc, kMss};
  sim.grow_to(50 * kMss);
  cc.on_idle_restart(sim.now);
  CHECK(cc.cwnd() == 10 * kMss);
  cc.on_rto(10 * kMss, sim.now);
  cc.on_idle_restart(sim.now);
  CHECK(cc.cwnd() == kMss);  // RW = min(IW, cwnd)
}

TEST_CASE("NewReno does not grow an unused window", "[newreno]") {
  NewReno cc(kMss);
  cc.on_ack(kMss, 0, std::nullopt, Instant{});  // 1 MSS used of 10
  CHECK(cc.cwnd() == 10 * kMss);
  cc.on_ack(kMss, 4 * kMss, std::nullopt, Instant{});  // 5 of 10: validated
  CHECK(cc.cwnd() == 11 * kMss);
}

TEST_CASE("set_mss redoes IW before data, keeps bytes after", "[newreno]") {
  NewReno cc(536);
  CHECK(cc.cwnd() == 5360);
  cc.set_mss(1460);
  CHECK(cc.cwnd() == 14600);
  Sim sim{cc, 1460};
  sim.ack(1460);
  cc.set_mss(1000);
  CHECK(cc.cwnd() == 16060);
}

TEST_CASE("resume: an algorithm taking over a live connection continues from its window", "[cc]") {
  // Linux keeps snd_cwnd and snd_ssthresh across a TCP_CONGESTION change.
  NewReno from(kMss);
  Sim sim{from, kMss};
  sim.grow_to(100 * kMss);
  sim.loss_and_recovery();  // cwnd = ssthresh = 50 segments
  for (auto algo : {CcAlgorithm::kNewReno, CcAlgorithm::kCubic}) {
    auto to = make_congestion_control(algo, kMss);
    to->resume(from.cwnd(), from.ssthresh());
    CHECK(to->cwnd() == 50 * kMss);
    CHECK(to->ssthresh() == 50 * kMss);
    CHECK_FALSE(to->in_slow_start());
    to->set_mss(kMss);  // a later MSS update does not redo the initial window
    CHECK(to->cwnd() == 50 * kMss);
    Sim next{*to, kMss};
    next.now = sim.now;
    next.round(1);  // congestion avoidance, not slow start
    CHECK(to->cwnd() > 50 * kMss);
    CHECK(to->cwnd() < 60 * kMss);
  }
  SECTION("out-of-range values are clamped: at least 1 MSS of window, 2 MSS of ssthresh") {
    auto to = make_congestion_control(CcAlgorithm::kCubic, kMss);
    to->resume(0, 0);
    CHECK(to->cwnd() == kMss);
    CHECK(to->ssthresh() == 2 * kMss);
  }
}
