// ChannelMemory: the daemon's tcp ConnectionMemory. Each connection's rings
// live in a fresh shared-memory channel (DaemonConn) that the app maps, so
// the engine receives into and sends from the app's own rings. Lives on one
// shard's thread; its epoll set holds every connection's kick eventfd, so
// the shard loop sleeps on all of them at once (epoll_fd()).
//
// Creating a channel costs a memfd_create, ftruncate, seals, mmap and two
// eventfds: a few fresh ones are made ahead in idle passes (top_up_spares)
// so a SYN or a connect takes one without those syscalls. Spares are never
// reused: a channel an app has mapped is never handed to another.
//
// A daemon-wide byte budget (MemoryBudget, shared by every shard) bounds
// what all channels together may take; a refusal is counted and the
// connection is refused (the shard resets it).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/daemon_conn.h"
#include "stack/connection_memory.h"

namespace xtcp::daemon {

struct MemoryBudget {
  explicit MemoryBudget(uint64_t max) : max_bytes(max) {}
  const uint64_t max_bytes;
  std::atomic<uint64_t> used{0};
  bool take(uint64_t n);
  void give(uint64_t n) { used.fetch_sub(n, std::memory_order_relaxed); }
};

class ChannelMemory final : public stack::ConnectionMemory {
 public:
  // rx/tx ring sizes: powers of two (channel_abi.h limits).
  ChannelMemory(uint32_t shard, uint32_t rx_size, uint32_t tx_size, MemoryBudget& budget);
  ~ChannelMemory() override;
  ChannelMemory(const ChannelMemory&) = delete;
  ChannelMemory& operator=(const ChannelMemory&) = delete;

  bool ok() const { return epoll_fd_ >= 0; }
  int epoll_fd() const { return epoll_fd_; }

  std::optional<stack::MemoryLease> acquire(const tcp::FourTuple& tuple) override;
  void release(uint64_t token) override;

  // The connection behind a token (epoll data, Shard::lease_of), or nullptr.
  const std::shared_ptr<DaemonConn>* get(uint64_t token) const;

  // Creates one spare channel if fewer than kSpares wait; true if it did.
  // The shard calls it in passes without other work.
  bool top_up_spares();
  static constexpr size_t kSpares = 8;

  uint64_t live() const { return live_; }
  uint64_t refused() const { return refused_; }
  uint64_t bytes_per_channel() const;

 private:
  struct Spare {
    DaemonChannel ch;
    stack::EventFd kick;
    stack::EventFd notify;
  };
  // A fresh channel and its eventfds, or an error sentence.
  std::optional<Spare> make_spare(std::string* why) const;

  struct Entry {
    std::shared_ptr<DaemonConn> conn;
    uint32_t generation = 0;
  };
  uint32_t shard_;
  uint32_t rx_size_;
  uint32_t tx_size_;
  MemoryBudget& budget_;
  int epoll_fd_ = -1;
  std::vector<Entry> slab_;
  std::vector<uint32_t> free_;
  std::vector<Spare> spares_;
  bool spares_failed_ = false;
  uint64_t live_ = 0;
  uint64_t refused_ = 0;
};

}  // namespace xtcp::daemon
