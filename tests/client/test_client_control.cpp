// libxtcp's control half against the fake daemon: open failures with
// text, listen errors mapped to errno, accept (non-blocking, blocking,
// timeout), connect (refused, timeout, non-blocking + poll), options, and
// the C++ RAII wrapper.
#include <sys/socket.h>
#include <sys/un.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "client_fixture.h"
#include "xtcp/xtcp.hpp"

using namespace xtcp::test;

TEST_CASE("no daemon: ENOENT or ECONNREFUSED with a sentence saying what to do", "[client][open]") {
  FakeDaemon fake;  // for a private temp dir name only
  const std::string missing = fake.path() + ".missing";
  CHECK(xtcp_open(missing.c_str()) == nullptr);
  CHECK(errno == ENOENT);
  CHECK(std::string(xtcp_strerror(ENOENT)).find("xtcpd") != std::string::npos);
  CHECK(std::string(xtcp_last_error()).find(missing) != std::string::npos);

  // A socket file with nobody listening (a daemon that died).
  const std::string stale = fake.path() + ".stale";
  const int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, stale.c_str(), sizeof(a.sun_path) - 1);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
  CHECK(xtcp_open(stale.c_str()) == nullptr);
  CHECK(errno == ECONNREFUSED);
  CHECK(std::string(xtcp_last_error()).find("start xtcpd") != std::string::npos);
  CHECK(std::string(xtcp_strerror(ECONNREFUSED)).find("xtcpd") != std::string::npos);
  close(fd);
  unlink(stale.c_str());

  // NULL path: $XTCP_SOCKET.
  setenv("XTCP_SOCKET", fake.path().c_str(), 1);
  xtcp_ctx* ctx = xtcp_open(nullptr);
  CHECK(ctx != nullptr);
  xtcp_close_ctx(ctx);
  unsetenv("XTCP_SOCKET");
}

TEST_CASE("listen errors map to errno: EACCES, EADDRINUSE, EMFILE, EINVAL", "[client][listen]") {
  FakeDaemon fake;
  xtcp_ctx* ctx = xtcp_open(fake.path().c_str());
  REQUIRE(ctx != nullptr);
  const sockaddr_in low = ipv4("0.0.0.0", 80);
  CHECK(xtcp_listen(ctx, sa(low), sizeof(low), 16) == -1);
  CHECK(errno == EACCES);
  CHECK(std::string(xtcp_last_error()).find("1024") != std::string::npos);

  const sockaddr_in a = ipv4("0.0.0.0", 8080);
  const int l = xtcp_listen(ctx, sa(a), sizeof(a), 16);
  REQUIRE(l >= 0);
  CHECK(xtcp_listen(ctx, sa(a), sizeof(a), 16) == -1);
  CHECK(errno == EADDRINUSE);
  for (uint16_t p = 8081; p < 8081 + FakeDaemon::kListenerLimit - 1; ++p) {
    const sockaddr_in b = ipv4("0.0.0.0", p);
    CHECK(xtcp_listen(ctx, sa(b), sizeof(b), 16) >= 0);
  }
  const sockaddr_in over = ipv4("0.0.0.0", 9000);
  CHECK(xtcp_listen(ctx, sa(over), sizeof(over), 16) == -1);
  CHECK(errno == EMFILE);
  const sockaddr_in zero = ipv4("0.0.0.0", 0);
  CHECK(xtcp_listen(ctx, sa(zero), sizeof(zero), 16) == -1);
  CHECK(errno == EINVAL);
  CHECK(xtcp_listen(ctx, sa(a), 3, 16) == -1);  // truncated sockaddr
  CHECK(errno == EINVAL);
  // Closing frees the port.
  CHECK(xtcp_close(ctx, l) == 0);
  CHECK(xtcp_listen(ctx, sa(a), sizeof(a), 16) >= 0);
  xtcp_close_ctx(ctx);
}

