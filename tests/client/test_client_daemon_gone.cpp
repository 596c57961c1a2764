// xtcpd dies while the app waits: the library sees the control session
// hang up and every socket of the context fails with ECONNRESET within a
// bounded time, in each way an app can wait (blocking recv / send / accept /
// connect, xtcp_poll, its own epoll on xtcp_fd). The fake daemon's
// destructor closes the session like a killed process: the kernel closes
// the socket, nobody signals the eventfds.
#include <sys/epoll.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <thread>

#include "client_fixture.h"

using namespace xtcp::test;

namespace {

constexpr int kBoundMs = 2000;  // a blocked call must return by then

// Kills `fake` after `delay_ms` on another thread (the caller joins).
std::thread kill_later(std::unique_ptr<FakeDaemon>& fake, int delay_ms) {
  return std::thread([&fake, delay_ms] {
    usleep(static_cast<useconds_t>(delay_ms) * 1000);
    fake.reset();
  });
}

struct Session {
  std::unique_ptr<FakeDaemon> fake = std::make_unique<FakeDaemon>();
  xtcp_ctx* ctx = xtcp_open(fake->path().c_str());
  ~Session() { xtcp_close_ctx(ctx); }
};

bool mentions_daemon(const char* detail) {
  return std::string(detail).find("xtcpd closed the session") != std::string::npos;
}

}  // namespace

TEST_CASE("a blocked recv returns the bytes already received, then ECONNRESET", "[client][crash]") {
  Session s;
  REQUIRE(s.ctx != nullptr);
  const int sock = connect_one(s.ctx);
  REQUIRE(sock >= 0);
  const auto data = random_bytes(1000, 3);
  REQUIRE(s.fake->conn(0)->push(data) == data.size());
  std::vector<uint8_t> got(data.size());
  REQUIRE(xtcp_recv(s.ctx, sock, got.data(), 10, -1) == 10);

  std::thread killer = kill_later(s.fake, 200);
  const auto t0 = std::chrono::steady_clock::now();
  // Received before the crash: still readable, intact.
  REQUIRE(xtcp_recv(s.ctx, sock, got.data() + 10, got.size() - 10, -1) ==
          static_cast<ssize_t>(got.size() - 10));
  CHECK(got == data);
  uint8_t b[16];
  CHECK(xtcp_recv(s.ctx, sock, b, sizeof b, -1) == -1);  // waits forever without the fix
  CHECK(errno == ECONNRESET);
  CHECK(mentions_daemon(xtcp_last_error()));
  CHECK(ms_since(t0) < kBoundMs);
  killer.join();
  CHECK(xtcp_socket_error(s.ctx, sock) == ECONNRESET);
  CHECK(xtcp_send(s.ctx, sock, b, sizeof b, 0) == -1);
  CHECK(errno == ECONNRESET);
}

TEST_CASE("a send blocked on a full ring fails with ECONNRESET", "[client][crash]") {
  Session s;
  REQUIRE(s.ctx != nullptr);
  const int sock = connect_one(s.ctx);
  REQUIRE(sock >= 0);
  const auto data = random_bytes(FakeDaemon::kRingSize, 5);
  REQUIRE(xtcp_send(s.ctx, sock, data.data(), data.size(), 0) == static_cast<ssize_t>(data.size()));
  std::thread killer = kill_later(s.fake, 200);
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(xtcp_send(s.ctx, sock, data.data(), 100, -1) == -1);  // nobody drains the ring
  CHECK(errno == ECONNRESET);
  CHECK(ms_since(t0) < kBoundMs);
  killer.join();
}

TEST_CASE("xtcp_poll reports ERR and HUP on every socket when the daemon dies", "[client][crash]") {
  Session s;
  REQUIRE(s.ctx != nullptr);
  const sockaddr_in any = ipv4("0.0.0.0", 7000);
  const int l = xtcp_listen(s.ctx, sa(any), sizeof any, 4);
  const int a = connect_one(s.ctx, 5001);
  const int b = connect_one(s.ctx, 5002);
  REQUIRE((l >= 0 && a >= 0 && b >= 0));
  xtcp_pollitem items[3] = {{l, XTCP_POLLIN, 0}, {a, XTCP_POLLIN, 0}, {b, XTCP_POLLIN, 0}};
  CHECK(xtcp_poll(s.ctx, items, 3, 50) == 0);  // alive: nothing ready
  std::thread killer = kill_later(s.fake, 200);
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(xtcp_poll(s.ctx, items, 3, -1) == 3);
  CHECK(ms_since(t0) < kBoundMs);
  killer.join();
  for (const auto& it : items) {
    INFO("socket " << it.sock);
    CHECK((it.revents & XTCP_POLLERR) != 0);
    CHECK((it.revents & XTCP_POLLHUP) != 0);
  }
  CHECK(xtcp_accept(s.ctx, l, nullptr, -1) == -1);
  CHECK(errno == ECONNRESET);
}

