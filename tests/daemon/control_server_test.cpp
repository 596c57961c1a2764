// ControlServer and ControlClient over a real AF_UNIX SOCK_SEQPACKET socket
// in a private temp directory (no root needed).
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <thread>

#include "daemon/control_server.h"
#include "fake_stats.h"
#include "test_messages.h"
#include "tools/control_client.h"

using namespace xtcp::test;
using xtcp::daemon::ControlServer;
using xtcp::tools::ControlClient;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/xtcp-daemon-test-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

// Runs the server's poll loop on a thread, the way xtcpd's main loop does.
class ServerThread {
 public:
  explicit ServerThread(ControlServer& s) : server_(s), thread_([this] { loop(); }) {}
  ~ServerThread() {
    stop_ = true;
    thread_.join();
  }

 private:
  void loop() {
    std::vector<pollfd> fds;
    for (int i = 0; i < 100000 && !stop_; ++i) {  // bounded: ~100 s at most
      fds.clear();
      server_.pollfds(fds);
      if (poll(fds.data(), fds.size(), 1) > 0) server_.dispatch(fds.data(), fds.size());
    }
  }
  ControlServer& server_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

int raw_connect(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof(a.sun_path) - 1);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
  return fd;
}

// A socket file nobody listens on, as a crashed daemon leaves behind.
void make_stale_socket(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof(a.sun_path) - 1);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
  close(fd);
}

}  // namespace

TEST_CASE("xtcpctl's client gets hello and stats from the server", "[server]") {
  TempDir dir;
  const std::string path = dir.path + "/run/xtcp/xtcpd.sock";  // dirs created
  FakeStats src(3);
  ControlServer server(src);
  REQUIRE(server.listen(path) == 0);
  struct stat st;
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK(S_ISSOCK(st.st_mode));
  CHECK((st.st_mode & 0777) == 0660);

  ServerThread t(server);
  ControlClient c;
  REQUIRE(c.connect(path) == 0);
  xtcp_ctl_hello_reply hello{};
  REQUIRE(c.hello("test", &hello) == 0);
  CHECK(std::string(hello.iface) == "xt-test");
  xtcp::tools::StatsResult stats;
  REQUIRE(c.stats(&stats) == 0);
  CHECK(stats.iface == "xt-test");
  CHECK(stats.queue_count == 2);
  REQUIRE(stats.entries.size() == 3);
  CHECK(stats.entries[1].first == "c1");
  CHECK(stats.entries[1].second == 1);
}

TEST_CASE("the client reassembles a paged snapshot", "[server]") {
  TempDir dir;
  const std::string path = dir.path + "/s.sock";
  const size_t n = 2 * XTCP_CTL_STATS_MAX_ENTRIES + 5;
  FakeStats src(n);
  ControlServer server(src);
  REQUIRE(server.listen(path) == 0);
  ServerThread t(server);
  ControlClient c;
  REQUIRE(c.connect(path) == 0);
  xtcp::tools::StatsResult stats;
  REQUIRE(c.stats(&stats) == 0);
  REQUIRE(stats.entries.size() == n);
  CHECK(stats.entries[n - 1].first == "c" + std::to_string(n - 1));
  CHECK(stats.entries[n - 1].second == n - 1);  // from the first snapshot
  CHECK(src.snapshots() == 1);
}

TEST_CASE("a malformed message gets ERROR, closes that session, others go on", "[server]") {
  TempDir dir;
  const std::string path = dir.path + "/s.sock";
  FakeStats src;
  ControlServer server(src);
  REQUIRE(server.listen(path) == 0);
  ServerThread t(server);

  int fd = raw_connect(path);
  auto m = hello_msg(42);
  m[0] ^= 0x55;  // wrong magic
  REQUIRE(send(fd, m.data(), m.size(), 0) == static_cast<ssize_t>(m.size()));
  std::vector<uint8_t> reply(XTCP_CTL_MAX_MESSAGE);
  ssize_t n = recv(fd, reply.data(), reply.size(), 0);
  REQUIRE(n == static_cast<ssize_t>(sizeof(xtcp_ctl_error)));
  reply.resize(n);
  CHECK(error_of(reply).code == EPROTO);
  CHECK(recv(fd, reply.data(), reply.size(), 0) == 0);  // session closed
  close(fd);

  SECTION("an oversized datagram is EMSGSIZE, not silently cut") {
    int big_fd = raw_connect(path);
    std::vector<uint8_t> big(XTCP_CTL_MAX_MESSAGE + 100, 0);
    std::memcpy(big.data(), hello_msg(1).data(), sizeof(xtcp_ctl_header));
    REQUIRE(send(big_fd, big.data(), big.size(), 0) == static_cast<ssize_t>(big.size()));
    std::vector<uint8_t> r(XTCP_CTL_MAX_MESSAGE);
    ssize_t got = recv(big_fd, r.data(), r.size(), 0);
    REQUIRE(got == static_cast<ssize_t>(sizeof(xtcp_ctl_error)));
    CHECK(error_of(r).code == EMSGSIZE);
    close(big_fd);
  }

  ControlClient c;
  REQUIRE(c.connect(path) == 0);
  xtcp::tools::StatsResult stats;
  CHECK(c.stats(&stats) == 0);
}

TEST_CASE("listen replaces a stale socket file and refuses a live one", "[server]") {
  TempDir dir;
  const std::string path = dir.path + "/s.sock";
  FakeStats src;

  SECTION("stale") {
    make_stale_socket(path);
    ControlServer server(src);
    CHECK(server.listen(path) == 0);
  }
  SECTION("live") {
    ControlServer first(src);
    REQUIRE(first.listen(path) == 0);
    ControlServer second(src);
    CHECK(second.listen(path) == -EADDRINUSE);
    CHECK(second.error().find("another xtcpd is already serving") != std::string::npos);
  }
  SECTION("not a socket") {
    FILE* f = std::fopen(path.c_str(), "w");
    REQUIRE(f != nullptr);
    std::fclose(f);
    ControlServer server(src);
    CHECK(server.listen(path) == -EEXIST);
    CHECK(std::filesystem::exists(path));  // never deletes a regular file
  }
}

TEST_CASE("the server removes its socket file when destroyed", "[server]") {
  TempDir dir;
  const std::string path = dir.path + "/s.sock";
  FakeStats src;
  {
    ControlServer server(src);
    REQUIRE(server.listen(path) == 0);
    CHECK(std::filesystem::exists(path));
  }
  CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("the client names the socket and the likely cause when xtcpd is not running",
          "[client]") {
  TempDir dir;
  const std::string path = dir.path + "/s.sock";
  ControlClient c;
  SECTION("stale socket file") {
    make_stale_socket(path);
    CHECK(c.connect(path) == -ECONNREFUSED);
    CHECK(c.error() == "cannot reach xtcpd at " + path + ": connection refused; is xtcpd running?");
  }
  SECTION("no socket file") {
    CHECK(c.connect(path) == -ENOENT);
    CHECK(c.error() ==
          "cannot reach xtcpd at " + path + ": no such file or directory; is xtcpd running?");
  }
}
