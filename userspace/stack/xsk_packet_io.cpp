#include "stack/xsk_packet_io.h"

#include <algorithm>

namespace xtcp::stack {

XskPacketIo::XskPacketIo(xsk::XskSocket& sock, uint32_t max_batch, uint32_t fill_target)
    : sock_(sock), fill_target_(fill_target), descs_(std::max<uint32_t>(max_batch, 1)) {
  if (fill_target_ == 0 || fill_target_ >= sock.pool().count())
    fill_target_ = sock.pool().count() / 2;
}

uint32_t XskPacketIo::rx_burst(RxFrame* out, uint32_t max) {
  // Top the fill ring up to its share first (frames lost to nobody: they
  // come from the free pool and are counted in_fill).
  const uint32_t in_fill = sock_.pool().in_fill();
  if (in_fill < fill_target_) sock_.refill(fill_target_ - in_fill);
  max = std::min<uint32_t>(max, static_cast<uint32_t>(descs_.size()));
  const uint32_t n = sock_.rx_burst(descs_.data(), max);
  for (uint32_t i = 0; i < n; ++i)
    out[i] = RxFrame{sock_.data(descs_[i].addr), descs_[i].len, descs_[i].addr};
  // Busy polling never calls poll(): the kernel asks for a syscall instead.
  if (n == 0 && sock_.needs_fill_wakeup()) {
    sock_.wake_rx();
    ++stats_.rx_wakeups;
  }
  return n;
}

// A burst goes back to the fill ring in one reservation and one submit (one
// store-release), not one per frame; what the burst could not take (ring
// full, a frame not ours to recycle) goes frame by frame as before.
void XskPacketIo::rx_release(const RxFrame* frames, uint32_t n) {
  while (n > 0) {
    const uint32_t chunk = std::min<uint32_t>(n, static_cast<uint32_t>(descs_.size()));
    for (uint32_t i = 0; i < chunk; ++i) descs_[i] = xdp_desc{frames[i].handle, 0, 0};
    for (uint32_t i = sock_.recycle_burst(descs_.data(), chunk); i < chunk; ++i) {
      if (sock_.recycle(frames[i].handle)) continue;
      ++stats_.recycle_misses;
      (void)sock_.release(frames[i].handle);
    }
    frames += chunk;
    n -= chunk;
  }
}

bool XskPacketIo::tx_alloc(TxFrame& out) {
  const uint64_t addr = sock_.alloc_tx_frame();
  if (addr == xsk::FramePool::kNoFrame) return false;
  out = TxFrame{sock_.data(addr), sock_.pool().frame_size(), addr, 0};
  return true;
}

void XskPacketIo::tx_abandon(const TxFrame& f) { (void)sock_.release(f.handle); }

uint32_t XskPacketIo::tx_submit(const TxFrame* frames, uint32_t n) {
  n = std::min<uint32_t>(n, static_cast<uint32_t>(descs_.size()));
  for (uint32_t i = 0; i < n; ++i) descs_[i] = xdp_desc{frames[i].handle, frames[i].len, 0};
  return sock_.tx_burst(descs_.data(), n);
}

void XskPacketIo::kick() {
  if (sock_.kick_tx() != 0) ++stats_.kick_errors;
}

uint32_t XskPacketIo::reap_completions() {
  return sock_.reap_completions(static_cast<uint32_t>(descs_.size()) * 4);
}

uint32_t XskPacketIo::tx_free_frames() const {
  return const_cast<xsk::XskSocket&>(sock_).pool().free();
}

uint32_t XskPacketIo::tx_in_flight() const {
  return const_cast<xsk::XskSocket&>(sock_).pool().in_tx();
}

}  // namespace xtcp::stack
