// build/xtcp-cat itself against the FakeDaemon test double (tests/client):
// the test is the TCP peer on the daemon side of the channel and feeds the
// tool's stdin / reads its stdout through pipes. Bytes and hashes must
// match both ways, exit codes and error lines must be as documented.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "child_process.h"
#include "client_fixture.h"
#include "xtcp/channel_abi.h"

using namespace xtcp::test;

namespace {

constexpr size_t kMB = 1024 * 1024;

// Drives both directions until the tool exits its copy: stdin gets `up`
// (then EOF), the peer pushes `down` (then FIN). Bounded to 30 s.
struct Transfer {
  Hash peer_got, stdout_got;
  size_t peer_bytes = 0, stdout_bytes = 0;
  bool stdout_eof = false;

  void run(Child& c, FakeConn& conn, std::span<const uint8_t> up, std::span<const uint8_t> down) {
    std::vector<uint8_t> buf(64 * 1024);
    size_t written = 0, pushed = 0;
    bool fin = false;
    if (up.empty()) c.close_stdin();
    const auto t0 = std::chrono::steady_clock::now();
    while (!stdout_eof && ms_since(t0) < 30000) {
      bool progress = false;
      if (c.in >= 0 && written < up.size()) {
        const ssize_t n = write(c.in, up.data() + written, std::min<size_t>(up.size() - written, 65536));
        if (n > 0) written += static_cast<size_t>(n), progress = true;
        if (written == up.size()) c.close_stdin();
      }
      if (pushed < down.size()) {
        const size_t n = conn.push(down.subspan(pushed));
        pushed += n, progress |= n > 0;
      } else if (!fin) {
        conn.peer_fin(), fin = true;
      }
      const size_t r = conn.pull(buf);
      peer_got.add({buf.data(), r});
      peer_bytes += r, progress |= r > 0;
      const ssize_t o = read(c.out, buf.data(), buf.size());
      if (o > 0) stdout_got.add({buf.data(), static_cast<size_t>(o)}), stdout_bytes += static_cast<size_t>(o), progress = true;
      if (o == 0) stdout_eof = true;
      if (!progress) std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    // What the tool queued before exiting is still in the ring.
    for (size_t r; (r = conn.pull(buf)) > 0;) peer_got.add({buf.data(), r}), peer_bytes += r;
  }
};

std::shared_ptr<FakeConn> inject_when_listening(FakeDaemon& fake, uint16_t port) {
  const auto t0 = std::chrono::steady_clock::now();
  while (ms_since(t0) < 5000) {
    if (auto c = fake.inject(port)) return c;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return nullptr;
}

}  // namespace

TEST_CASE("xtcp-cat HOST PORT: MBs both ways at once, intact, FIN after stdin, exit 0", "[tools][cat][run]") {
  FakeDaemon fake;
  Child c = Child::spawn({XTCP_CAT_BIN, "--socket", fake.path(), "--stats", "10.77.0.1", "5001"});
  REQUIRE(c.pid > 0);
  auto conn = fake.conn(0);
  REQUIRE(conn);
  const auto up = random_bytes(3 * kMB + 17, 1), down = random_bytes(2 * kMB + 77, 2);
  Transfer t;
  t.run(c, *conn, up, down);
  CHECK(t.stdout_eof);
  CHECK(c.wait(10000) == 0);
  CHECK(t.peer_bytes == up.size());
  CHECK(t.peer_got.h == hash_of(up));
  CHECK(t.stdout_bytes == down.size());
  CHECK(t.stdout_got.h == hash_of(down));
  CHECK((conn->app_flags() & XTCP_CHAN_APP_SHUTDOWN_WR) != 0);  // FIN requested after the data
  const std::string err = Child::drain(c.err);
  CHECK(err.starts_with("xtcp-cat: sent " + std::to_string(up.size()) + " bytes, received " +
                        std::to_string(down.size()) + " bytes in "));
  CHECK(err.find("Mbit/s)\n") != std::string::npos);
  CHECK(count_lines(err) == 1);
}

TEST_CASE("xtcp-cat -l PORT: accepts one connection, copies it to stdout, exit 0", "[tools][cat][run]") {
  FakeDaemon fake;
  Child c = Child::spawn({XTCP_CAT_BIN, "--socket", fake.path(), "-v", "-l", "5002"}, true);
  REQUIRE(c.pid > 0);
  auto conn = inject_when_listening(fake, 5002);
  REQUIRE(conn);
  const auto down = random_bytes(4 * kMB + 3, 3);
  Transfer t;
  t.run(c, *conn, {}, down);
  CHECK(c.wait(10000) == 0);
  CHECK(t.stdout_bytes == down.size());
  CHECK(t.stdout_got.h == hash_of(down));
  CHECK(t.peer_bytes == 0);
  CHECK((conn->app_flags() & XTCP_CHAN_APP_SHUTDOWN_WR) != 0);
  CHECK(fake.inject(5002) == nullptr);  // the listener was closed after the accept
  const std::string err = Child::drain(c.err);
  CHECK(err.find("xtcp-cat: listening on 0.0.0.0:5002\n") != std::string::npos);
  CHECK(err.find("xtcp-cat: connection from 10.77.0.1:40000\n") != std::string::npos);
}

TEST_CASE("xtcp-cat: a reset by the peer is one error line and exit 1", "[tools][cat][run]") {
  FakeDaemon fake;
  Child c = Child::spawn({XTCP_CAT_BIN, "--socket", fake.path(), "10.77.0.1", "5001"});
  auto conn = fake.conn(0);
  REQUIRE(conn);
  const auto some = random_bytes(1000, 4);
  REQUIRE(conn->push(some) == some.size());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  conn->fail(ECONNRESET);
  CHECK(c.wait(10000) == 1);  // stdin still open: the reset alone ends it
  const std::string err = Child::drain(c.err);
  CHECK(count_lines(err) == 1);
  CHECK(err.starts_with("xtcp-cat: "));
  CHECK(err.find("reset") != std::string::npos);
}

TEST_CASE("xtcp-cat: a refused connect and a missing daemon are one line, exit 1", "[tools][cat][run]") {
  FakeDaemon fake;
  fake.set_connect_mode(ConnectMode::kRefuse);
  Child c = Child::spawn({XTCP_CAT_BIN, "--socket", fake.path(), "10.77.0.1", "5001"}, true);
  CHECK(c.wait(10000) == 1);
  std::string err = Child::drain(c.err);
  CHECK(count_lines(err) == 1);
  CHECK(err.starts_with("xtcp-cat: cannot connect to 10.77.0.1:5001: connection refused"));

  Child m = Child::spawn({XTCP_CAT_BIN, "--socket", "/nonexistent/xtcpd.sock", "-l", "5001"}, true);
  CHECK(m.wait(10000) == 1);
  err = Child::drain(m.err);
  CHECK(count_lines(err) == 1);
  CHECK(err.find("/nonexistent/xtcpd.sock") != std::string::npos);
}

TEST_CASE("xtcp-cat --help prints usage and exits 0", "[tools][cat][run]") {
  Child c = Child::spawn({XTCP_CAT_BIN, "--help"}, true);
  CHECK(c.wait(5000) == 0);
  CHECK(Child::drain(c.out).starts_with("usage: xtcp-cat"));
}

// Hidden (run with "[perf]"): 100 MB through the tool, to see the copy loop
// does no per-byte work. The fake's 64 KiB ring and this test's peer loop
// bound the rate, not the tool.
TEST_CASE("xtcp-cat moves 100 MB intact through the fake", "[.][perf][tools][cat][run]") {
  FakeDaemon fake;
  Child c = Child::spawn({XTCP_CAT_BIN, "--socket", fake.path(), "--stats", "10.77.0.1", "5001"});
  auto conn = fake.conn(0);
  REQUIRE(conn);
  const auto up = random_bytes(100 * kMB, 9);
  Transfer t;
  t.run(c, *conn, up, {});
  CHECK(c.wait(10000) == 0);
  CHECK(t.peer_bytes == up.size());
  CHECK(t.peer_got.h == hash_of(up));
  WARN(Child::drain(c.err));
}
