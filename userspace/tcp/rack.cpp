#include "tcp/rack.h"

#include <algorithm>

namespace xtcp::tcp {

using wire::SeqNumber;

namespace {
constexpr uint32_t kDupThresh = 3;       // RFC 8985 6.2 step 4 (DupThresh)
constexpr uint32_t kMaxReoWndMult = 64;  // bounds the window at 16 * min_rtt
constexpr uint32_t kReoWndPersist = 16;  // recoveries before the multiplier resets

uint32_t bytes(const Rack::Record& r) { return static_cast<uint32_t>(r.end - r.start); }

// RFC 8985 6.2 RACK_sent_after(t1, seq1, t2, seq2).
bool sent_after(Instant t1, SeqNumber seq1, Instant t2, SeqNumber seq2) {
  return t1 > t2 || (t1 == t2 && seq1 > seq2);
}
}  // namespace

Rack::Rack(size_t capacity) : ring_(std::max<size_t>(capacity, 4)) {}

size_t Rack::find(SeqNumber s) const {
  // Binary search: records are sorted and contiguous from the head.
  size_t lo = 0, hi = count_;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (record(mid).end <= s) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

void Rack::insert_after(size_t i, const Record& r) {
  // Shift records i+1.. one place towards the tail (rare: partial resends).
  for (size_t k = count_; k > i + 1; --k) at(k) = at(k - 1);
  at(i + 1) = r;
  ++count_;
}

bool Rack::split(size_t i, SeqNumber at_seq) {
  Record& r = at(i);
  if (!(r.start < at_seq && at_seq < r.end)) return true;
  if (count_ == ring_.size()) return false;
  Record tail = r;
  tail.start = at_seq;
  r.end = at_seq;
  insert_after(i, tail);
  return true;
}

void Rack::set_lost(Record& r, bool lost) {
  if (r.lost == lost) return;
  r.lost = lost;
  if (lost) {
    lost_bytes_ += bytes(r);
  } else {
    lost_bytes_ -= std::min(lost_bytes_, bytes(r));
  }
}

void Rack::on_send(SeqNumber start, SeqNumber end, Instant now) {
  if (!(start < end)) return;
  SeqNumber log_end = count_ > 0 ? record(count_ - 1).end : start;
  if (count_ == 0 || start >= log_end) {
    if (count_ == ring_.size()) {
      // Full: the newest record absorbs this one (a later send time).
      Record& last = at(count_ - 1);
      last.end = end;
      last.xmit = now;
      return;
    }
    at(count_++) = Record{.start = start, .end = end, .xmit = now};
    return;
  }
  // A retransmission: restamp the records it covers (RFC 8985 6.1: the
  // send time is that of the most recent transmission).
  for (size_t i = find(start); i < count_ && at(i).start < end; ++i) {
    split(i, start);
    if (at(i).start < start) continue;  // the untouched head of a split
    split(i, end);
    Record& r = at(i);
    r.xmit = now;
    r.retransmitted = true;
    set_lost(r, false);
  }
  if (end > log_end && count_ < ring_.size()) at(count_++) = Record{.start = log_end, .end = end, .xmit = now};
}

void Rack::delivered(Record& r, Instant now, Duration min_rtt) {
  // RFC 8985 6.2 step 2 (RACK_update): skip an ambiguous retransmission,
  // one ACKed sooner than the path can deliver it (the original arrived).
  Duration rtt = now - r.xmit;
  if (r.retransmitted && rtt < min_rtt) return;
  // Step 3 (RACK_detect_reordering): delivered below what was already
  // delivered, never retransmitted: the path reorders.
  if (have_fack_ && r.end < fack_ && !r.retransmitted) reordering_seen_ = true;
  if (!have_fack_ || r.end > fack_) {
    fack_ = r.end;
    have_fack_ = true;
  }
  if (sent_after(r.xmit, r.end, xmit_ts_, end_seq_)) {
    rtt_ = rtt;
    xmit_ts_ = r.xmit;
    end_seq_ = r.end;
  }
}

void Rack::on_cumulative_ack(SeqNumber una, Instant now, Duration min_rtt) {
  while (count_ > 0 && record(0).start < una) {
    Record& r = at(0);
    if (!r.sacked) delivered(r, now, min_rtt);
    if (r.end > una) {  // partly acknowledged: keep the rest
      if (r.lost) lost_bytes_ -= std::min(lost_bytes_, static_cast<uint32_t>(una - r.start));
      r.start = una;
      break;
    }
    set_lost(r, false);
    if (r.sacked) --sacked_count_;
    head_ = (head_ + 1) % ring_.size();
    --count_;
  }
  if (dsack_round_active_ && una >= dsack_round_end_) dsack_round_active_ = false;
}

void Rack::on_sack(SeqNumber left, SeqNumber right, Instant now, Duration min_rtt) {
  for (size_t i = find(left); i < count_ && at(i).start < right; ++i) {
    Record& r = at(i);
    if (r.sacked || r.start < left || r.end > right) continue;  // whole records only
    delivered(r, now, min_rtt);
    set_lost(r, false);
    r.sacked = true;
    ++sacked_count_;
  }
}

void Rack::on_dsack(SeqNumber una, SeqNumber snd_max) {
  // RFC 8985 6.2 step 4: grow by one per round trip with D-SACKs and keep
  // the wider window for 16 recoveries.
  (void)una;
  reordering_seen_ = true;
  reo_wnd_persist_ = kReoWndPersist;
  if (dsack_round_active_) return;
  dsack_round_active_ = true;
  dsack_round_end_ = snd_max;
  reo_wnd_mult_ = std::min(reo_wnd_mult_ + 1, kMaxReoWndMult);
}

void Rack::on_recovery_end() {
  if (reo_wnd_persist_ > 0 && --reo_wnd_persist_ == 0) {
    reo_wnd_mult_ = 1;
    reo_wnd_persist_ = kReoWndPersist;
  }
}

Duration Rack::reo_wnd(Duration srtt, Duration min_rtt, bool in_recovery) const {
  // RFC 8985 6.2 step 4 (RACK_update_reo_wnd): without reordering seen,
  // no window once loss is certain (in recovery, or DupThresh SACKed).
  if (!reordering_seen_ && (in_recovery || sacked_count_ >= kDupThresh)) return Duration{};
  Duration w = min_rtt / 4 * reo_wnd_mult_;
  return std::min(w, srtt);
}

Duration Rack::detect_loss(Instant now, Duration srtt, Duration min_rtt, bool in_recovery) {
  if (xmit_ts_.us < 0) return Duration{};
  Duration reo = reo_wnd(srtt, min_rtt, in_recovery);
  Duration timeout{};
  for (size_t i = 0; i < count_; ++i) {
    Record& r = at(i);
    if (r.sacked || r.lost) continue;
    if (!sent_after(xmit_ts_, end_seq_, r.xmit, r.end)) continue;
    // RFC 8985 6.2 step 5: lost once RACK.rtt + reo_wnd passed since sent.
    Duration remaining = (r.xmit + rtt_ + reo) - now;
    if (remaining <= Duration{}) {
      set_lost(r, true);
    } else {
      timeout = std::max(timeout, remaining);
    }
  }
  return timeout;
}

void Rack::on_rto() {
  for (size_t i = 0; i < count_; ++i) at(i).lost = false;
  lost_bytes_ = 0;
}

void Rack::clear_sacked() {
  for (size_t i = 0; i < count_; ++i) at(i).sacked = false;
  sacked_count_ = 0;
}

bool Rack::first_lost(SeqNumber limit, SeqNumber* seq, uint32_t* len) const {
  if (lost_bytes_ == 0) return false;
  for (size_t i = 0; i < count_; ++i) {
    const Record& r = record(i);
    if (r.start >= limit) return false;
    if (!r.lost) continue;
    *seq = r.start;
    *len = static_cast<uint32_t>(wire::seq_min(r.end, limit) - r.start);
    return true;
  }
  return false;
}

bool Rack::first_unsacked(SeqNumber* seq, uint32_t* len) const {
  for (size_t i = 0; i < count_; ++i) {
    const Record& r = record(i);
    if (r.sacked) continue;
    *seq = r.start;
    *len = bytes(r);
    return true;
  }
  return false;
}

bool Rack::last_unsacked(SeqNumber* seq, uint32_t* len) const {
  for (size_t i = count_; i > 0; --i) {
    const Record& r = record(i - 1);
    if (r.sacked) continue;
    *seq = r.start;
    *len = bytes(r);
    return true;
  }
  return false;
}

}  // namespace xtcp::tcp
