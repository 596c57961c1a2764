// PeerCredentials over real AF_UNIX sockets: SO_PEERCRED reports the
// peer's pid/uid/gid, and the low-port rule follows the peer's uid and
// effective CAP_NET_BIND_SERVICE in our user namespace. Peers that are not
// root are made by a root test in a forked child (uid 65534); without root
// those cases WARN and stop.
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "daemon/peer_credentials.h"
#include "kernel_socket.h"

using xtcp::daemon::caps_allow_privileged_bind;
using xtcp::daemon::parse_cap_eff;
using xtcp::daemon::PeerCredentials;
using ports_test::Fd;

namespace {

constexpr uid_t kNobody = 65534;

std::optional<uint64_t> cap_eff_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_cap_eff(text.str());
}

enum class PeerKind { kNobodyNoCaps, kNobodyWithBindCap, kNobodyOwnUserNs };

bool set_effective_caps(uint64_t caps) {
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  data[0].effective = data[0].permitted = static_cast<uint32_t>(caps);
  data[1].effective = data[1].permitted = static_cast<uint32_t>(caps >> 32);
  return syscall(SYS_capset, &hdr, data) == 0;
}

// In the forked child: become the peer, before connect() (SO_PEERCRED is
// recorded there). Returns false if this kernel/config will not let us.
bool become(PeerKind kind) {
  if (kind == PeerKind::kNobodyWithBindCap && prctl(PR_SET_KEEPCAPS, 1) != 0) return false;
  if (setresgid(kNobody, kNobody, kNobody) != 0 || setresuid(kNobody, kNobody, kNobody) != 0)
    return false;
  if (kind == PeerKind::kNobodyWithBindCap)
    return set_effective_caps(uint64_t{1} << CAP_NET_BIND_SERVICE);
  if (kind == PeerKind::kNobodyOwnUserNs) return unshare(CLONE_NEWUSER) == 0;
  return true;
}

sockaddr_un abstract_address(socklen_t* len) {
  static int counter = 0;
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  const std::string name = "xtcp-ports-test-" + std::to_string(getpid()) + "-" +
                           std::to_string(++counter);
  std::memcpy(sun.sun_path + 1, name.data(), name.size());  // sun_path[0] = 0: abstract
  *len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  return sun;
}

// A child peer connected to us: it sends one byte once it is what `kind`
// says, then waits until we close the connection, then exits.
struct ChildPeer {
  pid_t pid = -1;
  Fd conn{-1};
};

