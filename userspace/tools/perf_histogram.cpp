#include "tools/perf_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace xtcp::perf {

// Values below kSubBuckets get one bucket each (range 0); above, range r
// covers [2^(r+kSubBits-1), 2^(r+kSubBits)) in kSubBuckets equal steps.
unsigned Histogram::bucket_of(uint64_t value) {
  if (value < kSubBuckets) return static_cast<unsigned>(value);
  const unsigned top = 63u - static_cast<unsigned>(std::countl_zero(value));  // >= kSubBits
  const unsigned range = top - kSubBits + 1;
  const unsigned sub = static_cast<unsigned>(value >> (top - kSubBits)) & (kSubBuckets - 1);
  return range * kSubBuckets + sub;
}

uint64_t Histogram::bucket_low(unsigned bucket) {
  const unsigned range = bucket / kSubBuckets;
  const uint64_t sub = bucket % kSubBuckets;
  if (range == 0) return sub;
  const unsigned shift = range - 1;
  return (uint64_t{kSubBuckets} + sub) << shift;
}

uint64_t Histogram::bucket_high(unsigned bucket) {
  const unsigned range = bucket / kSubBuckets;
  if (range == 0) return bucket_low(bucket);
  return bucket_low(bucket) + ((uint64_t{1} << (range - 1)) - 1);
}

void Histogram::record(uint64_t value) {
  ++counts_[bucket_of(value)];
  ++count_;
  sum_ += value;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

void Histogram::merge(const Histogram& other) {
  for (unsigned i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

uint64_t Histogram::percentile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // Rank of the sample at quantile q (1-based, nearest-rank method).
  uint64_t rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (unsigned i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::clamp(bucket_high(i), min_, max_);
  }
  return max_;
}

}  // namespace xtcp::perf
