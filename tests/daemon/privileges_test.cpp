// xtcpd's privilege check: every capability the kernel asks for is named
// when missing, and RLIMIT_MEMLOCK can stand in for CAP_IPC_LOCK.
#include <linux/capability.h>

#include <catch2/catch.hpp>

#include "daemon/privileges.h"

using xtcp::daemon::PrivilegeNeeds;
using xtcp::daemon::privilege_problem;

namespace {

constexpr int kCapPerfmon = 38;
constexpr int kCapBpf = 39;
constexpr uint64_t kMiB = 1u << 20;

uint64_t caps(std::initializer_list<int> list) {
  uint64_t v = 0;
  for (int c : list) v |= uint64_t{1} << c;
  return v;
}

PrivilegeNeeds needs(uint64_t effective, uint64_t memlock = 8 * kMiB) {
  return PrivilegeNeeds{effective, memlock, 32 * kMiB};
}

}  // namespace

TEST_CASE("the capabilities xtcpd uses are enough", "[privileges]") {
  CHECK(privilege_problem(needs(caps({kCapBpf, kCapPerfmon, CAP_NET_ADMIN, CAP_NET_RAW, CAP_IPC_LOCK}))) == "");
  // CAP_SYS_ADMIN stands in for CAP_BPF and CAP_PERFMON (and is what
  // kernels before 5.8 need).
  CHECK(privilege_problem(needs(caps({CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_NET_RAW, CAP_IPC_LOCK}))) ==
        "");
  // A memlock limit that covers every UMEM replaces CAP_IPC_LOCK.
  CHECK(privilege_problem(needs(caps({kCapBpf, kCapPerfmon, CAP_NET_ADMIN, CAP_NET_RAW}), 32 * kMiB)) == "");
  CHECK(privilege_problem(needs(caps({kCapBpf, kCapPerfmon, CAP_NET_ADMIN, CAP_NET_RAW}), UINT64_MAX)) == "");
}

TEST_CASE("a missing capability is named in one sentence", "[privileges]") {
  // AF_XDP sockets need CAP_NET_RAW: without it the bind fails with EPERM.
  CHECK(privilege_problem(needs(caps({CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_IPC_LOCK}))) ==
        "needs root or CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_NET_RAW and CAP_IPC_LOCK; missing CAP_NET_RAW");
  // Without CAP_IPC_LOCK the UMEM must fit under RLIMIT_MEMLOCK.
  CHECK(privilege_problem(needs(caps({kCapBpf, kCapPerfmon, CAP_NET_ADMIN, CAP_NET_RAW}), 32 * kMiB - 1)) ==
        "needs root or CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_NET_RAW and CAP_IPC_LOCK; missing "
        "CAP_IPC_LOCK (or RLIMIT_MEMLOCK of 32 MiB)");
  // CAP_BPF alone: the verifier refuses the program (EACCES).
  CHECK(privilege_problem(needs(caps({kCapBpf, CAP_NET_ADMIN, CAP_NET_RAW, CAP_IPC_LOCK}))) ==
        "needs root or CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_NET_RAW and CAP_IPC_LOCK; missing "
        "CAP_PERFMON");
  CHECK(privilege_problem(needs(0)) ==
        "needs root or CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_NET_RAW and CAP_IPC_LOCK; missing CAP_BPF, "
        "CAP_PERFMON, CAP_NET_ADMIN, CAP_NET_RAW, CAP_IPC_LOCK (or RLIMIT_MEMLOCK of 32 MiB)");
}

TEST_CASE("the current process's privileges are read", "[privileges]") {
  const auto n = xtcp::daemon::current_privileges(123);
  CHECK(n.umem_bytes == 123);
  CHECK(n.memlock_limit > 0);  // Linux always has some memlock limit
}
