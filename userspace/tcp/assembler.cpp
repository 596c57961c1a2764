#include "tcp/assembler.h"

#include <algorithm>

namespace xtcp::tcp {

// One spare slot: in-order data (offset 0) is always accepted, else a full
// set of holes could never be filled.
Assembler::Assembler(uint16_t max_ranges)
    : ranges_(static_cast<size_t>(std::max<uint16_t>(max_ranges, 1)) + 1) {}

bool Assembler::add(uint32_t offset, uint32_t len) {
  if (len == 0) return true;
  uint32_t start = offset;
  uint32_t end = offset + len;
  // Ranges [first, last) touch or overlap the new one; they merge into one.
  size_t first = 0;
  while (first < count_ && ranges_[first].end < start) ++first;
  size_t last = first;
  while (last < count_ && ranges_[last].start <= end) ++last;
  steps_ += last + 1;
  if (first == last) {
    if (count_ + (start == 0 ? 0 : 1) >= ranges_.size()) return false;
    steps_ += count_ - first;  // the shift below
    std::copy_backward(ranges_.begin() + first, ranges_.begin() + count_,
                       ranges_.begin() + count_ + 1);
    ranges_[first] = {start, end};
    ++count_;
    return true;
  }
  ranges_[first].start = std::min(ranges_[first].start, start);
  ranges_[first].end = std::max(ranges_[last - 1].end, end);
  size_t removed = last - first - 1;
  steps_ += count_ - last;
  std::copy(ranges_.begin() + last, ranges_.begin() + count_, ranges_.begin() + first + 1);
  count_ -= removed;
  return true;
}

uint32_t Assembler::pop_front() {
  if (count_ == 0 || ranges_[0].start != 0) return 0;
  uint32_t n = ranges_[0].end;
  steps_ += 2 * count_;
  std::copy(ranges_.begin() + 1, ranges_.begin() + count_, ranges_.begin());
  --count_;
  for (size_t i = 0; i < count_; ++i) {
    ranges_[i].start -= n;
    ranges_[i].end -= n;
  }
  return n;
}

const Assembler::Range* Assembler::find(uint32_t offset) const {
  for (size_t i = 0; i < count_; ++i)
    if (ranges_[i].start <= offset && offset < ranges_[i].end) return &ranges_[i];
  return nullptr;
}

}  // namespace xtcp::tcp
