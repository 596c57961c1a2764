// Out-of-order bookkeeping for the receive ring: which byte ranges past the
// in-order end (offset 0 = rcv.nxt) already hold data. A fixed maximum
// number of disjoint ranges bounds memory and CPU: add() is O(ranges) and a
// segment that would need one range too many is refused (the peer resends).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace xtcp::tcp {

class Assembler {
 public:
  struct Range {
    uint32_t start;  // offset from the in-order end, inclusive
    uint32_t end;    // exclusive
  };

  explicit Assembler(uint16_t max_ranges = 32);

  // Marks [offset, offset+len) as present. Returns false (and changes
  // nothing) when it would need more than max_ranges ranges.
  bool add(uint32_t offset, uint32_t len);
  // Bytes now contiguous at offset 0; removes them and rebases the rest.
  uint32_t pop_front();
  // Drops everything (e.g. on abort).
  void clear() { count_ = 0; }

  size_t range_count() const { return count_; }
  const Range& range(size_t i) const { return ranges_[i]; }
  bool empty() const { return count_ == 0; }
  // The range containing offset, or nullptr.
  const Range* find(uint32_t offset) const;
  // Ranges visited or moved so far by add()/pop_front(): the work counter
  // tests use to show reassembly costs O(max_ranges) per segment.
  uint64_t steps() const { return steps_; }

 private:
  std::vector<Range> ranges_;  // sized once at construction; sorted, disjoint
  size_t count_ = 0;
  uint64_t steps_ = 0;
};

}  // namespace xtcp::tcp
