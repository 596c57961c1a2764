// NeighbourWatch: the kernel's neighbour-table changes as they happen
// (RTNLGRP_NEIGH multicast over NETLINK_ROUTE), read without blocking. The
// owner drains it from its own thread; -ENOBUFS from drain() means the
// socket overflowed and changes were lost, so cached answers must be
// dropped and asked for again.
#pragma once

#include <cstdint>
#include <functional>

#include "xsk/netlink.h"

namespace xtcp::xsk {

struct NeighbourChange {
  int ifindex = 0;
  IpAddr addr;
  Neighbour neighbour;   // state and MAC as the kernel now has them
  bool deleted = false;  // RTM_DELNEIGH: the entry is gone
};

class NeighbourWatch {
 public:
  NeighbourWatch() = default;
  ~NeighbourWatch();
  NeighbourWatch(const NeighbourWatch&) = delete;
  NeighbourWatch& operator=(const NeighbourWatch&) = delete;

  // Subscribes; -errno when the socket cannot be opened or bound.
  Status open();
  bool is_open() const { return fd_ >= 0; }
  // Feeds every pending change to f; returns how many, or -ENOBUFS when the
  // kernel dropped notifications since the last call (the rest are still
  // fed), or another -errno.
  int drain(const std::function<void(const NeighbourChange&)>& f);

 private:
  int fd_ = -1;
};

}  // namespace xtcp::xsk
