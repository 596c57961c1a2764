// The privilege check xtcpd does before touching BPF or AF_XDP, so a missing
// privilege is one clear line naming it instead of a libbpf/libxdp error.
#pragma once

#include <cstdint>
#include <string>

namespace xtcp::daemon {

// What the kernel asks for, per step:
//   CAP_BPF        load the steering program and its maps
//   CAP_PERFMON    the verifier refuses the program's packet-pointer
//                  arithmetic without it (EACCES at load); CAP_SYS_ADMIN
//                  stands in for both, and is what kernels before 5.8 need
//   CAP_NET_ADMIN  attach XDP, create the XSKMAP
//   CAP_NET_RAW    create AF_XDP sockets
//   CAP_IPC_LOCK   pin the UMEMs, unless RLIMIT_MEMLOCK covers them
//                  (xdp_umem_account_pages: ENOBUFS otherwise)
struct PrivilegeNeeds {
  uint64_t effective = 0;      // effective capability set, bit i = capability i
  uint64_t memlock_limit = 0;  // RLIMIT_MEMLOCK soft limit in bytes
  uint64_t umem_bytes = 0;     // UMEM bytes xtcpd will register, all queues
};

// "" when everything is there, else one sentence (without "xtcpd: ")
// naming what is missing and what to do. Pure: unit-tested.
std::string privilege_problem(const PrivilegeNeeds& n);

// Reads this process's effective capabilities and RLIMIT_MEMLOCK.
PrivilegeNeeds current_privileges(uint64_t umem_bytes);

}  // namespace xtcp::daemon
