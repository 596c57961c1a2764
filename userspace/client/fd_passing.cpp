#include "client/fd_passing.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace xtcp::client {
namespace {

// Control buffer for kMaxPassedFds descriptors, aligned for cmsghdr.
union FdControl {
  char buf[CMSG_SPACE(sizeof(int) * kMaxPassedFds)];
  cmsghdr align;
};

void close_received(cmsghdr* cm) {
  const size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
  for (size_t i = 0; i < n; ++i) {
    int fd;
    std::memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof fd);
    close(fd);
  }
}

}  // namespace

ssize_t send_fds(int sock, std::span<const uint8_t> payload, std::span<const int> fds) {
  if (payload.empty() || fds.size() > kMaxPassedFds) return -EINVAL;
  iovec iov{const_cast<uint8_t*>(payload.data()), payload.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  FdControl ctl{};
  if (!fds.empty()) {
    msg.msg_control = ctl.buf;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(cm), fds.data(), sizeof(int) * fds.size());
  }
  for (;;) {
    const ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    if (n >= 0) return n;
    if (errno != EINTR) return -errno;
  }
}

ssize_t recv_fds(int sock, std::span<uint8_t> payload, std::span<int> fds, size_t* nfds) {
  *nfds = 0;
  iovec iov{payload.data(), payload.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  FdControl ctl{};
  msg.msg_control = ctl.buf;
  msg.msg_controllen = sizeof ctl.buf;
  ssize_t n;
  do {
    n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return -errno;

  size_t got = 0;
  bool overflow = (msg.msg_flags & MSG_CTRUNC) != 0;
  for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
    if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) continue;
    const size_t count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    if (overflow || got + count > fds.size()) {
      overflow = true;
      close_received(cm);
      continue;
    }
    std::memcpy(fds.data() + got, CMSG_DATA(cm), count * sizeof(int));
    got += count;
  }
  if (overflow) {
    for (size_t i = 0; i < got; ++i) close(fds[i]);
    return -EMSGSIZE;
  }
  *nfds = got;
  return n;
}

}  // namespace xtcp::client
