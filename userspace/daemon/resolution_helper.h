// ResolutionHelper: the one privileged thing xtcpd still does while it
// serves, kept out of the serving process (issue 15). Asking the kernel to
// resolve a next hop (`ip neigh ... use`, RTM_NEWNEIGH with NTF_USE) needs
// CAP_NET_ADMIN, and netlink checks it against the sending task. Rather than
// leave CAP_NET_ADMIN with the shard threads that parse hostile frames, xtcpd
// forks this helper before it starts anything else (single-threaded then):
// the helper keeps CAP_NET_ADMIN alone, closes every other descriptor, runs
// under its own small seccomp filter, and does one thing: for each request
// on its socket, an address on the interface fixed at fork, it asks the
// kernel to resolve it. A compromised daemon can at most make the kernel
// send ARP requests / neighbour solicitations on its own interface.
//
// Requests are fire-and-forget datagrams (SOCK_SEQPACKET), sent without
// blocking from any shard thread; one the helper cannot take now is
// dropped and counted, and the shard's retry asks again.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <string>

#include "daemon/sandbox.h"
#include "xsk/ip_addr.h"

namespace xtcp::daemon {

class ResolutionHelper {
 public:
  ResolutionHelper() = default;
  ~ResolutionHelper();  // closes the socket (the helper exits) and reaps it
  ResolutionHelper(const ResolutionHelper&) = delete;
  ResolutionHelper& operator=(const ResolutionHelper&) = delete;

  // Forks the helper for `ifindex`. Call while single-threaded. `mode`
  // is the daemon's --sandbox: off leaves the helper with the daemon's
  // privileges. "" or one sentence saying what failed.
  std::string spawn(int ifindex, SandboxMode mode);

  // Any thread: asks for `hop` to be resolved; false when the request was
  // dropped (helper gone or busy).
  bool request(const xsk::IpAddr& hop);

  pid_t pid() const { return pid_; }
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  int fd_ = -1;
  pid_t pid_ = -1;
  std::atomic<uint64_t> dropped_{0};
};

// The system calls the helper's filter allows (sandbox_syscalls.cpp).
const std::vector<AllowedCall>& resolution_helper_syscalls();

}  // namespace xtcp::daemon
