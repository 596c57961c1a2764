// QueueWorker: the thread that serves one rx queue's AF_XDP socket. First
// form (issue 2): it receives frames, counts them and hands them straight
// back to the fill ring; TCP arrives with later issues. It sleeps in poll()
// on the socket (need_wakeup) and on an eventfd that stop() signals.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

#include "xsk/result.h"
#include "xsk/xsk_socket.h"

namespace xtcp::daemon {

class QueueWorker {
 public:
  static constexpr uint32_t kRxBatch = 64;

  // Fills the fill ring and starts the thread.
  static xsk::Result<std::unique_ptr<QueueWorker>> start(xsk::XskSocket& sock);
  ~QueueWorker();  // stop()s
  QueueWorker(const QueueWorker&) = delete;
  QueueWorker& operator=(const QueueWorker&) = delete;

  void stop();  // wakes the thread and joins it; idempotent

  uint64_t rx_frames() const { return rx_frames_.load(std::memory_order_relaxed); }
  uint64_t rx_bytes() const { return rx_bytes_.load(std::memory_order_relaxed); }

 private:
  QueueWorker(xsk::XskSocket& sock, int stop_fd) : sock_(sock), stop_fd_(stop_fd) {}
  void run();
  uint32_t drain_rx();  // one batch: receive, count, recycle; returns frames

  xsk::XskSocket& sock_;
  int stop_fd_;
  std::thread thread_;
  // Written only by the worker, read by the control thread.
  std::atomic<uint64_t> rx_frames_{0};
  std::atomic<uint64_t> rx_bytes_{0};
};

}  // namespace xtcp::daemon
