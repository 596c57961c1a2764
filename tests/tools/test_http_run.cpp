// build/xtcp-http-example against the FakeDaemon: several connections at
// once (the test is every client), bodies checked byte for byte, the server
// shuts down writing after each response and closes once the client's FIN
// came; SIGTERM ends it with exit 0.
#include <signal.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

#include "child_process.h"
#include "client_fixture.h"
#include "http_request.h"
#include "xtcp/channel_abi.h"

using namespace xtcp::test;

namespace {

struct Client {
  std::string request;
  int want_status;
  std::shared_ptr<FakeConn> conn;
  std::string head;
  std::vector<uint8_t> body;
  uint64_t length = UINT64_MAX;  // Content-Length once the head is in
  bool fin_sent = false;
  bool closed = false;

  bool response_done() const { return length != UINT64_MAX && body.size() >= length; }

  // Pulls what the server sent; splits head and body.
  bool step(std::vector<uint8_t>& buf) {
    const size_t n = conn->pull(buf);
    for (size_t i = 0; i < n; ++i) {
      if (length == UINT64_MAX) {
        head += static_cast<char>(buf[i]);
        if (head.ends_with("\r\n\r\n")) {
          const size_t p = head.find("Content-Length: ");
          length = p == std::string::npos ? 0 : std::stoull(head.substr(p + 16));
          if (request.starts_with("HEAD")) length = 0;
        }
      } else {
        body.push_back(buf[i]);
      }
    }
    const uint32_t flags = conn->app_flags();
    // Our FIN only after the server's (it shut down writing after the body).
    if (response_done() && (flags & XTCP_CHAN_APP_SHUTDOWN_WR) && !fin_sent) conn->peer_fin(), fin_sent = true;
    if (flags & XTCP_CHAN_APP_CLOSE) closed = true;
    return n > 0;
  }
};

std::string read_line(int fd, int timeout_ms) {
  std::string s;
  const auto t0 = std::chrono::steady_clock::now();
  while (ms_since(t0) < timeout_ms && s.find('\n') == std::string::npos) {
    s += Child::drain(fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return s;
}

}  // namespace

TEST_CASE("xtcp-http-example serves /gen, files and errors to concurrent clients", "[tools][http][run]") {
  char t[] = "/tmp/xtcp-http-run-XXXXXX";
  const std::string root = mkdtemp(t);
  std::ofstream(root + "/hello.txt") << "hello, xtcp\n";

  FakeDaemon fake;
  Child srv = Child::spawn({XTCP_HTTP_BIN, "--socket", fake.path(), "--port", "8080", "--root", root}, true);
  REQUIRE(srv.pid > 0);
  CHECK(read_line(srv.out, 5000) == "listening on 0.0.0.0:8080\n");

  std::vector<Client> clients = {
      {"GET /gen/3000000 HTTP/1.1\r\nHost: x\r\n\r\n", 200},
      {"GET /hello.txt HTTP/1.0\r\n\r\n", 200},
      {"HEAD /gen/10 HTTP/1.1\r\nHost: x\r\n\r\n", 200},
      {"POST / HTTP/1.1\r\nHost: x\r\n\r\n", 405},
      {"garbage\r\n\r\n", 400},
      {"GET /../etc/passwd HTTP/1.0\r\n\r\n", 403},
      {"GET /missing HTTP/1.0\r\n\r\n", 404},
      {"GET /gen/70000 HTTP/1.1\r\nHost: x\r\n\r\n", 200},
  };
  for (auto& c : clients) {
    c.conn = fake.inject(8080);
    REQUIRE(c.conn);
    const auto* p = reinterpret_cast<const uint8_t*>(c.request.data());
    REQUIRE(c.conn->push({p, c.request.size()}) == c.request.size());
  }
  std::vector<uint8_t> buf(64 * 1024);
  const auto t0 = std::chrono::steady_clock::now();
  for (bool all = false; !all && ms_since(t0) < 30000;) {
    all = true;
    bool progress = false;
    for (auto& c : clients) progress |= c.step(buf), all = all && c.closed;
    if (!progress) std::this_thread::sleep_for(std::chrono::microseconds(300));
  }
  for (auto& c : clients) {
    INFO(c.request);
    CHECK(c.head.starts_with("HTTP/1.1 " + std::to_string(c.want_status) + " "));
    CHECK(c.head.find("Connection: close\r\n") != std::string::npos);
    CHECK(c.response_done());
    CHECK(c.closed);  // xtcp_close after our FIN: no connection leaks
  }
  const auto& gen = clients[0].body;
  REQUIRE(gen.size() == 3000000);
  bool pattern_ok = true;
  for (size_t i = 0; i < gen.size() && pattern_ok; ++i) pattern_ok = gen[i] == xtcp::examples::gen_byte(i);
  CHECK(pattern_ok);
  CHECK(std::string(clients[1].body.begin(), clients[1].body.end()) == "hello, xtcp\n");
  CHECK(clients[2].head.find("Content-Length: 10\r\n") != std::string::npos);
  CHECK(clients[2].body.empty());
  CHECK(clients[7].body.size() == 70000);

  kill(srv.pid, SIGTERM);
  CHECK(srv.wait(5000) == 0);
  CHECK(Child::drain(srv.err).empty());
  [[maybe_unused]] int rc = std::system(("rm -rf " + root).c_str());
}

TEST_CASE("xtcp-http-example: missing daemon or bad options are one line, exit 1", "[tools][http][run]") {
  Child a = Child::spawn({XTCP_HTTP_BIN, "--socket", "/nonexistent/xtcpd.sock", "--port", "8080"}, true);
  CHECK(a.wait(5000) == 1);
  std::string err = Child::drain(a.err);
  CHECK(count_lines(err) == 1);
  CHECK(err.starts_with("xtcp-http-example: cannot open a session with xtcpd"));
  Child b = Child::spawn({XTCP_HTTP_BIN, "--port", "0"}, true);
  CHECK(b.wait(5000) == 1);
  CHECK(count_lines(Child::drain(b.err)) == 1);
  FakeDaemon fake;
  Child c = Child::spawn({XTCP_HTTP_BIN, "--socket", fake.path(), "--port", "80"}, true);
  CHECK(c.wait(5000) == 1);  // the fake refuses ports below 1024 with EACCES
  err = Child::drain(c.err);
  CHECK(count_lines(err) == 1);
  CHECK(err.find("permission denied") != std::string::npos);
}
