// PacketIo: how a shard receives and sends whole Ethernet frames (STYLE.md
// 13, "inject the hardware"). XskPacketIo runs it over an AF_XDP socket,
// MemoryPacketIo over plain vectors for tests. The verbs follow the ring
// order of the receive loop (STYLE.md 12): rx_burst, process, rx_release,
// tx_alloc/build, tx_submit, kick, reap_completions.
//
// Frame ownership is explicit: a frame from rx_burst belongs to the shard
// until rx_release; a frame from tx_alloc belongs to the shard until
// tx_submit accepts it or tx_abandon returns it; submitted frames come back
// to the free pool only through reap_completions. Nothing here allocates.
#pragma once

#include <cstdint>

namespace xtcp::stack {

struct RxFrame {
  const uint8_t* data = nullptr;
  uint32_t len = 0;
  uint64_t handle = 0;  // opaque: the UMEM address for AF_XDP
};

struct TxFrame {
  uint8_t* data = nullptr;
  uint32_t capacity = 0;  // bytes writable at data
  uint64_t handle = 0;
  uint32_t len = 0;  // bytes of the built frame, set before tx_submit
};

class PacketIo {
 public:
  virtual ~PacketIo() = default;

  // Up to max received frames into out[]; 0 when none.
  virtual uint32_t rx_burst(RxFrame* out, uint32_t max) = 0;
  // Hands received frames back (to the fill ring / the free pool).
  virtual void rx_release(const RxFrame* frames, uint32_t n) = 0;

  // A free frame to build into; false when none is free (back-pressure:
  // the caller keeps its work and retries after reap_completions).
  virtual bool tx_alloc(TxFrame& out) = 0;
  // Returns an allocated frame that was not used.
  virtual void tx_abandon(const TxFrame& f) = 0;
  // Queues frames[0..n) for sending, in order; returns how many were taken.
  // Frames not taken stay with the caller (to submit again or abandon).
  virtual uint32_t tx_submit(const TxFrame* frames, uint32_t n) = 0;
  // Tells the device to send what was submitted (one syscall at most).
  virtual void kick() = 0;
  // Returns sent frames to the free pool; how many came back.
  virtual uint32_t reap_completions() = 0;
  // Frames tx_alloc could hand out now.
  virtual uint32_t tx_free_frames() const = 0;
  // Frames submitted and not yet returned by reap_completions. While any
  // are, the shard keeps kicking: AF_XDP copy mode sends only a bounded
  // number of frames per kick and leaves the rest on the TX ring.
  virtual uint32_t tx_in_flight() const = 0;

  // A descriptor to poll() for POLLIN before sleeping, or -1.
  virtual int poll_fd() const { return -1; }
  // Called before the shard sleeps and after it wakes (need_wakeup work).
  virtual void before_sleep() {}
};

}  // namespace xtcp::stack
