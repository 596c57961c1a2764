// libxtcp data path end to end: hashes of several MB both ways (blocking,
// non-blocking + xtcp_poll), EAGAIN on full rings, timeouts, FIN, shutdown,
// waker suppression, the notify fd in a user epoll set.
#include <sys/epoll.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstring>
#include <thread>

#include "client_fixture.h"
#include "xtcp/xtcp.hpp"

using namespace xtcp::test;

namespace {

constexpr size_t kMB = 1024 * 1024;

// The peer: pushes `out` and pulls `expect_in` bytes, sleeping on kicks
// when idle (or busy-polling when `busy`). Returns the hash of what it got.
uint64_t run_peer(FakeConn& c, std::span<const uint8_t> out, size_t expect_in, bool busy,
                  bool fin_after = false) {
  Hash got;
  std::vector<uint8_t> buf(64 * 1024);
  size_t sent = 0, in = 0;
  const auto t0 = std::chrono::steady_clock::now();
  while ((sent < out.size() || in < expect_in) && ms_since(t0) < 30000) {
    const size_t s = sent < out.size() ? c.push(out.subspan(sent)) : 0;
    sent += s;
    const size_t r = c.pull(buf);
    got.add({buf.data(), r});
    in += r;
    if (s == 0 && r == 0 && !busy) c.wait_for_app(50);
  }
  if (fin_after) c.peer_fin();
  return got.h;
}

}  // namespace

TEST_CASE("blocking send and recv carry several MB intact both ways", "[client][transfer]") {
  FakeDaemon fake;
  xtcp_ctx* ctx = xtcp_open(fake.path().c_str());
  REQUIRE(ctx != nullptr);
  const int s = connect_one(ctx);
  REQUIRE(s >= 0);
  auto conn = fake.conn(0);
  REQUIRE(conn);

  const auto up = random_bytes(6 * kMB, 7);
  uint64_t peer_hash = 0;
  std::thread peer([&] { peer_hash = run_peer(*conn, {}, up.size(), false); });
  // Odd-sized messages so ring wrap-around lands mid-message.
  for (size_t off = 0; off < up.size();) {
    const size_t n = std::min<size_t>(7919, up.size() - off);
    REQUIRE(xtcp_send(ctx, s, up.data() + off, n, 5000) == static_cast<ssize_t>(n));
    off += n;
  }
  peer.join();
  CHECK(peer_hash == hash_of(up));

  const auto down = random_bytes(5 * kMB + 123, 11);
  std::thread peer2([&] { run_peer(*conn, down, 0, false, true); });
  Hash got;
  std::vector<uint8_t> buf(10007);
  size_t total = 0;
  for (;;) {
    const ssize_t n = xtcp_recv(ctx, s, buf.data(), buf.size(), 5000);
    REQUIRE(n >= 0);
    if (n == 0) break;  // the peer's FIN, after every byte
    got.add({buf.data(), static_cast<size_t>(n)});
    total += static_cast<size_t>(n);
  }
  peer2.join();
  CHECK(total == down.size());
  CHECK(got.h == hash_of(down));
  xtcp_close_ctx(ctx);
}

TEST_CASE("non-blocking send and recv with xtcp_poll move data both ways at once",
          "[client][transfer][poll]") {
  FakeDaemon fake;
  xtcp_ctx* ctx = xtcp_open(fake.path().c_str());
  REQUIRE(ctx != nullptr);
  const int s = connect_one(ctx);
  REQUIRE(s >= 0);
  auto conn = fake.conn(0);
  const auto up = random_bytes(4 * kMB, 21);
  const auto down = random_bytes(4 * kMB + 17, 22);
  uint64_t peer_hash = 0;
  std::thread peer([&] { peer_hash = run_peer(*conn, down, up.size(), false); });

  Hash got;
  size_t sent = 0, received = 0;
  std::vector<uint8_t> buf(32 * 1024);
  const auto t0 = std::chrono::steady_clock::now();
  while ((sent < up.size() || received < down.size()) && ms_since(t0) < 30000) {
    xtcp_pollitem it{s, XTCP_POLLIN, 0};
    if (sent < up.size()) it.events |= XTCP_POLLOUT;
    REQUIRE(xtcp_poll(ctx, &it, 1, 5000) == 1);
    REQUIRE((it.revents & XTCP_POLLERR) == 0);
    if (it.revents & XTCP_POLLOUT) {
      const ssize_t n = xtcp_send(ctx, s, up.data() + sent, up.size() - sent, 0);
      if (n < 0) REQUIRE(errno == EAGAIN);
      else sent += static_cast<size_t>(n);
    }
    if (it.revents & XTCP_POLLIN) {
      const ssize_t n = xtcp_recv(ctx, s, buf.data(), buf.size(), 0);
      if (n < 0) REQUIRE(errno == EAGAIN);
      else got.add({buf.data(), static_cast<size_t>(n)}), received += static_cast<size_t>(n);
    }
  }
  peer.join();
  CHECK(sent == up.size());
  CHECK(received == down.size());
  CHECK(peer_hash == hash_of(up));
  CHECK(got.h == hash_of(down));
  xtcp_close_ctx(ctx);
}

