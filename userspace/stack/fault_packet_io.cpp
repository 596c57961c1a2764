#include "stack/fault_packet_io.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace xtcp::stack {
namespace {

constexpr uint32_t kNoCount = std::numeric_limits<uint32_t>::max();  // delay: time only

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

}  // namespace

uint64_t FaultRng::next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// The TCP segment is [l4, end): a byte changed there changes the 16-bit
// ones' complement sum by d or 256*d with 0 < |d| < 256, never a multiple
// of 0xffff, so the checksum (RFC 9293 3.1) always catches it.
bool corrupt_tcp_byte(uint8_t* frame, uint32_t len, FaultRng& rng) {
  if (len < 14) return false;
  uint32_t l4 = 0, end = 0;
  const uint16_t type = be16(frame + 12);
  if (type == 0x0800 && len >= 34 && frame[23] == 6) {
    l4 = 14 + (frame[14] & 0x0fu) * 4;
    end = 14 + be16(frame + 16);
  } else if (type == 0x86dd && len >= 54 && frame[20] == 6) {
    l4 = 54;
    end = 54 + be16(frame + 18);
  } else {
    return false;
  }
  if (end > len || end < l4 + 20) return false;
  // Skip byte 12 (data offset): a bad offset fails the length check first.
  uint32_t off = l4 + static_cast<uint32_t>(rng.next() % (end - l4 - 1));
  if (off >= l4 + 12) ++off;
  frame[off] ^= static_cast<uint8_t>(1 + rng.next() % 255);
  return true;
}

FaultPacketIo::FaultPacketIo(PacketIo& inner, const FaultConfig& cfg,
                             std::function<tcp::Instant()> clock)
    : inner_(inner),
      cfg_(cfg),
      clock_(std::move(clock)),
      rng_(cfg.seed),
      copies_(new uint8_t[size_t{kCopies} * kCopySize]) {
  for (uint32_t i = 0; i < kCopies; ++i) copy_free_[copy_free_n_++] = i;
}

FaultPacketIo::~FaultPacketIo() {
  for (uint32_t i = 0; i < held_n_; ++i) rx_release(&held_[i].frame, 1);
  held_n_ = 0;
}

uint32_t FaultPacketIo::rx_burst(RxFrame* out, uint32_t max) {
  const tcp::Instant now = clock_();
  uint32_t n = take_due(out, max, now);
  if (n >= max) return n;
  // Duplicating: pull half a burst, so copies have room beside originals.
  uint32_t want = std::min(max - n, kScratch);
  if (cfg_.rx_dup_ppm != 0) want = std::max<uint32_t>(1, want / 2);
  const uint32_t got = inner_.rx_burst(scratch_.data(), want);
  for (uint32_t i = 0; i < got; ++i) {
    // Leave one slot for each frame still to come; extra slots take copies.
    const uint32_t room = max - n - (got - i - 1);
    n += rx_one(scratch_[i], out + n, room, now);
  }
  return n;
}

// Frames whose K followers passed or whose time came, oldest first.
uint32_t FaultPacketIo::take_due(RxFrame* out, uint32_t max, tcp::Instant now) {
  uint32_t n = 0, keep = 0;
  for (uint32_t i = 0; i < held_n_; ++i) {
    if (n < max && (held_[i].after == 0 || held_[i].due <= now)) {
      out[n++] = held_[i].frame;
    } else {
      held_[keep++] = held_[i];
    }
  }
  held_n_ = keep;
  return n;
}

uint32_t FaultPacketIo::rx_one(const RxFrame& f, RxFrame* out, uint32_t room, tcp::Instant now) {
  if (rng_.chance(cfg_.rx_drop_ppm)) {
    inner_.rx_release(&f, 1);
    ++stats_.rx_dropped;
    return 0;
  }
  // UMEM and test frames are writable memory; the shard only reads them.
  if (rng_.chance(cfg_.rx_corrupt_ppm) &&
      corrupt_tcp_byte(const_cast<uint8_t*>(f.data), f.len, rng_))
    ++stats_.rx_corrupted;
  const bool dup = rng_.chance(cfg_.rx_dup_ppm);
  uint32_t k = 0;
  if (rng_.chance(cfg_.rx_reorder_ppm) && hold(f, cfg_.reorder_depth, now + cfg_.max_hold)) {
    ++stats_.rx_reordered;
  } else if (rng_.chance(cfg_.rx_delay_ppm) && hold(f, kNoCount, now + cfg_.delay)) {
    ++stats_.rx_delayed;
  } else {
    out[k++] = f;
  }
  if (dup && k < room && copy_of(f, &out[k])) {
    ++k;
    ++stats_.rx_duplicated;
  }
  // Each frame handed out is one more follower of the reordered ones.
  for (uint32_t i = 0; i < held_n_; ++i)
    if (held_[i].after != kNoCount) held_[i].after -= std::min(held_[i].after, k);
  return k;
}

bool FaultPacketIo::hold(const RxFrame& f, uint32_t after, tcp::Instant due) {
  if (held_n_ == kHeld) return false;
  held_[held_n_++] = Held{f, after, due};
  return true;
}

bool FaultPacketIo::copy_of(const RxFrame& f, RxFrame* out) {
  if (copy_free_n_ == 0 || f.len > kCopySize) return false;
  const uint32_t idx = copy_free_[--copy_free_n_];
  uint8_t* p = copies_.get() + size_t{idx} * kCopySize;
  std::memcpy(p, f.data, f.len);
  *out = RxFrame{p, f.len, kCopyTag | idx};
  return true;
}

// Runs of the inner device's frames go back in one call each; copies go
// back to this object's free list.
void FaultPacketIo::rx_release(const RxFrame* frames, uint32_t n) {
  uint32_t start = 0;
  for (uint32_t i = 0; i <= n; ++i) {
    if (i < n && (frames[i].handle & kCopyTag) == 0) continue;
    if (i > start) inner_.rx_release(frames + start, i - start);
    start = i + 1;
    if (i < n) {
      const uint32_t idx = static_cast<uint32_t>(frames[i].handle & ~kCopyTag);
      if (idx < kCopies && copy_free_n_ < kCopies) copy_free_[copy_free_n_++] = idx;
    }
  }
}

uint32_t FaultPacketIo::tx_submit(const TxFrame* frames, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i)
    if (!submit_one(frames[i])) return i;
  return n;
}

// False when the inner device did not take the frame (it stays the
// caller's). A dropped frame counts as taken: it goes back to the pool.
bool FaultPacketIo::submit_one(const TxFrame& f) {
  if (rng_.chance(cfg_.tx_drop_ppm)) {
    inner_.tx_abandon(f);
    ++stats_.tx_dropped;
    return true;
  }
  if (rng_.chance(cfg_.tx_corrupt_ppm) && corrupt_tcp_byte(f.data, f.len, rng_))
    ++stats_.tx_corrupted;
  if (inner_.tx_submit(&f, 1) != 1) return false;
  if (!rng_.chance(cfg_.tx_dup_ppm)) return true;
  TxFrame c;
  if (!inner_.tx_alloc(c)) return true;
  if (c.capacity < f.len) {
    inner_.tx_abandon(c);
    return true;
  }
  std::memcpy(c.data, f.data, f.len);
  c.len = f.len;
  if (inner_.tx_submit(&c, 1) == 1) {
    ++stats_.tx_duplicated;
  } else {
    inner_.tx_abandon(c);
  }
  return true;
}

}  // namespace xtcp::stack
