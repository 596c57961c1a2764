// XskPacketIo: PacketIo over one AF_XDP socket (xsk::XskSocket) with exact
// UMEM frame accounting. The UMEM is split by policy, not by address: the
// fill ring is kept at `fill_target` frames (received frames go straight
// back to it), and every other frame is free for TX. So RX never starves TX
// of all frames and TX never starves RX: when TX frames run out, egress
// stops (tx_alloc says no) and resumes as completions return frames.
#pragma once

#include <cstdint>
#include <vector>

#include <linux/if_xdp.h>

#include "stack/packet_io.h"
#include "xsk/xsk_socket.h"

namespace xtcp::stack {

// Fields and export (`xtcpctl stats` as queueN.xsk_io_<name>) from one list.
#define XTCP_XSK_IO_COUNTERS(X)                                           \
  X(rx_wakeups)     /* recvfrom to let the kernel refill (need_wakeup) */ \
  X(kick_errors)    /* sendto failed for a reason other than "retry" */  \
  X(recycle_misses) /* fill ring full: frame went to the free pool */

struct XskIoStats {
#define XTCP_XSK_IO_FIELD(name) uint64_t name = 0;
  XTCP_XSK_IO_COUNTERS(XTCP_XSK_IO_FIELD)
#undef XTCP_XSK_IO_FIELD
  template <class F>
  void for_each_counter(F&& f) const {
#define XTCP_XSK_IO_VISIT(name) f(#name, name);
    XTCP_XSK_IO_COUNTERS(XTCP_XSK_IO_VISIT)
#undef XTCP_XSK_IO_VISIT
  }
};
#define XTCP_XSK_IO_ONE(name) +1
static_assert(sizeof(XskIoStats) == (0 XTCP_XSK_IO_COUNTERS(XTCP_XSK_IO_ONE)) * sizeof(uint64_t),
              "an XskIoStats field outside XTCP_XSK_IO_COUNTERS would never be exported");
#undef XTCP_XSK_IO_ONE

class XskPacketIo final : public PacketIo {
 public:
  // fill_target 0: half of the UMEM's frames (at most the fill ring size).
  XskPacketIo(xsk::XskSocket& sock, uint32_t max_batch, uint32_t fill_target = 0);

  uint32_t rx_burst(RxFrame* out, uint32_t max) override;
  void rx_release(const RxFrame* frames, uint32_t n) override;
  bool tx_alloc(TxFrame& out) override;
  void tx_abandon(const TxFrame& f) override;
  uint32_t tx_submit(const TxFrame* frames, uint32_t n) override;
  void kick() override;
  uint32_t reap_completions() override;
  uint32_t tx_free_frames() const override;
  uint32_t tx_in_flight() const override;
  int poll_fd() const override { return sock_.fd(); }

  uint32_t fill_target() const { return fill_target_; }
  const XskIoStats& stats() const { return stats_; }

 private:
  xsk::XskSocket& sock_;
  uint32_t fill_target_;
  std::vector<xdp_desc> descs_;
  XskIoStats stats_;
};

}  // namespace xtcp::stack