TEST_CASE("xtcp_fd in the app's own epoll set wakes when the daemon dies", "[client][crash]") {
  Session s;
  REQUIRE(s.ctx != nullptr);
  const int a = connect_one(s.ctx, 5001);
  REQUIRE(a >= 0);
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event e{};
  e.events = EPOLLIN;
  e.data.u32 = 7;
  REQUIRE(epoll_ctl(ep, EPOLL_CTL_ADD, xtcp_fd(s.ctx, a), &e) == 0);
  CHECK(xtcp_fd(s.ctx, a) == xtcp_fd(s.ctx, a));  // one descriptor per socket
  REQUIRE(xtcp_wait_prepare(s.ctx, a, XTCP_POLLIN) == 0);
  // Control traffic of a live daemon (another connect) must not wake it.
  REQUIRE(connect_one(s.ctx, 5002) >= 0);
  epoll_event out{};
  CHECK(epoll_wait(ep, &out, 1, 50) == 0);

  std::thread killer = kill_later(s.fake, 200);
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(epoll_wait(ep, &out, 1, 5000) == 1);
  CHECK(ms_since(t0) < kBoundMs);
  killer.join();
  xtcp_wait_finish(s.ctx, a);
  const int r = xtcp_wait_prepare(s.ctx, a, XTCP_POLLIN);
  CHECK((r & XTCP_POLLERR) != 0);
  CHECK((r & XTCP_POLLHUP) != 0);
  uint8_t b[8];
  CHECK(xtcp_recv(s.ctx, a, b, sizeof b, 0) == -1);
  CHECK(errno == ECONNRESET);
  close(ep);
}

TEST_CASE("a blocking connect and accept return ECONNRESET when the daemon dies", "[client][crash]") {
  Session s;
  REQUIRE(s.ctx != nullptr);
  s.fake->set_connect_mode(ConnectMode::kSilent);  // the handshake never completes
  std::thread killer = kill_later(s.fake, 200);
  auto t0 = std::chrono::steady_clock::now();
  CHECK(connect_one(s.ctx, 5001, -1) == -1);
  CHECK(errno == ECONNRESET);
  CHECK(ms_since(t0) < kBoundMs);
  killer.join();

  Session s2;
  REQUIRE(s2.ctx != nullptr);
  const sockaddr_in any = ipv4("0.0.0.0", 7001);
  const int l = xtcp_listen(s2.ctx, sa(any), sizeof any, 4);
  REQUIRE(l >= 0);
  std::thread killer2 = kill_later(s2.fake, 200);
  t0 = std::chrono::steady_clock::now();
  CHECK(xtcp_accept(s2.ctx, l, nullptr, -1) == -1);
  CHECK(errno == ECONNRESET);
  CHECK(ms_since(t0) < kBoundMs);
  killer2.join();
}

TEST_CASE("after the daemon died, close succeeds, new requests fail, nothing leaks", "[client][crash]") {
  const size_t fds_before = open_fds();
  {
    Session s;
    REQUIRE(s.ctx != nullptr);
    const int a = connect_one(s.ctx);
    REQUIRE(a >= 0);
    REQUIRE(xtcp_fd(s.ctx, a) >= 0);
    s.fake.reset();
    uint8_t b[8];
    CHECK(xtcp_recv(s.ctx, a, b, sizeof b, 1000) == -1);
    CHECK(errno == ECONNRESET);
    CHECK(xtcp_close(s.ctx, a) == 0);  // released locally, like close(2)
    CHECK(connect_one(s.ctx) == -1);
    CHECK(errno == ENOTCONN);
  }
  CHECK(open_fds() == fds_before);
}
