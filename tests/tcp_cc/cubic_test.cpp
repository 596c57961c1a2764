#include <catch2/catch.hpp>

#include <cmath>

#include "cc_sim.h"
#include "tcp/congestion/cubic.h"

using namespace xtcp::tcp;
using xtcp::tcp::test::Sim;

namespace {
constexpr uint32_t kMss = 1000;
// RFC 9438 constants, written out here rather than taken from the class.
constexpr double kC = 0.4;
constexpr double kBeta = 0.7;

double segs(const CongestionControl& cc) { return double(cc.cwnd()) / kMss; }

// RFC 9438 eq. 1 and 2, evaluated independently of the implementation.
double expected_k(double w_max, double cwnd_epoch) { return std::cbrt((w_max - cwnd_epoch) / kC); }
double expected_w(double t, double k, double w_max) { return kC * std::pow(t - k, 3) + w_max; }

// A CUBIC flow that slow-started to 100 segments, lost, and recovered.
struct AfterLoss {
  Cubic cc{kMss};
  Sim sim{cc, kMss};
  AfterLoss(Duration rtt) {
    sim.rtt = rtt;
    sim.grow_to(100 * kMss);
    sim.loss_and_recovery();
  }
};
}  // namespace

TEST_CASE("CUBIC slow start doubles per RTT", "[cubic]") {
  Cubic cc(kMss);
  Sim sim{cc, kMss};
  for (uint32_t expect : {20u, 40u, 80u}) {
    sim.round(1);
    CHECK(cc.cwnd() == expect * kMss);
  }
}

TEST_CASE("CUBIC loss multiplies the window by beta = 0.7", "[cubic]") {
  AfterLoss f(Duration::millis(100));
  CHECK(f.cc.ssthresh() == 70 * kMss);
  CHECK(f.cc.cwnd() == 70 * kMss);
  CHECK(f.cc.w_max() == Approx(100));
  CHECK(f.cc.cwnd_prior() == Approx(100));
  // At least 2 SMSS (section 4.6).
  f.cc.on_enter_recovery(kMss, f.sim.now);
  CHECK(f.cc.ssthresh() == 2 * kMss);
  CHECK(f.cc.cwnd() == 2 * kMss);
}

TEST_CASE("CUBIC K is computed when congestion avoidance starts", "[cubic]") {
  AfterLoss f(Duration::millis(100));
  CHECK_FALSE(f.cc.epoch_start().has_value());
  Instant first = f.sim.now;
  f.sim.ack(kMss);
  REQUIRE(f.cc.epoch_start() == first);
  double k = expected_k(100, 70);  // cbrt(30 / 0.4) = cbrt(75)
  CHECK(k == Approx(4.2171633));
  CHECK(f.cc.k() == Approx(k));
  CHECK(f.cc.w_est() >= 70.0);
}

TEST_CASE("CUBIC W_cubic(t) follows RFC 9438 eq. 1", "[cubic]") {
  AfterLoss f(Duration::millis(100));
  f.sim.ack(kMss);  // starts the epoch
  double k = expected_k(100, 70);
  for (double t : {0.0, 0.5, 1.0, 2.5, k, 5.0, 7.0}) {
    CHECK(f.cc.w_cubic(t) == Approx(expected_w(t, k, 100)));
  }
  CHECK(f.cc.w_cubic(0) == Approx(70));   // starts at cwnd_epoch
  CHECK(f.cc.w_cubic(k) == Approx(100));  // plateau at W_max after K seconds
}

TEST_CASE("CUBIC cwnd tracks W_cubic over time: concave, plateau, convex", "[cubic]") {
  // RTT 100 ms: for 5.5 s W_cubic stays above Reno's estimate, which grows
  // alpha_cubic = 0.53 segments per RTT from 70, so the cubic curve rules.
  AfterLoss f(Duration::millis(100));
  Instant epoch = f.sim.now;
  double k = expected_k(100, 70);
  double alpha = 3 * (1 - kBeta) / (1 + kBeta);
  double prev = segs(f.cc);
  for (int r = 1; r <= 55; ++r) {
    f.sim.round(1);
    double t = double((f.sim.now - epoch).us) / 1e6;
    double w = expected_w(t, k, 100);
    INFO("t=" << t << " cwnd=" << segs(f.cc) << " W_cubic=" << w);
    REQUIRE(w > 70 + alpha * r);
    CHECK(segs(f.cc) >= prev);  // never shrinks without a loss
    // Per section 4.2 cwnd moves toward W_cubic(t + RTT) within each RTT:
    // it is at or a little ahead of W_cubic(t), never far off it.
    CHECK(segs(f.cc) >= w - 1.0);
    CHECK(segs(f.cc) <= expected_w(t + 0.1, k, 100) + 1.0);
    prev = segs(f.cc);
  }
  // 5.5 s in: past K = 4.2 s, in the convex region above W_max.
  CHECK(segs(f.cc) > 100);
  // Reno's estimate reaches cwnd_prior = 100 after 30 / alpha = 56.7 RTTs
  // and then grows one segment per RTT (section 4.3), overtaking the still
  // flat cubic curve: cwnd follows it.
  for (int r = 56; r <= 70; ++r) f.sim.round(1);
  double t = double((f.sim.now - epoch).us) / 1e6;
  double reno = 100 + (70 - 30 / alpha);
  CHECK(segs(f.cc) > expected_w(t, k, 100) + 2);
  CHECK(segs(f.cc) == Approx(reno).margin(1.5));
}

