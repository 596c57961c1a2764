// PeerCredentials: who is on the other end of an app's control socket
// (issue 4, "Security": peer credentials are checked; ports below 1024 need
// root or CAP_NET_BIND_SERVICE).
//
// pid/uid/gid come from SO_PEERCRED: the kernel recorded them at connect()
// and translated them into the daemon's pid and user namespaces, so the app
// cannot lie about them. Where the kernel has SO_PEERPIDFD (Linux 6.5) we
// also hold a pidfd of that same process.
//
// Race caveat: capabilities are read from /proc/<pid>/status at the time of
// the check, not at connect(). Without a pidfd, the peer may have exited and
// its pid been reused between connect() and the check, and we would read a
// stranger's capabilities; with a pidfd we confirm after reading that the
// process we were connected to is still alive, which rules reuse out (a pid
// is not reused until its process has exited). A peer that exited is "no".
// A peer that changed its own capabilities after connecting is judged by the
// capabilities it has now.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace xtcp::daemon {

class PeerCredentials {
 public:
  PeerCredentials() = default;
  ~PeerCredentials();
  PeerCredentials(PeerCredentials&& other) noexcept;
  PeerCredentials& operator=(PeerCredentials&& other) noexcept;
  PeerCredentials(const PeerCredentials&) = delete;
  PeerCredentials& operator=(const PeerCredentials&) = delete;

  // From a connected AF_UNIX socket. 0 or -errno (-ENOTCONN, -ENOTSOCK, ...).
  // A missing SO_PEERPIDFD (older kernel) is not an error: has_pidfd() is
  // then false.
  [[nodiscard]] static int from_socket(int unix_fd, PeerCredentials* out);

  pid_t pid() const { return pid_; }  // 0 when the peer is not in our pid namespace
  uid_t uid() const { return uid_; }
  gid_t gid() const { return gid_; }
  bool has_pidfd() const { return pidfd_ >= 0; }

  // With a pidfd: the connected process has not exited. Without: /proc/<pid>
  // exists (which may be a different process, see the race caveat).
  bool alive() const;

  // Root, or CAP_NET_BIND_SERVICE held now by the connected process, in the
  // daemon's user namespace; false when it exited (pidfd-checked if any).
  bool may_bind_privileged_port() const;

 private:
  pid_t pid_ = 0;
  uid_t uid_ = static_cast<uid_t>(-1);
  gid_t gid_ = static_cast<gid_t>(-1);
  int pidfd_ = -1;
};

// uid 0, or `pid` holds CAP_NET_BIND_SERVICE in its effective set and lives
// in the daemon's user namespace (a process that made its own user namespace
// has every capability there, none of which counts for our ports).
// Exited or unreadable pid: false.
bool may_bind_privileged_port(pid_t pid, uid_t uid);

// The CapEff value of a /proc/<pid>/status text, or nullopt when the line
// is missing or malformed. Pure: unit-tested.
std::optional<uint64_t> parse_cap_eff(std::string_view status_text);

// Whether an effective capability set allows binding ports below
// ip_unprivileged_port_start.
bool caps_allow_privileged_bind(uint64_t cap_eff);

// net.ipv4.ip_unprivileged_port_start of the calling thread's namespace
// (the kernel's rule for who may bind low ports); 1024 if unreadable.
uint16_t unprivileged_port_start();

}  // namespace xtcp::daemon
