// ConnectionMemory: where a new connection's receive and send rings live.
// The daemon backs it with the app's shared-memory channel (a memfd per
// connection); HeapConnectionMemory allocates plain memory and counts what
// is live, so tests can see that every lease is returned.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>

#include "tcp/connection.h"
#include "tcp/four_tuple.h"

namespace xtcp::stack {

struct MemoryLease {
  tcp::BufferMemory mem;  // sizes: powers of two (tcp::ByteRing)
  uint64_t token = 0;     // given back to release()
};

class ConnectionMemory {
 public:
  virtual ~ConnectionMemory() = default;
  // Memory for a connection on `tuple`, or nullopt when refused (limits).
  virtual std::optional<MemoryLease> acquire(const tcp::FourTuple& tuple) = 0;
  // The connection that used the lease is gone.
  virtual void release(uint64_t token) = 0;
};

class HeapConnectionMemory final : public ConnectionMemory {
 public:
  HeapConnectionMemory(uint32_t rx_size, uint32_t tx_size, size_t max_live = SIZE_MAX)
      : rx_size_(rx_size), tx_size_(tx_size), max_live_(max_live) {}

  std::optional<MemoryLease> acquire(const tcp::FourTuple&) override {
    if (live_.size() >= max_live_) return std::nullopt;
    auto buf = std::make_unique<uint8_t[]>(size_t{rx_size_} + tx_size_);
    MemoryLease lease{{std::span<uint8_t>(buf.get(), rx_size_),
                       std::span<uint8_t>(buf.get() + rx_size_, tx_size_)},
                      ++next_token_};
    live_.emplace(lease.token, std::move(buf));
    ++acquired_;
    return lease;
  }
  void release(uint64_t token) override {
    if (live_.erase(token) == 0) ++bad_releases_;
  }

  size_t live() const { return live_.size(); }
  uint64_t acquired() const { return acquired_; }
  uint64_t bad_releases() const { return bad_releases_; }

 private:
  uint32_t rx_size_;
  uint32_t tx_size_;
  size_t max_live_;
  uint64_t next_token_ = 0;
  uint64_t acquired_ = 0;
  uint64_t bad_releases_ = 0;
  std::unordered_map<uint64_t, std::unique_ptr<uint8_t[]>> live_;
};

}  // namespace xtcp::stack
