// Test helpers: a daemon channel whose memfd reaches the app side the way a
// real app gets it (SCM_RIGHTS over a socketpair), and a raw second mapping
// of the header for tampering as a hostile app would.
#pragma once

#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <optional>

#include "client/app_channel.h"
#include "client/fd_passing.h"
#include "daemon/channel_daemon_side.h"

namespace xtcp::test {

// Sends `fd` over a fresh socketpair and returns the received duplicate
// (-1 on failure).
inline int pass_fd(int fd) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return -1;
  const uint8_t tag = 'C';
  int got = -1;
  size_t n = 0;
  uint8_t buf[8];
  if (client::send_fds(sv[0], {&tag, 1}, {&fd, 1}) == 1 &&
      client::recv_fds(sv[1], buf, {&got, 1}, &n) == 1 && n == 1) {
    close(sv[0]);
    close(sv[1]);
    return got;
  }
  close(sv[0]);
  close(sv[1]);
  return -1;
}

struct ChannelPair {
  daemon::DaemonChannel daemon;
  client::AppChannel app;
};

inline std::optional<ChannelPair> make_pair(size_t rx_size, size_t tx_size) {
  auto d = daemon::DaemonChannel::create(rx_size, tx_size);
  if (!d) return std::nullopt;
  const int app_fd = pass_fd(d->fd());
  if (app_fd < 0) return std::nullopt;
  auto a = client::AppChannel::open(app_fd);
  close(app_fd);  // the mapping outlives the fd, as in libxtcp
  if (!a) return std::nullopt;
  return ChannelPair{std::move(*d), std::move(*a)};
}

// A hostile app's own view of the header page (unmapped on destruction).
struct RawHeader {
  explicit RawHeader(int fd)
      : p(static_cast<xtcp_chan_header*>(
            mmap(nullptr, XTCP_CHAN_HEADER_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0))) {}
  ~RawHeader() {
    if (p != MAP_FAILED) munmap(p, XTCP_CHAN_HEADER_SIZE);
  }
  RawHeader(const RawHeader&) = delete;
  RawHeader& operator=(const RawHeader&) = delete;
  bool ok() const { return p != MAP_FAILED; }
  xtcp_chan_header* operator->() const { return p; }
  xtcp_chan_header* p;
};

}  // namespace xtcp::test
