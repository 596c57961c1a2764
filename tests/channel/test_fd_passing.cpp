// SCM_RIGHTS helpers: descriptors arrive usable and close-on-exec, the
// payload arrives intact, and too many descriptors are refused without
// leaking any.
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>

#include "client/fd_passing.h"

using xtcp::client::kMaxPassedFds;
using xtcp::client::recv_fds;
using xtcp::client::send_fds;

namespace {

struct SocketPair {
  explicit SocketPair(int type) { REQUIRE(socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) == 0); }
  ~SocketPair() {
    close(sv[0]);
    close(sv[1]);
  }
  int sv[2];
};

int open_fd_count() {
  int n = 0;
  for (int fd = 0; fd < 1024; ++fd) n += fcntl(fd, F_GETFD) >= 0;
  return n;
}

}  // namespace

TEST_CASE("descriptors and payload cross a socketpair", "[fd_passing]") {
  for (int type : {SOCK_SEQPACKET, SOCK_STREAM}) {
    SocketPair sp(type);
    const int efd = eventfd(0, EFD_CLOEXEC);
    REQUIRE(efd >= 0);
    int p[2];
    REQUIRE(pipe(p) == 0);
    const int send[] = {efd, p[1]};
    const uint8_t msg[] = "channel 7";
    REQUIRE(send_fds(sp.sv[0], msg, send) == ssize_t(sizeof msg));

    uint8_t buf[64] = {};
    int got[4] = {-1, -1, -1, -1};
    size_t n = 0;
    REQUIRE(recv_fds(sp.sv[1], buf, got, &n) == ssize_t(sizeof msg));
    CHECK(std::memcmp(buf, msg, sizeof msg) == 0);
    REQUIRE(n == 2);
    CHECK(got[0] != efd);
    CHECK((fcntl(got[0], F_GETFD) & FD_CLOEXEC) != 0);
    // The received descriptors are the same open files.
    const uint64_t one = 1;
    REQUIRE(write(got[0], &one, sizeof one) == 8);
    uint64_t v = 0;
    REQUIRE(read(efd, &v, sizeof v) == 8);
    CHECK(v == 1);
    REQUIRE(write(got[1], "x", 1) == 1);
    char c = 0;
    REQUIRE(read(p[0], &c, 1) == 1);
    CHECK(c == 'x');
    for (int fd : {efd, p[0], p[1], got[0], got[1]}) close(fd);
  }
}

TEST_CASE("a message without descriptors reports none", "[fd_passing]") {
  SocketPair sp(SOCK_SEQPACKET);
  const uint8_t msg[] = {1, 2, 3};
  REQUIRE(send_fds(sp.sv[0], msg, {}) == 3);
  uint8_t buf[8];
  int got[2];
  size_t n = 99;
  CHECK(recv_fds(sp.sv[1], buf, got, &n) == 3);
  CHECK(n == 0);
}

TEST_CASE("bad arguments are refused with -EINVAL", "[fd_passing]") {
  SocketPair sp(SOCK_SEQPACKET);
  const int fd = 0;
  CHECK(send_fds(sp.sv[0], {}, {&fd, 1}) == -EINVAL);
  int many[kMaxPassedFds + 1] = {};
  const uint8_t b = 0;
  CHECK(send_fds(sp.sv[0], {&b, 1}, many) == -EINVAL);
  CHECK(send_fds(-1, {&b, 1}, {}) == -EBADF);
}

TEST_CASE("more descriptors than the receiver takes: -EMSGSIZE, none leaked",
          "[fd_passing]") {
  SocketPair sp(SOCK_SEQPACKET);
  int p[2];
  REQUIRE(pipe(p) == 0);
  const int send[] = {p[0], p[1], p[0]};
  const uint8_t b = 7;
  REQUIRE(send_fds(sp.sv[0], {&b, 1}, send) == 1);
  const int before = open_fd_count();
  uint8_t buf[4];
  int got[2];
  size_t n = 0;
  CHECK(recv_fds(sp.sv[1], buf, got, &n) == -EMSGSIZE);
  CHECK(n == 0);
  CHECK(open_fd_count() == before);
  close(p[0]);
  close(p[1]);
}
