// Helpers for libxtcp tests: a context on a fake daemon, deterministic
// data, hashes, addresses, open-descriptor counts.
#pragma once

#include <arpa/inet.h>
#include <dirent.h>
#include <sys/mman.h>
#include <unistd.h>
#include <netinet/in.h>

#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

#include "fake_daemon_double.h"
#include "xtcp/xtcp.h"

namespace xtcp::test {

inline sockaddr_in ipv4(const char* ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

inline const sockaddr* sa(const sockaddr_in& a) { return reinterpret_cast<const sockaddr*>(&a); }

// FNV-1a, 64-bit: enough to tell a reordered or damaged byte apart.
struct Hash {
  uint64_t h = 1469598103934665603ull;
  void add(std::span<const uint8_t> d) {
    for (uint8_t b : d) h = (h ^ b) * 1099511628211ull;
  }
};

inline std::vector<uint8_t> random_bytes(size_t n, uint64_t seed) {
  std::vector<uint8_t> v(n);
  uint64_t x = seed | 1;
  for (auto& b : v) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;  // xorshift64
    b = static_cast<uint8_t>(x >> 24);
  }
  return v;
}

inline uint64_t hash_of(std::span<const uint8_t> d) {
  Hash h;
  h.add(d);
  return h.h;
}

inline size_t open_fds() {
  size_t n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (readdir(d)) ++n;
    closedir(d);
  }
  return n;
}

inline int64_t ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
      .count();
}

// A faulty daemon's write to the channel header, from outside the library.
struct RawHeaderWriter {
  explicit RawHeaderWriter(int fd)
      : p(static_cast<xtcp_chan_header*>(
            mmap(nullptr, XTCP_CHAN_HEADER_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0))) {}
  ~RawHeaderWriter() {
    if (p != MAP_FAILED) munmap(p, XTCP_CHAN_HEADER_SIZE);
  }
  RawHeaderWriter(const RawHeaderWriter&) = delete;
  RawHeaderWriter& operator=(const RawHeaderWriter&) = delete;
  void set_rx_prod(uint64_t v) {
    if (p != MAP_FAILED) __atomic_store_n(&p->rx.prod.value, v, __ATOMIC_RELEASE);
  }
  xtcp_chan_header* p;
};

// Connects one socket through the fake (established at once).
inline int connect_one(xtcp_ctx* ctx, uint16_t port = 5001, int timeout_ms = 2000) {
  const sockaddr_in r = ipv4("10.77.0.1", port);
  return xtcp_connect(ctx, sa(r), sizeof(r), nullptr, 0, timeout_ms);
}

}  // namespace xtcp::test
