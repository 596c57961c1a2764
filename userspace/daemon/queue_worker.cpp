#include "daemon/queue_worker.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

namespace xtcp::daemon {

xsk::Result<std::unique_ptr<QueueWorker>> QueueWorker::start(xsk::XskSocket& sock) {
  int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (efd < 0) return xsk::make_error(-errno, "cannot create the worker's stop eventfd");
  std::unique_ptr<QueueWorker> w(new QueueWorker(sock, efd));
  // Every free frame goes to the kernel up front; frames come back only
  // through recycle() below, so the fill ring never runs dry by our doing.
  sock.refill(sock.pool().free());
  w->thread_ = std::thread([raw = w.get()] { raw->run(); });
  return w;
}

QueueWorker::~QueueWorker() {
  stop();
  close(stop_fd_);
}

void QueueWorker::stop() {
  if (!thread_.joinable()) return;
  uint64_t one = 1;
  (void)!write(stop_fd_, &one, sizeof(one));
  thread_.join();
}

uint32_t QueueWorker::drain_rx() {
  xdp_desc descs[kRxBatch];
  uint32_t n = sock_.rx_burst(descs, kRxBatch);
  uint64_t bytes = 0;
  for (uint32_t i = 0; i < n; ++i) bytes += descs[i].len;
  // No TCP yet: the frames go straight back to the kernel, in one fill-ring
  // reservation. What does not fit is freed; refill() below picks it up.
  for (uint32_t i = sock_.recycle_burst(descs, n); i < n; ++i) sock_.release(descs[i].addr);
  if (sock_.pool().free() > 0) sock_.refill(sock_.pool().free());
  if (n > 0) {
    rx_frames_.store(rx_frames() + n, std::memory_order_relaxed);
    rx_bytes_.store(rx_bytes() + bytes, std::memory_order_relaxed);
  }
  return n;
}

// The receive loop in one order: sleep in poll(), drain RX in batches,
// recycle into the fill ring. poll() on the XSK fd is also the wakeup the
// kernel asks for when the fill ring needs_wakeup.
void QueueWorker::run() {
  constexpr uint32_t kMaxBatchesPerWake = 64;  // bounded, then poll again
  pollfd fds[2] = {{sock_.fd(), POLLIN, 0}, {stop_fd_, POLLIN, 0}};
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;  // EBADF/ENOMEM: nothing a retry would fix
    }
    if (fds[1].revents & POLLIN) return;
    for (uint32_t i = 0; i < kMaxBatchesPerWake && drain_rx() == kRxBatch; ++i) {
    }
  }
}

}  // namespace xtcp::daemon