bool start_peer(PeerKind kind, ChildPeer* peer) {
  socklen_t len = 0;
  const sockaddr_un addr = abstract_address(&len);
  Fd listener(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(listener.fd >= 0);
  REQUIRE(bind(listener.fd, reinterpret_cast<const sockaddr*>(&addr), len) == 0);
  REQUIRE(listen(listener.fd, 1) == 0);
  peer->pid = fork();
  REQUIRE(peer->pid >= 0);
  if (peer->pid == 0) {
    if (!become(kind)) _exit(3);
    const int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (s < 0 || connect(s, reinterpret_cast<const sockaddr*>(&addr), len) != 0) _exit(4);
    char byte = 1;
    if (write(s, &byte, 1) != 1) _exit(5);
    pollfd p{s, POLLIN, 0};
    poll(&p, 1, 10000);  // until the parent closes (bounded)
    _exit(0);
  }
  pollfd p{listener.fd, POLLIN, 0};
  if (poll(&p, 1, 5000) != 1) return false;  // child could not become the peer
  peer->conn = Fd(accept4(listener.fd, nullptr, nullptr, SOCK_CLOEXEC));
  char byte = 0;
  return peer->conn.fd >= 0 && read(peer->conn.fd, &byte, 1) == 1;
}

// Close the connection and reap the child; true if it exited cleanly.
bool finish_peer(ChildPeer* peer) {
  if (peer->conn.fd >= 0) close(std::exchange(peer->conn.fd, -1));
  int status = 0;
  if (waitpid(peer->pid, &status, 0) != peer->pid) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Close the connection and wait (bounded) until the child is a zombie: it
// has exited but its pid is still taken, and /proc/<pid>/status still shows
// its capabilities. Reap with finish_peer().
bool await_zombie(ChildPeer* peer) {
  if (peer->conn.fd >= 0) close(std::exchange(peer->conn.fd, -1));
  for (int i = 0; i < 500; ++i) {
    std::ifstream stat("/proc/" + std::to_string(peer->pid) + "/stat");
    std::string pid, comm, state;
    stat >> pid >> comm >> state;
    if (state == "Z") return true;
    usleep(10000);
  }
  return false;
}

bool have_root() {
  if (geteuid() == 0) return true;
  WARN("not root: cannot make a peer with another uid; case skipped");
  return false;
}

}  // namespace

TEST_CASE("credentials over a socketpair are our own", "[peercred]") {
  int sv[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  Fd a(sv[0]), b(sv[1]);
  PeerCredentials c;
  REQUIRE(PeerCredentials::from_socket(a.fd, &c) == 0);
  CHECK(c.pid() == getpid());
  CHECK(c.uid() == geteuid());
  CHECK(c.gid() == getegid());
  CHECK(c.alive());
  INFO("SO_PEERPIDFD available: " << c.has_pidfd());
  const auto eff = cap_eff_of(getpid());
  REQUIRE(eff.has_value());
  CHECK(c.may_bind_privileged_port() == (geteuid() == 0 || caps_allow_privileged_bind(*eff)));
  CHECK(xtcp::daemon::may_bind_privileged_port(c.pid(), c.uid()) == c.may_bind_privileged_port());
}

TEST_CASE("credentials of something that is not a connected unix socket", "[peercred]") {
  PeerCredentials c;
  CHECK(PeerCredentials::from_socket(-1, &c) == -EBADF);
  Fd unconnected(socket(AF_UNIX, SOCK_STREAM, 0));
  // Linux reports "nobody" for an unconnected socket rather than failing:
  // pid 0 and the overflow ids, which never pass the low-port rule.
  if (PeerCredentials::from_socket(unconnected.fd, &c) == 0) {
    CHECK(c.pid() == 0);
    CHECK(c.uid() != 0);
    CHECK_FALSE(c.may_bind_privileged_port());
  }
}

TEST_CASE("a peer without root or CAP_NET_BIND_SERVICE may not bind low ports", "[peercred]") {
  if (!have_root()) return;
  ChildPeer peer;
  REQUIRE(start_peer(PeerKind::kNobodyNoCaps, &peer));
  PeerCredentials c;
  REQUIRE(PeerCredentials::from_socket(peer.conn.fd, &c) == 0);
  CHECK(c.pid() == peer.pid);
  CHECK(c.uid() == kNobody);
  CHECK(c.gid() == kNobody);
  CHECK(c.alive());
  CHECK_FALSE(c.may_bind_privileged_port());
  CHECK_FALSE(xtcp::daemon::may_bind_privileged_port(c.pid(), c.uid()));
  CHECK(finish_peer(&peer));
}

TEST_CASE("CAP_NET_BIND_SERVICE lets a non-root peer bind low ports while it lives", "[peercred]") {
  if (!have_root()) return;
  ChildPeer peer;
  REQUIRE(start_peer(PeerKind::kNobodyWithBindCap, &peer));
  PeerCredentials c;
  REQUIRE(PeerCredentials::from_socket(peer.conn.fd, &c) == 0);
  CHECK(c.uid() == kNobody);
  REQUIRE(cap_eff_of(peer.pid) == uint64_t{1} << CAP_NET_BIND_SERVICE);
  CHECK(c.may_bind_privileged_port());
  CHECK(xtcp::daemon::may_bind_privileged_port(c.pid(), c.uid()));
  // Once it has exited the answer is "no". While it is a zombie its
  // /proc/<pid>/status still says CAP_NET_BIND_SERVICE: only the pidfd
  // (SO_PEERPIDFD) knows it is gone.
  REQUIRE(await_zombie(&peer));
  if (c.has_pidfd()) {
    CHECK(cap_eff_of(peer.pid) == uint64_t{1} << CAP_NET_BIND_SERVICE);
    CHECK_FALSE(c.alive());
    CHECK_FALSE(c.may_bind_privileged_port());
  }
  CHECK(finish_peer(&peer));
  CHECK_FALSE(c.alive());
  CHECK_FALSE(c.may_bind_privileged_port());
  CHECK_FALSE(xtcp::daemon::may_bind_privileged_port(c.pid(), c.uid()));
}

TEST_CASE("capabilities inside the peer's own user namespace do not count", "[peercred]") {
  if (!have_root()) return;
  ChildPeer peer;
  if (!start_peer(PeerKind::kNobodyOwnUserNs, &peer)) {
    finish_peer(&peer);
    WARN("this kernel does not let uid 65534 create a user namespace; case skipped");
    return;
  }
  PeerCredentials c;
  REQUIRE(PeerCredentials::from_socket(peer.conn.fd, &c) == 0);
  CHECK(c.uid() == kNobody);
  // The child has every capability (in its namespace) ...
  const auto eff = cap_eff_of(peer.pid);
  REQUIRE(eff.has_value());
  REQUIRE(caps_allow_privileged_bind(*eff));
  // ... and none of them is ours to honour.
  CHECK_FALSE(c.may_bind_privileged_port());
  CHECK_FALSE(xtcp::daemon::may_bind_privileged_port(c.pid(), c.uid()));
  CHECK(finish_peer(&peer));
}
