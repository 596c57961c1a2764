#include "daemon/resolution_helper.h"

#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "xsk/netlink.h"

namespace xtcp::daemon {

namespace {

// One request: the address family, then 16 address bytes (IPv4 in the
// first four).
constexpr size_t kRequestSize = 17;
constexpr int kHelperFd = 3;

// The helper's life after fork. Never returns.
[[noreturn]] void serve_requests(int ifindex, int fd, pid_t parent, SandboxMode mode) {
  // Gone with the daemon, however it ends (a kill -9 included).
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(0);
  prctl(PR_SET_NAME, "xtcpd-resolver");
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);  // the daemon blocks SIGTERM for its signalfd
  // Nothing of the daemon's but the request socket: no XSK, BPF, UMEM or
  // control descriptors.
  if (fd != kHelperFd && dup2(fd, kHelperFd) < 0) _exit(1);
  close_range(kHelperFd + 1, ~0U, 0);
  if (mode != SandboxMode::kOff) {
    if (std::string why = drop_thread_capabilities({CAP_NET_ADMIN}); !why.empty()) {
      std::fprintf(stderr, "xtcpd-resolver: %s\n", why.c_str());
      _exit(1);
    }
    if (std::string why = install_syscall_filter(mode, resolution_helper_syscalls()); !why.empty()) {
      std::fprintf(stderr, "xtcpd-resolver: %s\n", why.c_str());
      _exit(1);
    }
  }
  uint8_t msg[kRequestSize + 1];
  for (;;) {
    const ssize_t n = recv(kHelperFd, msg, sizeof msg, 0);
    if (n == 0) _exit(0);  // the daemon closed its end
    if (n < 0) {
      if (errno == EINTR) continue;
      _exit(0);
    }
    // The daemon is trusted less than it was: only well-formed requests for
    // the interface fixed at fork.
    if (n != static_cast<ssize_t>(kRequestSize) || (msg[0] != AF_INET && msg[0] != AF_INET6))
      continue;
    xsk::IpAddr hop = msg[0] == AF_INET ? xsk::IpAddr::v4(msg + 1) : xsk::IpAddr::v6(msg + 1);
    (void)xsk::request_neighbour_resolution(ifindex, hop);
  }
}

}  // namespace

std::string ResolutionHelper::spawn(int ifindex, SandboxMode mode) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
    return std::string("cannot create the resolver helper's socket: ") + strerror(errno);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    const int e = errno;
    close(sv[0]);
    close(sv[1]);
    return std::string("cannot fork the resolver helper: ") + strerror(e);
  }
  if (pid == 0) serve_requests(ifindex, sv[1], parent, mode);
  close(sv[1]);
  fd_ = sv[0];
  pid_ = pid;
  return "";
}

bool ResolutionHelper::request(const xsk::IpAddr& hop) {
  uint8_t msg[kRequestSize]{};
  msg[0] = hop.family;
  std::memcpy(msg + 1, hop.bytes.data(), hop.size());
  if (fd_ < 0 || send(fd_, msg, sizeof msg, MSG_DONTWAIT | MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof msg)) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  return true;
}

ResolutionHelper::~ResolutionHelper() {
  if (fd_ >= 0) close(fd_);
  if (pid_ > 0) {
    while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
}

}  // namespace xtcp::daemon