TEST_CASE("a full send ring gives EAGAIN, an empty receive ring EAGAIN, waits ETIMEDOUT",
          "[client][transfer]") {
  FakeDaemon fake;
  xtcp_ctx* ctx = xtcp_open(fake.path().c_str());
  REQUIRE(ctx != nullptr);
  const int s = connect_one(ctx);
  REQUIRE(s >= 0);
  std::vector<uint8_t> chunk(10000, 0x5a);
  size_t queued = 0;
  for (int i = 0; i < 100; ++i) {
    const ssize_t n = xtcp_send(ctx, s, chunk.data(), chunk.size(), 0);
    if (n < 0) {
      CHECK(errno == EAGAIN);
      break;
    }
    queued += static_cast<size_t>(n);
  }
  CHECK(queued == FakeDaemon::kRingSize);  // exactly the ring, nobody drains it

  auto t0 = std::chrono::steady_clock::now();
  CHECK(xtcp_send(ctx, s, chunk.data(), chunk.size(), 150) == -1);
  CHECK(errno == ETIMEDOUT);
  CHECK(ms_since(t0) >= 140);

  uint8_t b[16];
  CHECK(xtcp_recv(ctx, s, b, sizeof b, 0) == -1);
  CHECK(errno == EAGAIN);
  t0 = std::chrono::steady_clock::now();
  CHECK(xtcp_recv(ctx, s, b, sizeof b, 120) == -1);
  CHECK(errno == ETIMEDOUT);
  CHECK(ms_since(t0) >= 110);
  CHECK(ms_since(t0) < 3000);
  xtcp_close_ctx(ctx);
}

TEST_CASE("a blocked send resumes when the peer drains; connection errors reach send and recv",
          "[client][transfer]") {
  FakeDaemon fake;
  xtcp_ctx* ctx = xtcp_open(fake.path().c_str());
  REQUIRE(ctx != nullptr);
  const int s = connect_one(ctx);
  auto conn = fake.conn(0);
  REQUIRE(conn);
  const auto data = random_bytes(FakeDaemon::kRingSize * 3, 5);
  std::thread peer([&] {
    usleep(100 * 1000);  // the app is blocked on a full ring by now
    run_peer(*conn, {}, data.size(), false);
    conn->fail(ECONNRESET);
  });
  CHECK(xtcp_send(ctx, s, data.data(), data.size(), 5000) == static_cast<ssize_t>(data.size()));
  peer.join();
  CHECK(conn->wakes_sent > 0);  // the app slept and was woken, not spinning
  uint8_t b[8];
  CHECK(xtcp_recv(ctx, s, b, sizeof b, 1000) == -1);
  CHECK(errno == ECONNRESET);
  CHECK(xtcp_send(ctx, s, b, sizeof b, 0) == -1);
  CHECK(errno == ECONNRESET);
  CHECK(xtcp_socket_error(ctx, s) == ECONNRESET);
  xtcp_pollitem it{s, XTCP_POLLIN, 0};
  CHECK(xtcp_poll(ctx, &it, 1, 0) == 1);
  CHECK((it.revents & XTCP_POLLERR) != 0);
  xtcp_close_ctx(ctx);
}

TEST_CASE("a busy peer is never kicked: no syscall per message", "[client][transfer][waker]") {
  FakeDaemon fake;
  xtcp_ctx* ctx = xtcp_open(fake.path().c_str());
  REQUIRE(ctx != nullptr);
  const int s = connect_one(ctx);
  auto conn = fake.conn(0);
  REQUIRE(conn);
  constexpr size_t kMessages = 20000;
  std::atomic<bool> stop{false};
  size_t pulled = 0;
  std::thread peer([&] {  // busy-polls: never arms daemon_wants_kick
    std::vector<uint8_t> buf(65536);
    while (pulled < kMessages * 64 && !stop) pulled += conn->pull(buf);
  });
  uint8_t msg[64] = {1};
  for (size_t i = 0; i < kMessages; ++i) REQUIRE(xtcp_send(ctx, s, msg, sizeof msg, 5000) == 64);
  peer.join();
  CHECK(pulled == kMessages * 64);
  uint64_t kicks = 0;
  CHECK(read(conn->kick_fd, &kicks, sizeof kicks) == -1);  // counter never written
  CHECK(errno == EAGAIN);
  xtcp_close_ctx(ctx);
}

