// XskSocket: one AF_XDP socket bound to (interface, queue), with its own
// Umem. Bound with XDP_USE_NEED_WAKEUP and INHIBIT_PROG_LOAD (SteerProgram
// loads our XDP program; register fd() in its xsks map to receive). The
// inline methods mirror the ring verbs: rx peek/release, fill
// reserve/submit, tx reserve/submit, completion peek/release.
//
// The receive loop, in order: rx_burst (or peek), refill, process,
// release/recycle, tx_burst, kick_tx, reap_completions.
#pragma once

#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <memory>
#include <string>

#include <linux/if_xdp.h>
#include <xdp/xsk.h>

#include "xsk/config.h"
#include "xsk/result.h"
#include "xsk/umem.h"

namespace xtcp::xsk {

// Counters the kernel keeps per socket (getsockopt XDP_STATISTICS).
// The kernel's XDP_STATISTICS, once: fields and export (`xtcpctl stats`
// as queueN.xsk_<name>) come from this list.
#define XTCP_XSK_COUNTERS(X) \
  X(rx_dropped)              \
  X(rx_invalid_descs)        \
  X(tx_invalid_descs)        \
  X(rx_ring_full)            \
  X(rx_fill_ring_empty_descs) \
  X(tx_ring_empty_descs)

struct XskStats {
#define XTCP_XSK_FIELD(name) uint64_t name = 0;
  XTCP_XSK_COUNTERS(XTCP_XSK_FIELD)
#undef XTCP_XSK_FIELD
  template <class F>
  void for_each_counter(F&& f) const {
#define XTCP_XSK_VISIT(name) f(#name, name);
    XTCP_XSK_COUNTERS(XTCP_XSK_VISIT)
#undef XTCP_XSK_VISIT
  }
};
#define XTCP_XSK_ONE(name) +1
static_assert(sizeof(XskStats) == (0 XTCP_XSK_COUNTERS(XTCP_XSK_ONE)) * sizeof(uint64_t),
              "an XskStats field outside XTCP_XSK_COUNTERS would never be exported");
#undef XTCP_XSK_ONE

class XskSocket {
 public:
  // Creates the UMEM and binds. kAuto tries zero-copy, falls back to copy
  // and logs exactly one line to stderr naming the mode in use. Errors:
  // -ENODEV unknown interface, -EINVAL queue out of range or bad config,
  // -EOPNOTSUPP forced zero-copy unsupported, -EPERM missing privileges,
  // -EBUSY the queue still has another socket after half a second of retries
  // (a socket closed just before frees its queue a few ms later).
  static Result<std::unique_ptr<XskSocket>> create(const std::string& ifname, uint32_t queue,
                                                   const XskConfig& cfg);
  ~XskSocket();
  XskSocket(const XskSocket&) = delete;
  XskSocket& operator=(const XskSocket&) = delete;

  int fd() const { return fd_; }
  const std::string& ifname() const { return ifname_; }
  uint32_t queue() const { return queue_; }
  bool zero_copy() const { return zero_copy_; }
  const char* mode_name() const { return zero_copy_ ? "zerocopy" : "copy"; }
  Umem& umem() { return *umem_; }
  FramePool& pool() { return umem_->pool(); }
  uint8_t* data(uint64_t addr) { return umem_->data(addr); }

  // --- raw ring verbs (no frame accounting) ---
  uint32_t rx_peek(uint32_t n, uint32_t* idx) { return xsk_ring_cons__peek(&rx_, n, idx); }
  const xdp_desc* rx_desc(uint32_t idx) const { return xsk_ring_cons__rx_desc(&rx_, idx); }
  void rx_release(uint32_t n) { xsk_ring_cons__release(&rx_, n); }
  uint32_t fill_reserve(uint32_t n, uint32_t* idx) { return umem_->fill_reserve(n, idx); }
  __u64* fill_addr(uint32_t idx) { return umem_->fill_addr(idx); }
  void fill_submit(uint32_t n) { umem_->fill_submit(n); }
  uint32_t tx_reserve(uint32_t n, uint32_t* idx) { return xsk_ring_prod__reserve(&tx_, n, idx); }
  xdp_desc* tx_desc(uint32_t idx) { return xsk_ring_prod__tx_desc(&tx_, idx); }
  void tx_submit(uint32_t n) { xsk_ring_prod__submit(&tx_, n); }
  uint32_t comp_peek(uint32_t n, uint32_t* idx) { return umem_->comp_peek(n, idx); }
  uint64_t comp_addr(uint32_t idx) const { return umem_->comp_addr(idx); }
  void comp_release(uint32_t n) { umem_->comp_release(n); }

