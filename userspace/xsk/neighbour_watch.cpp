#include "xsk/neighbour_watch.h"

#include <linux/neighbour.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xsk/netlink_socket.h"

namespace xtcp::xsk {

namespace {

bool parse_change(const nlmsghdr* h, NeighbourChange& c) {
  if (h->nlmsg_type != RTM_NEWNEIGH && h->nlmsg_type != RTM_DELNEIGH) return false;
  if (h->nlmsg_len < NLMSG_LENGTH(sizeof(ndmsg))) return false;
  const auto* nd = static_cast<const ndmsg*>(NLMSG_DATA(h));
  if (nd->ndm_family != AF_INET && nd->ndm_family != AF_INET6) return false;
  c = NeighbourChange{};
  c.ifindex = nd->ndm_ifindex;
  c.deleted = h->nlmsg_type == RTM_DELNEIGH;
  c.neighbour.state = nd->ndm_state;
  c.addr.family = nd->ndm_family;
  bool has_dst = false;
  nl::for_each_attr(h, sizeof(ndmsg), [&](uint16_t type, const void* data, size_t len) {
    if (type == NDA_DST && len == c.addr.size()) {
      std::memcpy(c.addr.bytes.data(), data, len);
      has_dst = true;
    }
    if (type == NDA_LLADDR && len == 6) {
      std::memcpy(c.neighbour.mac.data(), data, 6);
      c.neighbour.has_mac = true;
    }
  });
  return has_dst;
}

}  // namespace

NeighbourWatch::~NeighbourWatch() {
  if (fd_ >= 0) close(fd_);
}

Status NeighbourWatch::open() {
  const int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
  if (fd < 0)
    return make_error(-errno, "could not open a netlink socket for neighbour changes");
  sockaddr_nl sa{};
  sa.nl_family = AF_NETLINK;
  sa.nl_groups = (1u << (RTNLGRP_NEIGH - 1));
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) < 0) {
    const int e = -errno;
    close(fd);
    return make_error(e, "could not subscribe to the kernel's neighbour changes");
  }
  fd_ = fd;
  return Status::success();
}

int NeighbourWatch::drain(const std::function<void(const NeighbourChange&)>& f) {
  if (fd_ < 0) return -EBADF;
  alignas(NLMSG_ALIGNTO) static thread_local uint8_t buf[16384];
  int fed = 0;
  bool lost = false;
  for (int rounds = 0; rounds < 64; ++rounds) {  // bounded per call
    const ssize_t n = recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOBUFS) {
        lost = true;
        continue;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return -errno;
    }
    int len = static_cast<int>(n);
    for (auto* h = reinterpret_cast<const nlmsghdr*>(buf); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      NeighbourChange c;
      if (!parse_change(h, c)) continue;
      f(c);
      ++fed;
    }
  }
  return lost ? -ENOBUFS : fed;
}

}  // namespace xtcp::xsk
