// Umem: the packet memory of one AF_XDP socket (each shard owns its queue's
// memory; nothing is shared), its fill and completion rings, and the frame
// pool that knows where every frame is. Not copyable, not movable: the
// kernel rings and libxdp keep pointers into this object, so it lives behind
// a unique_ptr from create().
#pragma once

#include <cstdint>
#include <memory>

#include <xdp/xsk.h>

#include "xsk/config.h"
#include "xsk/frame_pool.h"
#include "xsk/result.h"

namespace xtcp::xsk {

class Umem {
 public:
  // mmaps frame_count * frame_size bytes and registers them with the kernel.
  static Result<std::unique_ptr<Umem>> create(const XskConfig& cfg);
  ~Umem();
  Umem(const Umem&) = delete;
  Umem& operator=(const Umem&) = delete;

  // Frame bytes at a UMEM address (RX descriptors include their offset).
  uint8_t* data(uint64_t addr) { return static_cast<uint8_t*>(xsk_umem__get_data(area_, addr)); }
  const uint8_t* data(uint64_t addr) const {
    return static_cast<const uint8_t*>(xsk_umem__get_data(area_, addr));
  }
  uint32_t frame_size() const { return cfg_.frame_size; }
  uint32_t frame_headroom() const { return cfg_.frame_headroom; }
  uint64_t size() const { return size_; }
  FramePool& pool() { return pool_; }
  const FramePool& pool() const { return pool_; }

  // Raw ring verbs (no accounting; use the pool transitions yourself, or the
  // helpers below which do both).
  uint32_t fill_reserve(uint32_t n, uint32_t* idx) { return xsk_ring_prod__reserve(&fill_, n, idx); }
  __u64* fill_addr(uint32_t idx) { return xsk_ring_prod__fill_addr(&fill_, idx); }
  void fill_submit(uint32_t n) { xsk_ring_prod__submit(&fill_, n); }
  bool needs_fill_wakeup() const { return xsk_ring_prod__needs_wakeup(&fill_) != 0; }
  uint32_t comp_peek(uint32_t n, uint32_t* idx) { return xsk_ring_cons__peek(&comp_, n, idx); }
  uint64_t comp_addr(uint32_t idx) const { return *xsk_ring_cons__comp_addr(&comp_, idx); }
  void comp_release(uint32_t n) { xsk_ring_cons__release(&comp_, n); }

  // Moves up to max free frames into the fill ring (free -> fill). Returns
  // how many were given to the kernel.
  uint32_t refill(uint32_t max);
  // Gives a received frame straight back to the fill ring (app -> fill).
  // Returns false when the fill ring is full (the frame stays with the app).
  bool recycle(uint64_t addr);
  // The same for a burst of RX descriptors, in one fill-ring reservation.
  // Stops at the first frame that is not the app's (counted by the pool) or
  // when the ring is full; returns how many went back, the rest stay with
  // the app.
  uint32_t recycle_burst(const xdp_desc* descs, uint32_t n);
  // Returns up to max completed TX frames to the pool (tx -> free).
  uint32_t reap_completions(uint32_t max);

  xsk_umem* handle() { return umem_; }
  xsk_ring_prod* fill_ring() { return &fill_; }
  xsk_ring_cons* comp_ring() { return &comp_; }

 private:
  Umem(const XskConfig& cfg, FramePool pool) : cfg_(cfg), pool_(std::move(pool)) {}

  XskConfig cfg_;
  FramePool pool_;
  void* area_ = nullptr;
  uint64_t size_ = 0;
  xsk_umem* umem_ = nullptr;
  xsk_ring_prod fill_{};
  xsk_ring_cons comp_{};
};

}  // namespace xtcp::xsk
