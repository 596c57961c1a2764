// What xtcpd keeps once it is attached (issue 15). The daemon parses bytes
// from the wire and from apps' shared memory; a bug there must not hand an
// attacker root's powers. So, after the XDP program, the AF_XDP sockets and
// the control socket exist:
//   * every thread drops all capabilities but what it still uses: the
//     control thread keeps CAP_NET_BIND_SERVICE (it reserves an app's
//     privileged port in the kernel, port_reservation.h); shard threads keep
//     none (BPF map updates by descriptor and XSK kicks need none);
//     the bounding set is cleared, so nothing can be regained;
//   * PR_SET_NO_NEW_PRIVS, so no execve can grant any back;
//   * a seccomp filter on every thread (TSYNC) allowing the system calls the
//     serving threads make (sandbox_syscalls.cpp) and nothing else.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace xtcp::daemon {

enum class SandboxMode : uint8_t {
  kOff,      // --sandbox off: keep every capability, no filter (debugging)
  kLog,      // --sandbox log: drop capabilities; a call outside the list is
             // allowed and logged by the kernel (audit), to grow the list
  kEnforce,  // default: drop capabilities; a call outside the list kills xtcpd
             // (SIGSYS, core); its bpf_link goes and the kernel takes the link
};

const char* sandbox_mode_name(SandboxMode m);
bool parse_sandbox_mode(std::string_view s, SandboxMode* out);

// Capabilities (bit numbers) the control thread keeps.
std::vector<int> control_thread_capabilities();

// Drops the calling thread's capabilities to those of `keep` it holds
// (effective, permitted; inheritable and ambient cleared) and, when it may
// (CAP_SETPCAP), clears the bounding set; with no_new_privs set before any
// execve, nothing dropped comes back either way. "" or one sentence.
std::string drop_thread_capabilities(const std::vector<int>& keep);

// One allowed system call; with `arg0` non-empty, only when its first
// argument is one of those values (socket's family, bpf's command).
struct AllowedCall {
  const char* name;
  std::vector<uint64_t> arg0;
};

// PR_SET_NO_NEW_PRIVS, then a filter allowing `calls` on every thread of
// the process (TSYNC). kOff does nothing. "" or one sentence.
std::string install_syscall_filter(SandboxMode mode, const std::vector<AllowedCall>& calls);

// The system calls xtcpd's threads make once serving (sandbox_syscalls.cpp).
const std::vector<AllowedCall>& serving_syscalls();

// Test builds (--sandbox-probe): one call the filter does not allow.
void make_forbidden_call();

}  // namespace xtcp::daemon