TEST_CASE("shutdown(SHUT_WR) reaches the ring flags, later sends get EPIPE; peer FIN reads 0",
          "[client][transfer]") {
  FakeDaemon fake;
  xtcp_ctx* ctx = xtcp_open(fake.path().c_str());
  REQUIRE(ctx != nullptr);
  const int s = connect_one(ctx);
  auto conn = fake.conn(0);
  REQUIRE(conn);
  const uint8_t hello[] = "hello";
  REQUIRE(xtcp_send(ctx, s, hello, 5, 1000) == 5);
  REQUIRE(xtcp_shutdown(ctx, s, SHUT_WR) == 0);
  CHECK((conn->app_flags() & XTCP_CHAN_APP_SHUTDOWN_WR) != 0);
  uint8_t got[8] = {};
  CHECK(conn->pull(got) == 5);  // the data before the FIN is all there
  CHECK(std::memcmp(got, "hello", 5) == 0);
  CHECK(xtcp_send(ctx, s, hello, 5, 0) == -1);
  CHECK(errno == EPIPE);

  conn->push({hello, 3});
  conn->peer_fin();
  uint8_t b[16];
  CHECK(xtcp_recv(ctx, s, b, sizeof b, 1000) == 3);
  CHECK(xtcp_recv(ctx, s, b, sizeof b, 1000) == 0);
  xtcp_pollitem it{s, XTCP_POLLIN, 0};
  CHECK(xtcp_poll(ctx, &it, 1, 0) == 1);
  CHECK((it.revents & XTCP_POLLHUP) != 0);  // FIN both ways
  CHECK(xtcp_close(ctx, s) == 0);
  CHECK((conn->app_flags() & XTCP_CHAN_APP_CLOSE) != 0);
  CHECK(xtcp_close(ctx, s) == -1);
  CHECK(errno == EBADF);
  xtcp_close_ctx(ctx);
}

TEST_CASE("xtcp_poll reports exactly the sockets that became readable", "[client][poll]") {
  FakeDaemon fake;
  xtcp_ctx* ctx = xtcp_open(fake.path().c_str());
  REQUIRE(ctx != nullptr);
  constexpr int kSockets = 24;
  std::vector<xtcp_pollitem> items;
  for (int i = 0; i < kSockets; ++i) {
    const int s = connect_one(ctx, static_cast<uint16_t>(6000 + i));
    REQUIRE(s >= 0);
    items.push_back({s, XTCP_POLLIN, 0});
  }
  CHECK(xtcp_poll(ctx, items.data(), items.size(), 0) == 0);
  const int chosen[] = {3, 11, 20};
  std::thread peer([&] {
    usleep(80 * 1000);  // the app sleeps in xtcp_poll first
    const uint8_t x = 'x';
    for (int i : chosen) fake.conn(static_cast<size_t>(i))->push({&x, 1});
  });
  int ready = 0;
  const auto t0 = std::chrono::steady_clock::now();
  while (ready < 3 && ms_since(t0) < 5000) {
    const int n = xtcp_poll(ctx, items.data(), items.size(), 5000);
    REQUIRE(n >= 1);
    ready = n;
  }
  peer.join();
  CHECK(ready == 3);
  for (int i = 0; i < kSockets; ++i) {
    const bool want = i == 3 || i == 11 || i == 20;
    INFO("socket " << i);
    CHECK(((items[i].revents & XTCP_POLLIN) != 0) == want);
  }
  xtcp_close_ctx(ctx);
}

TEST_CASE("the notify fd in a user epoll set wakes when data arrives", "[client][poll]") {
  FakeDaemon fake;
  xtcp_ctx* ctx = xtcp_open(fake.path().c_str());
  REQUIRE(ctx != nullptr);
  const int s = connect_one(ctx);
  auto conn = fake.conn(0);
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event e{};
  e.events = EPOLLIN;
  e.data.u32 = 42;
  REQUIRE(epoll_ctl(ep, EPOLL_CTL_ADD, xtcp_fd(ctx, s), &e) == 0);

  REQUIRE(xtcp_wait_prepare(ctx, s, XTCP_POLLIN) == 0);  // nothing ready: armed
  epoll_event out{};
  CHECK(epoll_wait(ep, &out, 1, 50) == 0);  // and nothing wakes it
  std::thread peer([&] {
    usleep(50 * 1000);
    const uint8_t d[3] = {1, 2, 3};
    conn->push(d);
  });
  CHECK(epoll_wait(ep, &out, 1, 5000) == 1);
  CHECK(out.data.u32 == 42);
  peer.join();
  xtcp_wait_finish(ctx, s);
  uint8_t b[8];
  CHECK(xtcp_recv(ctx, s, b, sizeof b, 0) == 3);
  CHECK(xtcp_wait_prepare(ctx, s, XTCP_POLLIN) == 0);  // drained: armed again
  xtcp_wait_finish(ctx, s);
  close(ep);
  xtcp_close_ctx(ctx);
}