TEST_CASE("accept: EAGAIN when none pending, ETIMEDOUT, blocking until a peer arrives",
          "[client][accept]") {
  FakeDaemon fake;
  xtcp_ctx* ctx = xtcp_open(fake.path().c_str());
  REQUIRE(ctx != nullptr);
  const sockaddr_in a = ipv4("0.0.0.0", 7000);
  const int l = xtcp_listen(ctx, sa(a), sizeof(a), 16);
  REQUIRE(l >= 0);
  CHECK(xtcp_accept(ctx, l, nullptr, 0) == -1);
  CHECK(errno == EAGAIN);
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(xtcp_accept(ctx, l, nullptr, 100) == -1);
  CHECK(errno == ETIMEDOUT);
  CHECK(ms_since(t0) >= 90);

  xtcp_pollitem it{l, XTCP_POLLIN, 0};
  CHECK(xtcp_poll(ctx, &it, 1, 0) == 0);
  std::thread peer([&] {
    usleep(60 * 1000);
    fake.inject(7000);
    fake.inject(7000);
  });
  sockaddr_storage peer_addr{};
  const int s = xtcp_accept(ctx, l, &peer_addr, 5000);
  peer.join();
  REQUIRE(s >= 0);
  CHECK(peer_addr.ss_family == AF_INET);
  CHECK(ntohs(reinterpret_cast<sockaddr_in&>(peer_addr).sin_port) == 40000);
  sockaddr_storage local{};
  REQUIRE(xtcp_getsockname(ctx, s, &local) == 0);
  CHECK(ntohs(reinterpret_cast<sockaddr_in&>(local).sin_port) == 7000);
  // The second is pending: the listener polls readable, accept(0) takes it.
  CHECK(xtcp_poll(ctx, &it, 1, 1000) == 1);
  CHECK(it.revents == XTCP_POLLIN);
  const int s2 = xtcp_accept(ctx, l, nullptr, 0);
  CHECK(s2 >= 0);
  CHECK(s2 != s);
  CHECK(xtcp_accept(ctx, l, nullptr, 0) == -1);
  CHECK(errno == EAGAIN);

  // Data on an accepted connection.
  auto c = fake.conn(0);
  const uint8_t d[4] = {9, 8, 7, 6};
  c->push(d);
  uint8_t b[4];
  CHECK(xtcp_recv(ctx, s, b, 4, 1000) == 4);
  CHECK(std::memcmp(b, d, 4) == 0);
  CHECK(xtcp_send(ctx, l, d, 4, 0) == -1);  // a listener is not a connection
  CHECK(errno == EBADF);
  xtcp_close_ctx(ctx);
}

TEST_CASE("connect: refused, timed out, and non-blocking completion through xtcp_poll",
          "[client][connect]") {
  FakeDaemon fake;
  xtcp_ctx* ctx = xtcp_open(fake.path().c_str());
  REQUIRE(ctx != nullptr);

  fake.set_connect_mode(ConnectMode::kRefuse);
  CHECK(connect_one(ctx, 5001, 2000) == -1);
  CHECK(errno == ECONNREFUSED);

  fake.set_connect_mode(ConnectMode::kSilent);
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(connect_one(ctx, 5002, 120) == -1);
  CHECK(errno == ETIMEDOUT);
  CHECK(ms_since(t0) >= 110);

  const int s = connect_one(ctx, 5003, 0);  // non-blocking
  REQUIRE(s >= 0);
  auto c = fake.conn(2);
  REQUIRE(c);
  xtcp_pollitem it{s, XTCP_POLLOUT, 0};
  CHECK(xtcp_poll(ctx, &it, 1, 0) == 0);  // handshake still running
  std::thread peer([&] {
    usleep(60 * 1000);
    c->establish();
  });
  CHECK(xtcp_poll(ctx, &it, 1, 5000) == 1);
  CHECK(it.revents == XTCP_POLLOUT);
  peer.join();
  sockaddr_storage p{};
  REQUIRE(xtcp_getpeername(ctx, s, &p) == 0);
  CHECK(ntohs(reinterpret_cast<sockaddr_in&>(p).sin_port) == 5003);

  // Non-blocking connect that fails: POLLERR and the error.
  fake.set_connect_mode(ConnectMode::kRefuse);
  const int s2 = connect_one(ctx, 5004, 0);
  REQUIRE(s2 >= 0);
  xtcp_pollitem it2{s2, XTCP_POLLOUT, 0};
  CHECK(xtcp_poll(ctx, &it2, 1, 2000) == 1);
  CHECK((it2.revents & XTCP_POLLERR) != 0);
  CHECK(xtcp_socket_error(ctx, s2) == ECONNREFUSED);
  xtcp_close_ctx(ctx);
}

