#include "daemon/privileges.h"

#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

namespace xtcp::daemon {
namespace {

constexpr int kCapBpf = 39;  // CAP_BPF, Linux 5.8; older headers lack it

bool has(const __user_cap_data_struct (&data)[2], int cap) {
  return (data[cap / 32].effective >> (cap % 32)) & 1u;
}

}  // namespace

bool has_required_capabilities() {
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (syscall(SYS_capget, &hdr, data) != 0) return false;
  return has(data, kCapBpf) && has(data, CAP_NET_ADMIN) && has(data, CAP_SYS_ADMIN);
}

}  // namespace xtcp::daemon
