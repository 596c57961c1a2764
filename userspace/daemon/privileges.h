// The capability check xtcpd does before touching BPF or AF_XDP, so a
// missing privilege is one clear line instead of a libbpf error.
#pragma once

namespace xtcp::daemon {

// True when the effective set has CAP_BPF (or, on kernels without it,
// CAP_SYS_ADMIN), CAP_NET_ADMIN and CAP_SYS_ADMIN. Root normally has all.
bool has_required_capabilities();

inline constexpr const char kPrivilegeError[] =
    "needs root or CAP_BPF, CAP_NET_ADMIN and CAP_SYS_ADMIN";

}  // namespace xtcp::daemon