TEST_CASE("options: set and read back, errors for bad values, INFO read-only", "[client][options]") {
  FakeDaemon fake;
  xtcp_ctx* ctx = xtcp_open(fake.path().c_str());
  REQUIRE(ctx != nullptr);
  const int s = connect_one(ctx);
  REQUIRE(s >= 0);
  // NODELAY rides the channel's app flags (no control round trip).
  const auto conn = fake.conn(0);
  REQUIRE(conn);
  CHECK((conn->app_flags() & XTCP_CHAN_APP_NODELAY) == 0);
  int one = 1;
  CHECK(xtcp_setopt(ctx, s, XTCP_NODELAY, &one, sizeof one) == 0);
  CHECK((conn->app_flags() & XTCP_CHAN_APP_NODELAY) != 0);
  int v = 0;
  size_t len = sizeof v;
  CHECK(xtcp_getopt(ctx, s, XTCP_NODELAY, &v, &len) == 0);
  CHECK(v == 1);
  CHECK(len == sizeof v);
  int two = 2;
  CHECK(xtcp_setopt(ctx, s, XTCP_NODELAY, &two, sizeof two) == -1);
  CHECK(errno == EINVAL);
  CHECK((conn->app_flags() & XTCP_CHAN_APP_NODELAY) != 0);  // unchanged by the refusal
  int zero = 0;
  CHECK(xtcp_setopt(ctx, s, XTCP_NODELAY, &zero, sizeof zero) == 0);
  CHECK((conn->app_flags() & XTCP_CHAN_APP_NODELAY) == 0);
  len = sizeof v;
  CHECK(xtcp_getopt(ctx, s, XTCP_NODELAY, &v, &len) == 0);
  CHECK(v == 0);

  xtcp_keepalive ka{1, 30, 5, 4};
  CHECK(xtcp_setopt(ctx, s, XTCP_KEEPALIVE, &ka, sizeof ka) == 0);
  xtcp_keepalive back{};
  len = sizeof back;
  CHECK(xtcp_getopt(ctx, s, XTCP_KEEPALIVE, &back, &len) == 0);
  CHECK(back.idle_s == 30);
  CHECK(back.count == 4);
  xtcp_keepalive bad{1, 0, 5, 4};
  CHECK(xtcp_setopt(ctx, s, XTCP_KEEPALIVE, &bad, sizeof bad) == -1);
  CHECK(errno == EINVAL);

  int ut = 2500;
  CHECK(xtcp_setopt(ctx, s, XTCP_USER_TIMEOUT, &ut, sizeof ut) == 0);
  ut = 0;
  len = sizeof ut;
  CHECK(xtcp_getopt(ctx, s, XTCP_USER_TIMEOUT, &ut, &len) == 0);
  CHECK(ut == 2500);
  int negative = -1;
  CHECK(xtcp_setopt(ctx, s, XTCP_USER_TIMEOUT, &negative, sizeof negative) == -1);
  CHECK(errno == EINVAL);  // tcp(7)

  CHECK(xtcp_setopt(ctx, s, XTCP_CONGESTION, "newreno", 8) == 0);
  char cc[16] = {};
  len = sizeof cc;
  CHECK(xtcp_getopt(ctx, s, XTCP_CONGESTION, cc, &len) == 0);
  CHECK(std::string(cc) == "newreno");
  CHECK(xtcp_setopt(ctx, s, XTCP_CONGESTION, "bbr", 4) == -1);
  CHECK(errno == ENOENT);  // the daemon's answer, mapped through

  xtcp_info info{};
  len = sizeof info;
  CHECK(xtcp_getopt(ctx, s, XTCP_INFO, &info, &len) == 0);
  CHECK(len == sizeof info);
  CHECK(info.mss == 1448);
  CHECK(info.state == XTCP_CHAN_STATE_ESTABLISHED);
  CHECK(xtcp_setopt(ctx, s, XTCP_INFO, &info, sizeof info) == -1);
  CHECK(errno == EINVAL);
  CHECK(xtcp_setopt(ctx, s, 99, &one, sizeof one) == -1);
  CHECK(errno == ENOPROTOOPT);
  len = 2;
  CHECK(xtcp_getopt(ctx, s, XTCP_RCVBUF, &v, &len) == -1);
  CHECK(errno == EINVAL);
  xtcp_close_ctx(ctx);
}