TEST_CASE("CUBIC Reno-friendly region dominates at small RTT", "[cubic]") {
  // RTT 1 ms: Reno's AIMD(alpha_cubic, beta_cubic) outgrows the cubic curve.
  AfterLoss f(Duration::millis(1));
  Instant epoch = f.sim.now;
  double k = expected_k(100, 70);
  double alpha = 3 * (1 - kBeta) / (1 + kBeta);
  for (int r = 0; r < 40; ++r) f.sim.round(1);
  double t = double((f.sim.now - epoch).us) / 1e6;
  // Reno estimate: alpha_cubic segments per RTT from cwnd_epoch (section 4.3).
  double w_est = 70 + alpha * 40;
  CHECK(segs(f.cc) > expected_w(t, k, 100) + 15);
  CHECK(segs(f.cc) == Approx(w_est).margin(1.5));
  // Once W_est passes cwnd_prior (100), alpha becomes 1: one segment per RTT.
  for (int r = 0; r < 40; ++r) f.sim.round(1);
  REQUIRE(segs(f.cc) > 100);
  double before = segs(f.cc);
  for (int r = 0; r < 10; ++r) f.sim.round(1);
  CHECK(segs(f.cc) - before == Approx(10).margin(1.0));
}

TEST_CASE("CUBIC fast convergence lowers W_max", "[cubic]") {
  SECTION("enabled (default)") {
    AfterLoss f(Duration::millis(100));
    for (int r = 0; r < 10; ++r) f.sim.round(1);
    double w = segs(f.cc);
    REQUIRE(w < 100);
    f.cc.on_enter_recovery(f.cc.cwnd(), f.sim.now);
    // Section 4.7: W_max = cwnd * (1 + beta) / 2 when below the old W_max.
    CHECK(f.cc.w_max() == Approx(w * (1 + kBeta) / 2).epsilon(1e-3));
    CHECK(f.cc.ssthresh() == uint32_t(w * kMss * kBeta));
  }
  SECTION("disabled") {
    Cubic cc(kMss, CubicConfig{.fast_convergence = false});
    Sim sim{cc, kMss};
    sim.grow_to(100 * kMss);
    sim.loss_and_recovery();
    for (int r = 0; r < 10; ++r) sim.round(1);
    double w = segs(cc);
    cc.on_enter_recovery(cc.cwnd(), sim.now);
    CHECK(cc.w_max() == Approx(w).epsilon(1e-3));
  }
  SECTION("a window that grew past W_max sets W_max to it") {
    AfterLoss f(Duration::millis(100));
    for (int r = 0; r < 70; ++r) f.sim.round(1);
    double w = segs(f.cc);
    REQUIRE(w > 100);
    f.cc.on_enter_recovery(f.cc.cwnd(), f.sim.now);
    CHECK(f.cc.w_max() == Approx(w).epsilon(1e-3));
  }
}

TEST_CASE("CUBIC RTO: cwnd 1 MSS, ssthresh by beta, then K = 0 (section 4.8)", "[cubic]") {
  Cubic cc(kMss);
  Sim sim{cc, kMss};
  sim.grow_to(100 * kMss);
  cc.on_rto(100 * kMss, sim.now);
  CHECK(cc.cwnd() == kMss);
  CHECK(cc.ssthresh() == 70 * kMss);
  cc.on_rto(kMss, sim.now);  // backoff keeps ssthresh
  CHECK(cc.ssthresh() == 70 * kMss);
  sim.grow_to(70 * kMss);
  REQUIRE_FALSE(cc.in_slow_start());
  double epoch_w = segs(cc);
  sim.ack(kMss);
  CHECK(cc.k() == 0.0);
  CHECK(cc.w_max() == Approx(epoch_w));
}

TEST_CASE("CUBIC undoes a spurious RTO and restarts after idle", "[cubic]") {
  AfterLoss f(Duration::millis(100));
  for (int r = 0; r < 5; ++r) f.sim.round(1);
  uint32_t cwnd = f.cc.cwnd();
  uint32_t ss = f.cc.ssthresh();
  f.cc.on_rto(cwnd, f.sim.now);
  f.cc.on_spurious_rto(f.sim.now);
  CHECK(f.cc.cwnd() == cwnd);
  CHECK(f.cc.ssthresh() == ss);
  CHECK(f.cc.w_max() == Approx(100));
  f.cc.on_idle_restart(f.sim.now);
  CHECK(f.cc.cwnd() == 10 * kMss);
  CHECK_FALSE(f.cc.epoch_start().has_value());
}

TEST_CASE("CUBIC does not count application-limited time in t", "[cubic]") {
  AfterLoss f(Duration::millis(100));
  f.sim.ack(kMss);
  Instant epoch = *f.cc.epoch_start();
  uint32_t cwnd = f.cc.cwnd();
  // Ten seconds of ACKs for a trickle of data: no growth, epoch slides.
  for (int i = 1; i <= 100; ++i) {
    f.sim.now = f.sim.now + Duration::millis(100);
    f.cc.on_ack(kMss, 0, Duration::millis(100), f.sim.now);
  }
  CHECK(f.cc.cwnd() == cwnd);
  CHECK(*f.cc.epoch_start() == epoch + Duration::seconds(10));
}
