// Latency histogram for xtcp-perf: log-linear buckets (a power-of-two range
// split into kSubBuckets equal steps), so recording is one index computation
// and an increment, never an allocation; percentiles are within
// 1/kSubBuckets of the true value (relative).
#pragma once

#include <array>
#include <cstdint>

namespace xtcp::perf {

class Histogram {
 public:
  static constexpr unsigned kSubBits = 6;  // 64 steps per power of two: < 1.6 % error
  static constexpr unsigned kSubBuckets = 1u << kSubBits;
  static constexpr unsigned kRanges = 64 - kSubBits + 1;
  static constexpr unsigned kBuckets = kRanges * kSubBuckets;

  void record(uint64_t value);
  void merge(const Histogram& other);

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ ? min_ : 0; }
  uint64_t max() const { return max_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }
  // The smallest recorded-bucket value v such that at least q (0..1] of the
  // samples are <= v; clamped to [min, max]. 0 when empty.
  uint64_t percentile(double q) const;

  // Bucket arithmetic, public for the tests.
  static unsigned bucket_of(uint64_t value);
  static uint64_t bucket_low(unsigned bucket);
  static uint64_t bucket_high(unsigned bucket);  // inclusive

 private:
  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
};

}  // namespace xtcp::perf
