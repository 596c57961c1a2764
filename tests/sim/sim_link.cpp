// The simulated link: bottleneck queue first, then the impairments a segment
// meets on the wire (see sim_link.h).
#include "sim/sim_link.h"

#include <algorithm>
#include <cstdio>
#include <utility>

namespace xtcp::sim {

double GilbertElliott::mean_loss() const {
  if (!enabled()) return 0.0;
  double bad = p_good_to_bad / (p_good_to_bad + p_bad_to_good);  // stationary share
  return bad * loss_bad + (1.0 - bad) * loss_good;
}

std::string describe(const LinkParams& p) {
  char buf[320];
  std::snprintf(buf, sizeof buf,
                "bw=%.3gMbit/s delay=%lldus queue=%zuB loss=%g burst(g2b=%g b2g=%g lg=%g lb=%g max=%u) "
                "reorder=%g+%lldus dup=%g corrupt=%g",
                static_cast<double>(p.bandwidth_bps) / 1e6, static_cast<long long>(p.delay.us),
                p.queue_limit_bytes, p.loss, p.burst.p_good_to_bad, p.burst.p_bad_to_good,
                p.burst.loss_good, p.burst.loss_bad, p.burst.max_bad, p.reorder,
                static_cast<long long>(p.reorder_extra.us), p.duplicate, p.corrupt);
  return buf;
}

Link::Link(const LinkParams& params, uint64_t seed) : p_(params), rng_(seed) {}

bool Link::chance(double p) { return p > 0.0 && unit_(rng_) < p; }

bool Link::lost_by_impairment() {
  if (p_.burst.enabled()) {
    bool lost = chance(burst_bad_ ? p_.burst.loss_bad : p_.burst.loss_good);
    bad_run_ = burst_bad_ ? bad_run_ + 1 : 0;
    bool capped = p_.burst.max_bad > 0 && bad_run_ >= p_.burst.max_bad;
    burst_bad_ = burst_bad_ ? !(chance(p_.burst.p_bad_to_good) || capped)
                            : chance(p_.burst.p_good_to_bad);
    if (lost) {
      ++stats_.burst_losses;
      return true;
    }
  }
  if (chance(p_.loss)) {
    ++stats_.random_losses;
    return true;
  }
  return false;
}

bool Link::lost_by_target(std::span<const uint8_t> seg) {
  if (p_.drop_nth_data == 0 || seg.size() < 20) return false;
  size_t header = static_cast<size_t>(seg[12] >> 4) * 4;
  if (seg.size() <= header) return false;  // no payload
  uint32_t seq = static_cast<uint32_t>(seg[4]) << 24 | static_cast<uint32_t>(seg[5]) << 16 |
                 static_cast<uint32_t>(seg[6]) << 8 | seg[7];
  bool drop = false;
  if (++data_segments_ == p_.drop_nth_data) {
    target_seq_ = seq;
    target_left_ = p_.drop_copies > 0 ? p_.drop_copies - 1 : 0;
    drop = true;
  } else if (target_left_ > 0 && seq == target_seq_) {
    --target_left_;
    drop = true;
  }
  if (drop) ++stats_.targeted_losses;
  return drop;
}

void Link::send(std::span<const uint8_t> bytes, tcp::Instant now) {
  ++stats_.offered;
  int64_t now_ns = now.us * 1000;
  int64_t start_ns = std::max(now_ns, busy_until_ns_);
  if (p_.bandwidth_bps > 0) {
    // Bytes still waiting ahead of this one: the unserialized backlog.
    auto backlog = static_cast<uint64_t>(
        static_cast<double>(start_ns - now_ns) * static_cast<double>(p_.bandwidth_bps) / 8e9);
    if (backlog + bytes.size() > p_.queue_limit_bytes) {
      ++stats_.tail_drops;
      return;
    }
    stats_.max_backlog_bytes = std::max<uint64_t>(stats_.max_backlog_bytes, backlog);
    busy_until_ns_ = start_ns + static_cast<int64_t>(static_cast<double>(bytes.size()) * 8e9 /
                                                     static_cast<double>(p_.bandwidth_bps));
    start_ns = busy_until_ns_;
  }
  // The segment has used the bottleneck; now the wire may lose it.
  if (lost_by_impairment() || lost_by_target(bytes)) return;
  int64_t at_us = (start_ns + 999) / 1000 + p_.delay.us;
  if (chance(p_.reorder)) {
    ++stats_.reordered;
    at_us += p_.reorder_extra.us;
  }
  bool corrupt = chance(p_.corrupt);
  enqueue(bytes, at_us, corrupt);
  if (chance(p_.duplicate)) {
    ++stats_.duplicated;
    enqueue(bytes, at_us, false);
  }
}

std::vector<uint8_t> Link::take_buffer() {
  if (free_.empty()) return {};
  std::vector<uint8_t> b = std::move(free_.back());
  free_.pop_back();
  return b;
}

void Link::enqueue(std::span<const uint8_t> bytes, int64_t at_us, bool corrupt) {
  Packet pkt{at_us, order_++, take_buffer(), corrupt};
  pkt.bytes.assign(bytes.begin(), bytes.end());
  if (corrupt && !pkt.bytes.empty()) {
    // One byte XORed with a non-zero mask: a single-byte change always
    // alters the RFC 1071 sum, so the receiver's checksum must catch it.
    size_t at = std::uniform_int_distribution<size_t>(0, pkt.bytes.size() - 1)(rng_);
    auto mask = static_cast<uint8_t>(std::uniform_int_distribution<int>(1, 255)(rng_));
    pkt.bytes[at] ^= mask;
    ++stats_.corrupted;
  }
  heap_.push_back(std::move(pkt));
  std::push_heap(heap_.begin(), heap_.end(), later);
}

tcp::Instant Link::next_delivery() const {
  return heap_.empty() ? tcp::Instant::never() : tcp::Instant::from_micros(heap_.front().at_us);
}

bool Link::deliver(tcp::Instant now, std::vector<uint8_t>& out, bool& corrupted) {
  if (heap_.empty() || heap_.front().at_us > now.us) return false;
  std::pop_heap(heap_.begin(), heap_.end(), later);
  out = std::move(heap_.back().bytes);
  corrupted = heap_.back().corrupted;
  heap_.pop_back();
  ++stats_.delivered;
  return true;
}

void Link::recycle(std::vector<uint8_t>&& buf) {
  if (free_.size() < 4096) free_.push_back(std::move(buf));
}

}  // namespace xtcp::sim
