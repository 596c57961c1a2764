// The sender's record of SACKed ranges (RFC 6675 section 2's scoreboard).
// Bounded: at most max_ranges disjoint ranges, blocks outside
// [snd.una, snd.max] are ignored, so hostile SACK blocks cannot grow it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "wire/seq.h"

namespace xtcp::tcp {

class SackScoreboard {
 public:
  struct Range {
    wire::SeqNumber left;   // inclusive
    wire::SeqNumber right;  // exclusive
  };

  explicit SackScoreboard(uint16_t max_ranges = 32);

  // Records [left, right) clipped to [una, snd_max). Returns the number of
  // newly SACKed bytes. When full, the range closest to snd_max is dropped
  // (losing SACK information is safe: those bytes are merely resent).
  uint32_t add(wire::SeqNumber left, wire::SeqNumber right, wire::SeqNumber una,
               wire::SeqNumber snd_max);
  // Forgets everything below una (cumulatively acknowledged).
  void advance(wire::SeqNumber una);
  void clear() { count_ = 0; sacked_bytes_ = 0; }

  bool empty() const { return count_ == 0; }
  size_t range_count() const { return count_; }
  const Range& range(size_t i) const { return ranges_[i]; }
  uint32_t sacked_bytes() const { return sacked_bytes_; }
  // Highest SACKed sequence number + 1 (valid when !empty()).
  wire::SeqNumber highest() const { return ranges_[count_ - 1].right; }
  bool is_sacked(wire::SeqNumber s) const;
  // Bytes SACKed at or above s (RFC 6675 IsLost's count).
  uint32_t sacked_above(wire::SeqNumber s) const;
  // First un-SACKed hole starting at or after `from`, below highest():
  // returns false when there is none; else [*left, *right).
  bool next_hole(wire::SeqNumber from, wire::SeqNumber* left, wire::SeqNumber* right) const;

 private:
  void erase(size_t i);
  std::vector<Range> ranges_;  // sized once; sorted, disjoint
  size_t count_ = 0;
  uint32_t sacked_bytes_ = 0;
};

}  // namespace xtcp::tcp
