// Passing file descriptors over an AF_UNIX socket (SCM_RIGHTS, unix(7)):
// the daemon hands each connection's channel memfd and eventfds to the app
// this way. Syscall wrappers in the layer's style: bytes or -errno.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <sys/types.h>

namespace xtcp::client {

// Most descriptors one message carries (a channel: memfd + two eventfds).
inline constexpr size_t kMaxPassedFds = 8;

// Sends `payload` (at least one byte: a stream socket carries no empty
// message) with `fds` attached. Returns bytes sent or -errno (-EINVAL for an
// empty payload or more than kMaxPassedFds descriptors). Retries EINTR.
ssize_t send_fds(int sock, std::span<const uint8_t> payload, std::span<const int> fds);

// Receives one message into `payload` and up to fds.size() descriptors
// (opened close-on-exec) into `fds`; *nfds gets their count. Returns bytes
// received (0: peer closed) or -errno. If the sender attached more
// descriptors than fit, every received one is closed and -EMSGSIZE is
// returned, so nothing leaks. Retries EINTR.
ssize_t recv_fds(int sock, std::span<uint8_t> payload, std::span<int> fds, size_t* nfds);

}  // namespace xtcp::client
