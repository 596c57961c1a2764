#include "daemon/peer_credentials.h"

#include <linux/capability.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77  // Linux 6.5; Debian 12's headers predate it
#endif

namespace xtcp::daemon {
namespace {

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return text.str();
}

// Capabilities are relative to a user namespace: only the daemon's counts.
// /proc/<pid>/ns/user needs ptrace access, which the sandboxed control
// thread (no CAP_SYS_PTRACE, sandbox.h) has only to processes of its own
// uid; for the others the uid maps stand in, which ptrace does not guard:
// a namespace whose map equals ours (all of uid space, for the initial one)
// can be made only by someone already privileged over all of it.
bool same_user_namespace(pid_t pid) {
  struct stat ours{};
  struct stat theirs{};
  const std::string proc = "/proc/" + std::to_string(pid);
  if (stat("/proc/self/ns/user", &ours) != 0) return false;
  if (stat((proc + "/ns/user").c_str(), &theirs) == 0)
    return ours.st_dev == theirs.st_dev && ours.st_ino == theirs.st_ino;
  if (errno != EACCES && errno != EPERM) return false;
  const auto our_map = read_file("/proc/self/uid_map");
  const auto their_map = read_file(proc + "/uid_map");
  return our_map && their_map && !our_map->empty() && *our_map == *their_map;
}

// A pidfd polls readable once its process has exited (pidfd_open(2)).
bool pidfd_alive(int pidfd) {
  pollfd p{pidfd, POLLIN, 0};
  const int n = poll(&p, 1, 0);
  return n == 0;
}

bool pid_caps_allow(pid_t pid) {
  if (pid <= 0) return false;
  const auto text = read_file("/proc/" + std::to_string(pid) + "/status");
  if (!text) return false;  // exited (ENOENT) or hidden: "no"
  const auto cap_eff = parse_cap_eff(*text);
  return cap_eff && caps_allow_privileged_bind(*cap_eff) && same_user_namespace(pid);
}

}  // namespace

std::optional<uint64_t> parse_cap_eff(std::string_view text) {
  constexpr std::string_view kKey = "CapEff:";
  size_t at = 0;
  while (at < text.size()) {
    const size_t eol = std::min(text.find('\n', at), text.size());
    std::string_view line = text.substr(at, eol - at);
    at = eol + 1;
    if (line.substr(0, kKey.size()) != kKey) continue;
    line.remove_prefix(kKey.size());
    while (!line.empty() && (line.front() == '\t' || line.front() == ' ')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    // The kernel prints exactly 16 hex digits (render_cap_t); accept 1..16.
    if (line.empty() || line.size() > 16) return std::nullopt;
    uint64_t value = 0;
    const auto r = std::from_chars(line.data(), line.data() + line.size(), value, 16);
    if (r.ec != std::errc() || r.ptr != line.data() + line.size()) return std::nullopt;
    return value;
  }
  return std::nullopt;
}

bool caps_allow_privileged_bind(uint64_t cap_eff) {
  return (cap_eff >> CAP_NET_BIND_SERVICE) & 1u;
}

uint16_t unprivileged_port_start() {
  const auto text = read_file("/proc/sys/net/ipv4/ip_unprivileged_port_start");
  unsigned value = 0;
  if (!text || std::from_chars(text->data(), text->data() + text->size(), value).ec != std::errc() ||
      value > 65535)
    return 1024;
  return static_cast<uint16_t>(value);
}

bool may_bind_privileged_port(pid_t pid, uid_t uid) {
  return uid == 0 || pid_caps_allow(pid);
}

PeerCredentials::~PeerCredentials() {
  if (pidfd_ >= 0) close(pidfd_);
}

PeerCredentials::PeerCredentials(PeerCredentials&& other) noexcept
    : pid_(other.pid_), uid_(other.uid_), gid_(other.gid_), pidfd_(std::exchange(other.pidfd_, -1)) {}

PeerCredentials& PeerCredentials::operator=(PeerCredentials&& other) noexcept {
  if (this != &other) {
    if (pidfd_ >= 0) close(pidfd_);
    pid_ = other.pid_;
    uid_ = other.uid_;
    gid_ = other.gid_;
    pidfd_ = std::exchange(other.pidfd_, -1);
  }
  return *this;
}

int PeerCredentials::from_socket(int unix_fd, PeerCredentials* out) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (getsockopt(unix_fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return -errno;
  int pidfd = -1;
  len = sizeof pidfd;
  // ENOPROTOOPT on kernels before 6.5; any failure just means no pidfd.
  if (getsockopt(unix_fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) != 0) pidfd = -1;
  PeerCredentials c;
  c.pid_ = cred.pid;
  c.uid_ = cred.uid;
  c.gid_ = cred.gid;
  c.pidfd_ = pidfd;
  *out = std::move(c);
  return 0;
}

bool PeerCredentials::alive() const {
  if (pidfd_ >= 0) return pidfd_alive(pidfd_);
  struct stat st{};
  return pid_ > 0 && stat(("/proc/" + std::to_string(pid_)).c_str(), &st) == 0;
}

bool PeerCredentials::may_bind_privileged_port() const {
  if (uid_ == 0) return true;
  // Read first, then confirm the process is the one we were connected to
  // (still alive, so its pid cannot have been reused).
  const bool allowed = pid_caps_allow(pid_);
  if (pidfd_ >= 0) return allowed && pidfd_alive(pidfd_);
  return allowed;
}

}  // namespace xtcp::daemon