TEST_CASE("C++ wrapper: RAII closes, moves transfer ownership", "[client][cpp]") {
  FakeDaemon fake;
  auto ctx = xtcp::Context::open(fake.path().c_str());
  REQUIRE(ctx);
  const sockaddr_in a = ipv4("0.0.0.0", 7100);
  {
    xtcp::Listener l = ctx.listen(sa(a), sizeof(a));
    REQUIRE(l);
    xtcp::Listener moved = std::move(l);
    CHECK_FALSE(l);
    CHECK(moved);
    CHECK(!ctx.listen(sa(a), sizeof(a)));  // still held by `moved`
    CHECK(errno == EADDRINUSE);
    fake.inject(7100);
    xtcp::Socket s = moved.accept(2000);
    REQUIRE(s);
    const std::byte msg[3] = {std::byte{1}, std::byte{2}, std::byte{3}};
    CHECK(s.send(msg, 1000) == 3);
    xtcp::Socket other;
    other = std::move(s);
    CHECK_FALSE(s);
    CHECK(other.send(msg, 1000) == 3);
    auto c = fake.conn(0);
    uint8_t got[8];
    CHECK(c->pull(got) == 6);
  }  // listener and socket closed here
  xtcp::Listener again = ctx.listen(sa(a), sizeof(a));
  CHECK(again);
  const sockaddr_in r = ipv4("10.77.0.1", 80);
  xtcp::Socket out = ctx.connect(sa(r), sizeof(r), 2000);
  CHECK(out);
  CHECK(out.error() == 0);
}

TEST_CASE("close: the ring flag closes at once; CLOSE replies are read later, in order", "[client][close]") {
  FakeDaemon fake;
  xtcp_ctx* ctx = xtcp_open(fake.path().c_str());
  REQUIRE(ctx != nullptr);
  const sockaddr_in a = ipv4("0.0.0.0", 7100);
  const int l = xtcp_listen(ctx, sa(a), sizeof(a), 64);
  REQUIRE(l >= 0);
  // More closes than replies the library leaves unread (kMaxPosted = 32),
  // with no other request in between.
  constexpr size_t kConns = 40;
  std::vector<int> socks;
  for (size_t i = 0; i < kConns; ++i) {
    fake.inject(7100);
    const int s = xtcp_accept(ctx, l, nullptr, 5000);
    REQUIRE(s >= 0);
    socks.push_back(s);
  }
  for (size_t i = 0; i < kConns; ++i) {
    CHECK(xtcp_close(ctx, socks[i]) == 0);
    // The close request is in the ring before xtcp_close returns.
    CHECK((fake.conn(i)->app_flags() & XTCP_CHAN_APP_CLOSE) != 0);
  }
  // The socket is gone locally at once, like close(2).
  uint8_t b[1];
  CHECK(xtcp_recv(ctx, socks[0], b, 1, 0) == -1);
  CHECK(errno == EBADF);
  // The next requests find their own replies: the posted ones were consumed.
  CHECK(xtcp_accept(ctx, l, nullptr, 0) == -1);
  CHECK(errno == EAGAIN);
  fake.inject(7100);
  const int s = xtcp_accept(ctx, l, nullptr, 5000);
  CHECK(s >= 0);
  CHECK(xtcp_close(ctx, s) == 0);
  CHECK(xtcp_close(ctx, l) == 0);  // a listener's CLOSE still waits for its reply
  xtcp_close_ctx(ctx);
}
