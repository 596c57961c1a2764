#include <catch2/catch.hpp>

#include "tcp/rtt_estimator.h"

using namespace xtcp::tcp;

namespace {
Duration ms(int64_t v) { return Duration::millis(v); }
Duration us(int64_t v) { return Duration::micros(v); }
}  // namespace

TEST_CASE("RTO starts at 1 s with no samples (RFC 6298 2.1)", "[rtt]") {
  RttEstimator e;
  CHECK(e.rto() == Duration::seconds(1));
  CHECK_FALSE(e.has_sample());
  CHECK(e.srtt() == Duration{});
}

TEST_CASE("first sample: SRTT = R, RTTVAR = R/2 (RFC 6298 2.2)", "[rtt]") {
  RttEstimator e;
  e.on_sample(ms(100));
  CHECK(e.srtt() == ms(100));
  CHECK(e.rttvar() == ms(50));
  CHECK(e.rto() == ms(300));  // 100 + max(1 ms, 4 * 50)
  CHECK(e.min_rtt() == ms(100));
}

TEST_CASE("subsequent samples: alpha 1/8, beta 1/4 (RFC 6298 2.3)", "[rtt]") {
  RttEstimator e;
  e.on_sample(ms(100));
  e.on_sample(ms(200));
  // RTTVAR = 3/4 * 50 + 1/4 * |100 - 200| = 62.5 ms, with the old SRTT.
  CHECK(e.rttvar() == us(62500));
  // SRTT = 7/8 * 100 + 1/8 * 200 = 112.5 ms.
  CHECK(e.srtt() == us(112500));
  CHECK(e.rto() == us(112500 + 4 * 62500));
  e.on_sample(ms(40));
  // RTTVAR = 3/4 * 62.5 + 1/4 * 72.5 = 65 ms; SRTT = 7/8 * 112.5 + 5 = 103.4375 ms.
  CHECK(e.rttvar() == us(65000));
  CHECK(e.srtt() == us(103437));
  CHECK(e.min_rtt() == ms(40));
  CHECK(e.latest_rtt() == ms(40));
}

TEST_CASE("min RTO clamps a small computed RTO", "[rtt]") {
  RttEstimator e;  // default floor 200 ms
  e.on_sample(ms(1));
  CHECK(e.rto() == ms(200));
  RttConfig c;
  c.min_rto = ms(1);
  RttEstimator lo(c);
  lo.on_sample(ms(1));
  CHECK(lo.rto() == us(3000));  // 1 + 4 * 0.5
}

TEST_CASE("clock granularity G bounds the variance term", "[rtt]") {
  RttConfig c;
  c.min_rto = Duration{};
  c.granularity = ms(5);
  RttEstimator e(c);
  for (int i = 0; i < 100; ++i) e.on_sample(ms(10));
  CHECK(e.srtt() == ms(10));
  CHECK(e.rttvar() < us(100));
  CHECK(e.rto() == ms(15));  // SRTT + G once 4*RTTVAR < G
}

TEST_CASE("backoff doubles up to max RTO and a new sample resets it (RFC 6298 5.5)", "[rtt]") {
  RttEstimator e;
  e.on_sample(ms(100));
  REQUIRE(e.rto() == ms(300));
  e.backoff();
  CHECK(e.rto() == ms(600));
  e.backoff();
  CHECK(e.rto() == ms(1200));
  for (int i = 0; i < 20; ++i) e.backoff();
  CHECK(e.rto() == Duration::seconds(120));  // Linux-like default ceiling
  CHECK(e.backoff_count() == 22);
  e.backoff();
  CHECK(e.rto() == Duration::seconds(120));
  e.on_sample(ms(100));
  CHECK(e.backoff_count() == 0);
  CHECK(e.rto() < ms(400));
}

TEST_CASE("max RTO is configurable", "[rtt]") {
  RttConfig c;
  c.max_rto = Duration::seconds(60);
  RttEstimator e(c);
  for (int i = 0; i < 10; ++i) e.backoff();  // from the initial 1 s
  CHECK(e.rto() == Duration::seconds(60));
  e.on_sample(Duration::seconds(100));  // a huge sample is capped too
  CHECK(e.rto() == Duration::seconds(60));
}

TEST_CASE("SYN timeout re-initializes the RTO to 3 s (RFC 6298 5.7)", "[rtt]") {
  RttEstimator e;
  e.backoff();
  e.on_syn_timeout_data_start();
  CHECK(e.rto() == Duration::seconds(3));
  RttEstimator sampled;
  sampled.on_sample(ms(100));
  sampled.on_syn_timeout_data_start();
  CHECK(sampled.rto() == ms(300));
}
