#include "xsk/netlink_socket.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>

namespace xtcp::xsk::nl {

namespace {

// Closes the socket on every return path.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

}  // namespace

int transact(Request& req, const OnMessage& on_msg) {
  Fd s{socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)};
  if (s.fd < 0) return -errno;
  timeval tv{2, 0};  // bounded: a lost reply cannot hang the caller
  setsockopt(s.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  req.hdr()->nlmsg_seq = 1;
  if (sendto(s.fd, req.buf, req.hdr()->nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel),
             sizeof(kernel)) < 0)
    return -errno;

  alignas(NLMSG_ALIGNTO) static thread_local uint8_t buf[32768];
  for (int rounds = 0; rounds < 100000; ++rounds) {
    const ssize_t n = recv(s.fd, buf, sizeof(buf), 0);
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
    int len = static_cast<int>(n);
    for (auto* h = reinterpret_cast<const nlmsghdr*>(buf); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_seq != 1) continue;
      if (h->nlmsg_type == NLMSG_DONE) return 0;
      if (h->nlmsg_type == NLMSG_ERROR) {
        const auto* e = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
        return e->error;  // 0 is an ack
      }
      on_msg(h);
      if (!(h->nlmsg_flags & NLM_F_MULTI)) return 0;
    }
  }
  return -EOVERFLOW;
}

}  // namespace xtcp::xsk::nl
