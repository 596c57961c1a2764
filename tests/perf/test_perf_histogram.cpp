// Histogram: bucket bounds, percentiles against known distributions.
#include <catch2/catch.hpp>

#include <cstdint>
#include <initializer_list>

#include "tools/perf_histogram.h"

using xtcp::perf::Histogram;

TEST_CASE("every value lies inside its bucket, buckets are within 1/64", "[perf][histogram]") {
  for (uint64_t v : std::initializer_list<uint64_t>{0ull, 1ull, 63ull, 64ull, 65ull, 127ull, 128ull, 1000ull, 12345ull, 999999ull, 1ull << 40,
                     (1ull << 40) + 12345, UINT64_MAX}) {
    const unsigned b = Histogram::bucket_of(v);
    REQUIRE(b < Histogram::kBuckets);
    CHECK(Histogram::bucket_low(b) <= v);
    CHECK(v <= Histogram::bucket_high(b));
    const double width = static_cast<double>(Histogram::bucket_high(b) - Histogram::bucket_low(b));
    CHECK(width <= static_cast<double>(Histogram::bucket_low(b)) / 64.0);
  }
  // Buckets are ordered and adjacent: no value falls between two.
  for (unsigned b = 0; b + 1 < 64 * 20; ++b) CHECK(Histogram::bucket_high(b) + 1 == Histogram::bucket_low(b + 1));
}

TEST_CASE("an empty histogram reports zeros", "[perf][histogram]") {
  Histogram h;
  CHECK(h.count() == 0);
  CHECK(h.percentile(0.5) == 0);
  CHECK(h.min() == 0);
  CHECK(h.max() == 0);
  CHECK(h.mean() == 0);
}

TEST_CASE("percentiles of 1..100000 are within 1.6 %", "[perf][histogram]") {
  Histogram h;
  for (uint64_t v = 1; v <= 100000; ++v) h.record(v);
  CHECK(h.count() == 100000);
  CHECK(h.min() == 1);
  CHECK(h.max() == 100000);
  CHECK(h.mean() == Approx(50000.5));
  CHECK(static_cast<double>(h.percentile(0.50)) == Approx(50000).epsilon(0.016));
  CHECK(static_cast<double>(h.percentile(0.99)) == Approx(99000).epsilon(0.016));
  CHECK(static_cast<double>(h.percentile(0.999)) == Approx(99900).epsilon(0.016));
  CHECK(h.percentile(1.0) == 100000);
  CHECK(h.percentile(0.0) == 1);
}

TEST_CASE("a tail of 1 % shows at p99.9, not at p99", "[perf][histogram]") {
  Histogram h;
  for (int i = 0; i < 990; ++i) h.record(10'000);     // 10 us in ns
  for (int i = 0; i < 10; ++i) h.record(5'000'000);   // 5 ms
  CHECK(static_cast<double>(h.percentile(0.50)) == Approx(10'000).epsilon(0.016));
  CHECK(static_cast<double>(h.percentile(0.99)) == Approx(10'000).epsilon(0.016));
  CHECK(static_cast<double>(h.percentile(0.999)) == Approx(5'000'000).epsilon(0.016));
}

TEST_CASE("a single sample is every percentile exactly", "[perf][histogram]") {
  Histogram h;
  h.record(123456789);
  CHECK(h.percentile(0.5) == 123456789);
  CHECK(h.percentile(0.999) == 123456789);
}

TEST_CASE("merge adds the samples of two histograms", "[perf][histogram]") {
  Histogram a, b;
  for (int i = 0; i < 100; ++i) a.record(100);
  for (int i = 0; i < 300; ++i) b.record(1000);
  a.merge(b);
  CHECK(a.count() == 400);
  CHECK(a.min() == 100);
  CHECK(a.max() == 1000);
  CHECK(a.percentile(0.25) == 100);
  CHECK(static_cast<double>(a.percentile(0.26)) == Approx(1000).epsilon(0.016));
}
