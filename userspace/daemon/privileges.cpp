#include "daemon/privileges.h"

#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace xtcp::daemon {
namespace {

constexpr int kCapPerfmon = 38;  // CAP_PERFMON and CAP_BPF, Linux 5.8;
constexpr int kCapBpf = 39;      // older headers lack them

bool has(uint64_t effective, int cap) { return (effective >> cap) & 1u; }

std::string mib(uint64_t bytes) { return std::to_string((bytes + (1u << 20) - 1) >> 20) + " MiB"; }

}  // namespace

std::string privilege_problem(const PrivilegeNeeds& n) {
  std::string missing;
  auto need = [&](bool ok, const char* name) {
    if (ok) return;
    missing += missing.empty() ? "" : ", ";
    missing += name;
  };
  const bool sys_admin = has(n.effective, CAP_SYS_ADMIN);
  need(sys_admin || has(n.effective, kCapBpf), "CAP_BPF");
  need(sys_admin || has(n.effective, kCapPerfmon), "CAP_PERFMON");
  need(has(n.effective, CAP_NET_ADMIN), "CAP_NET_ADMIN");
  need(has(n.effective, CAP_NET_RAW), "CAP_NET_RAW");
  const bool memlock_ok = has(n.effective, CAP_IPC_LOCK) || n.memlock_limit >= n.umem_bytes;
  need(memlock_ok, ("CAP_IPC_LOCK (or RLIMIT_MEMLOCK of " + mib(n.umem_bytes) + ")").c_str());
  if (missing.empty()) return "";
  return "needs root or CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_NET_RAW and CAP_IPC_LOCK; "
         "missing " + missing;
}

PrivilegeNeeds current_privileges(uint64_t umem_bytes) {
  PrivilegeNeeds n;
  n.umem_bytes = umem_bytes;
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (syscall(SYS_capget, &hdr, data) == 0)
    n.effective = uint64_t{data[0].effective} | uint64_t{data[1].effective} << 32;
  rlimit rl{};
  if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0)
    n.memlock_limit = rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : uint64_t{rl.rlim_cur};
  return n;
}

}  // namespace xtcp::daemon