  // True when the kernel wants a syscall (poll/recvfrom) to refill RX.
  bool needs_fill_wakeup() const { return umem_->needs_fill_wakeup(); }
  bool needs_tx_wakeup() const { return xsk_ring_prod__needs_wakeup(&tx_) != 0; }

  // Tells the kernel to send, but only when it asked (need_wakeup). Returns
  // 0, or -errno for real failures; EAGAIN/EBUSY/ENOBUFS/ENETDOWN mean "try
  // again later" and are returned as 0.
  int kick_tx() {
    if (!needs_tx_wakeup()) return 0;
    if (sendto(fd_, nullptr, 0, MSG_DONTWAIT, nullptr, 0) >= 0) return 0;
    const int e = errno;
    if (e == EAGAIN || e == EBUSY || e == ENOBUFS || e == ENETDOWN) return 0;
    return -e;
  }
  // A zero-length recvfrom that lets the kernel refill RX when
  // needs_fill_wakeup() (needed in busy-poll loops that never call poll()).
  void wake_rx() { (void)recvfrom(fd_, nullptr, 0, MSG_DONTWAIT, nullptr, nullptr); }

  // --- helpers that keep the frame pool exact ---
  // Takes up to max RX descriptors into out[] (fill -> app) and releases
  // them from the ring. The frames stay with the app until release() /
  // recycle() / tx_burst().
  uint32_t rx_burst(xdp_desc* out, uint32_t max);
  // Moves free frames into the fill ring (free -> fill).
  uint32_t refill(uint32_t max) { return umem_->refill(max); }
  // Hands a received frame back to the fill ring (app -> fill).
  bool recycle(uint64_t addr) { return umem_->recycle(addr); }
  // Hands a burst of received frames back at once (Umem::recycle_burst).
  uint32_t recycle_burst(const xdp_desc* descs, uint32_t n) { return umem_->recycle_burst(descs, n); }
  // Returns an app-owned frame to the pool (app -> free).
  bool release(uint64_t addr) { return umem_->pool().release(addr); }
  // Allocates a frame for TX (free -> app); FramePool::kNoFrame when empty.
  uint64_t alloc_tx_frame() { return umem_->pool().alloc(); }
  // Submits up to n app-owned frames (app -> tx). Returns how many went on
  // the ring; the rest stay with the app. Stops early at a descriptor the
  // kernel would drop without a completion (len 0, crossing its frame,
  // options set) or whose frame is not the app's (counted in
  // pool().bad_transitions()). Does not kick; call kick_tx().
  uint32_t tx_burst(const xdp_desc* descs, uint32_t n);
  // Returns completed TX frames to the pool (tx -> free).
  uint32_t reap_completions(uint32_t max) { return umem_->reap_completions(max); }

  // Kernel counters for this socket.
  Result<XskStats> stats() const;

 private:
  XskSocket() = default;
  Status bind(const XskConfig& cfg, bool zero_copy);
  Status bind_retrying(const XskConfig& cfg, bool zero_copy);
  bool tx_desc_ok(const xdp_desc& d) const;

  std::unique_ptr<Umem> umem_;
  xsk_socket* xsk_ = nullptr;
  xsk_ring_cons rx_{};
  xsk_ring_prod tx_{};
  std::string ifname_;
  uint32_t queue_ = 0;
  int fd_ = -1;
  bool zero_copy_ = false;
};

}  // namespace xtcp::xsk
