#include "tcp/sack_scoreboard.h"

#include <algorithm>

namespace xtcp::tcp {

using wire::SeqNumber;
using wire::seq_max;
using wire::seq_min;

SackScoreboard::SackScoreboard(uint16_t max_ranges)
    : ranges_(std::max<uint16_t>(max_ranges, 1)) {}

void SackScoreboard::erase(size_t i) {
  std::copy(ranges_.begin() + i + 1, ranges_.begin() + count_, ranges_.begin() + i);
  --count_;
}

uint32_t SackScoreboard::add(SeqNumber left, SeqNumber right, SeqNumber una, SeqNumber snd_max) {
  // RFC 2018 / RFC 5961-style sanity: ignore blocks outside what we sent.
  if (!(left < right) || right <= una || left >= snd_max) return 0;
  left = seq_max(left, una);
  right = seq_min(right, snd_max);
  if (!(left < right)) return 0;
  uint32_t before = sacked_bytes_;
  size_t first = 0;
  while (first < count_ && ranges_[first].right < left) ++first;
  size_t last = first;
  while (last < count_ && ranges_[last].left <= right) ++last;
  if (first == last) {
    if (count_ == ranges_.size()) {
      // Full: keep the lowest ranges (they describe the holes resent first).
      if (first == count_) return 0;
      sacked_bytes_ -= static_cast<uint32_t>(ranges_[count_ - 1].right - ranges_[count_ - 1].left);
      --count_;
    }
    std::copy_backward(ranges_.begin() + first, ranges_.begin() + count_,
                       ranges_.begin() + count_ + 1);
    ranges_[first] = {left, right};
    ++count_;
    sacked_bytes_ += static_cast<uint32_t>(right - left);
    return sacked_bytes_ > before ? sacked_bytes_ - before : 0;
  }
  for (size_t i = first; i < last; ++i)
    sacked_bytes_ -= static_cast<uint32_t>(ranges_[i].right - ranges_[i].left);
  Range merged{seq_min(ranges_[first].left, left), seq_max(ranges_[last - 1].right, right)};
  ranges_[first] = merged;
  std::copy(ranges_.begin() + last, ranges_.begin() + count_, ranges_.begin() + first + 1);
  count_ -= last - first - 1;
  sacked_bytes_ += static_cast<uint32_t>(merged.right - merged.left);
  return sacked_bytes_ > before ? sacked_bytes_ - before : 0;
}

void SackScoreboard::advance(SeqNumber una) {
  while (count_ > 0 && ranges_[0].right <= una) {
    sacked_bytes_ -= static_cast<uint32_t>(ranges_[0].right - ranges_[0].left);
    erase(0);
  }
  if (count_ > 0 && ranges_[0].left < una) {
    sacked_bytes_ -= static_cast<uint32_t>(una - ranges_[0].left);
    ranges_[0].left = una;
  }
}

bool SackScoreboard::is_sacked(SeqNumber s) const {
  for (size_t i = 0; i < count_; ++i)
    if (ranges_[i].left <= s && s < ranges_[i].right) return true;
  return false;
}

uint32_t SackScoreboard::sacked_above(SeqNumber s) const {
  uint32_t n = 0;
  for (size_t i = 0; i < count_; ++i) {
    if (ranges_[i].right <= s) continue;
    n += static_cast<uint32_t>(ranges_[i].right - seq_max(ranges_[i].left, s));
  }
  return n;
}

bool SackScoreboard::next_hole(SeqNumber from, SeqNumber* left, SeqNumber* right) const {
  SeqNumber pos = from;
  for (size_t i = 0; i < count_; ++i) {
    if (ranges_[i].right <= pos) continue;
    if (pos < ranges_[i].left) {
      *left = pos;
      *right = ranges_[i].left;
      return true;
    }
    pos = ranges_[i].right;
  }
  return false;
}

}  // namespace xtcp::tcp
