#include "daemon/sandbox.h"

#include <cap-ng.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace xtcp::daemon {

const char* sandbox_mode_name(SandboxMode m) {
  switch (m) {
    case SandboxMode::kOff: return "off";
    case SandboxMode::kLog: return "log";
    case SandboxMode::kEnforce: return "enforce";
  }
  return "?";
}

bool parse_sandbox_mode(std::string_view s, SandboxMode* out) {
  for (SandboxMode m : {SandboxMode::kOff, SandboxMode::kLog, SandboxMode::kEnforce}) {
    if (s == sandbox_mode_name(m)) {
      *out = m;
      return true;
    }
  }
  return false;
}

std::vector<int> control_thread_capabilities() { return {CAP_NET_BIND_SERVICE}; }

std::string drop_thread_capabilities(const std::vector<int>& keep) {
  // capset is per thread: libcap-ng works on the calling one.
  capng_setpid(static_cast<int>(gettid()));
  if (capng_get_caps_process() != 0) return "cannot read this thread's capabilities";
  std::vector<int> held;
  for (int cap : keep)
    if (capng_have_capability(CAPNG_PERMITTED, static_cast<unsigned>(cap))) held.push_back(cap);
  const bool may_bound = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP);
  capng_clear(CAPNG_SELECT_BOTH);
  for (int cap : held)
    if (capng_update(CAPNG_ADD, static_cast<capng_type_t>(CAPNG_EFFECTIVE | CAPNG_PERMITTED),
                     static_cast<unsigned>(cap)) != 0)
      return "cannot keep capability " + std::to_string(cap);
  // The bounding set first (dropping it needs CAP_SETPCAP, gone after the
  // capset); a unit's CapabilityBoundingSet= may not grant CAP_SETPCAP.
  if (may_bound)
    for (int cap = 0; cap <= CAP_LAST_CAP; ++cap) {
      bool kept = false;
      for (int k : held) kept = kept || k == cap;
      if (!kept && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL)
        return std::string("cannot clear the capability bounding set: ") + strerror(errno);
    }
  if (int rc = capng_apply(CAPNG_SELECT_CAPS); rc != 0)
    return "cannot drop capabilities (capset, capng_apply " + std::to_string(rc) + ")";
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
    return std::string("cannot clear the ambient capabilities: ") + strerror(errno);
  return "";
}

std::string install_syscall_filter(SandboxMode mode, const std::vector<AllowedCall>& calls) {
  if (mode == SandboxMode::kOff) return "";
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    return std::string("cannot set no_new_privs: ") + strerror(errno);
  const uint32_t otherwise = mode == SandboxMode::kLog ? SCMP_ACT_LOG : SCMP_ACT_KILL_PROCESS;
  scmp_filter_ctx ctx = seccomp_init(otherwise);
  if (ctx == nullptr) return "cannot create the seccomp filter (seccomp_init)";
  std::string why;
  for (const AllowedCall& c : calls) {
    const int nr = seccomp_syscall_resolve_name(c.name);
    if (nr == __NR_SCMP_ERROR) continue;  // not on this architecture (e.g. a legacy call)
    int rc = 0;
    if (c.arg0.empty()) rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
    for (uint64_t v : c.arg0) {
      if (rc != 0) break;
      rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A0(SCMP_CMP_EQ, v));
    }
    if (rc != 0) {
      why = std::string("cannot allow ") + c.name + " in the seccomp filter: " + strerror(-rc);
      break;
    }
  }
  // Every thread, atomically: the shard threads run already.
  if (why.empty() && seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1) != 0)
    why = "this kernel cannot apply a seccomp filter to all threads (TSYNC)";
  if (why.empty())
    if (int rc = seccomp_load(ctx); rc != 0) why = std::string("cannot load the seccomp filter: ") + strerror(-rc);
  seccomp_release(ctx);
  return why;
}

void make_forbidden_call() {
  // reboot is in no list; without CAP_SYS_BOOT (and with a bad magic) it
  // does nothing when allowed (--sandbox log). Under enforce the kernel
  // kills the process.
  syscall(SYS_reboot, 0, 0, 0, nullptr);
}

}  // namespace xtcp::daemon
