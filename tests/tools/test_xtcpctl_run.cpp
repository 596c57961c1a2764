// build/xtcpctl conns against a small CONNS server of this test (paged
// replies, as control.h specifies) and against the FakeDaemon, which does
// not serve CONNS (an old daemon: one error line).
#include <arpa/inet.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <thread>
#include <vector>

#include "child_process.h"
#include "fake_daemon_double.h"
#include "tools/conns_format.h"
#include "xtcp/channel_abi.h"

using namespace xtcp::test;

namespace {

// Answers HELLO and CONNS_REQUEST with at most kPage entries per reply.
class ConnsServer {
 public:
  static constexpr uint32_t kPage = 100;

  explicit ConnsServer(std::vector<xtcp_ctl_conn_entry> conns) : conns_(std::move(conns)) {
    char t[] = "/tmp/xtcp-tools-ctl-XXXXXX";
    dir_ = mkdtemp(t);
    path_ = dir_ + "/xtcpd.sock";
    fd_ = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path_.c_str(), sizeof(a.sun_path) - 1);
    ok_ = bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 && listen(fd_, 4) == 0;
    stop_ = eventfd(0, EFD_CLOEXEC);
    thread_ = std::thread([this] { serve(); });
  }
  ~ConnsServer() {
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(stop_, &one, sizeof(one));
    thread_.join();
    close(fd_), close(stop_);
    unlink(path_.c_str());
    rmdir(dir_.c_str());
  }
  const std::string& path() const { return path_; }
  bool ok() const { return ok_; }
  uint32_t pages_served() const { return pages_; }

 private:
  void serve() {
    for (int rounds = 0; rounds < 10000; ++rounds) {  // bounded
      pollfd p[2] = {{stop_, POLLIN, 0}, {fd_, POLLIN, 0}};
      if (poll(p, 2, 100) < 0 || p[0].revents) return;
      if (!p[1].revents) continue;
      const int s = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (s >= 0) session(s), close(s);
    }
  }
  void session(int s) {
    std::vector<uint8_t> in(XTCP_CTL_MAX_MESSAGE), out(XTCP_CTL_MAX_MESSAGE);
    for (ssize_t n; (n = recv(s, in.data(), in.size(), 0)) > 0;) {
      xtcp_ctl_header h;
      std::memcpy(&h, in.data(), sizeof(h));
      if (xtcp_ctl_validate(in.data(), static_cast<size_t>(n)) < 0) return;
      if (h.type == XTCP_CTL_HELLO) {
        xtcp_ctl_hello_reply r{};
        xtcp_ctl_header_init(&r.hdr, XTCP_CTL_HELLO_REPLY, sizeof(r), h.seq);
        r.max_message = XTCP_CTL_MAX_MESSAGE;
        send(s, &r, sizeof(r), 0);
      } else if (h.type == XTCP_CTL_CONNS_REQUEST) {
        xtcp_ctl_conns_request m;
        std::memcpy(&m, in.data(), sizeof(m));
        const uint32_t total = static_cast<uint32_t>(conns_.size());
        const uint32_t count = m.first >= total ? 0 : std::min(kPage, total - m.first);
        xtcp_ctl_conns_reply r{};
        const size_t len = sizeof(r) + count * sizeof(xtcp_ctl_conn_entry);
        xtcp_ctl_header_init(&r.hdr, XTCP_CTL_CONNS_REPLY, static_cast<uint32_t>(len), h.seq);
        r.total = total, r.first = m.first, r.count = count;
        std::memcpy(out.data(), &r, sizeof(r));
        if (count) std::memcpy(out.data() + sizeof(r), &conns_[m.first], count * sizeof(xtcp_ctl_conn_entry));
        send(s, out.data(), len, 0);
        ++pages_;
      }
    }
  }

  std::vector<xtcp_ctl_conn_entry> conns_;
  std::string dir_, path_;
  int fd_ = -1, stop_ = -1;
  bool ok_ = false;
  std::atomic<uint32_t> pages_{0};
  std::thread thread_;
};

std::vector<xtcp_ctl_conn_entry> make_conns(size_t n) {
  std::vector<xtcp_ctl_conn_entry> v(n);
  for (size_t i = 0; i < n; ++i) {
    auto& e = v[i];
    e.local_family = i % 3 == 0 ? AF_INET6 : AF_INET;
    e.state = static_cast<uint8_t>(i % (XTCP_CHAN_STATE_TIME_WAIT + 1));
    inet_pton(e.local_family, e.local_family == AF_INET ? "10.77.0.2" : "fd77::2", e.local_addr);
    inet_pton(e.local_family, e.local_family == AF_INET ? "10.77.0.1" : "fd77::1", e.peer_addr);
    e.local_port = 5001;
    e.peer_port = static_cast<uint16_t>(40000 + i);
    e.bytes_received = i;
    e.rtt_us = 100;
  }
  return v;
}

std::string run_and_collect(Child& c, int* status) {
  std::string out;
  const auto t0 = std::chrono::steady_clock::now();
  for (;;) {
    out += Child::drain(c.out);
    int st = 0;
    if (waitpid(c.pid, &st, WNOHANG) == c.pid) {
      c.pid = -1;
      out += Child::drain(c.out);
      *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
      return out;
    }
    if (std::chrono::steady_clock::now() - t0 > std::chrono::seconds(10)) {
      *status = -2;
      return out;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

}  // namespace

TEST_CASE("xtcpctl conns reads every page of a 250-connection snapshot", "[tools][xtcpctl][run]") {
  ConnsServer server(make_conns(250));
  REQUIRE(server.ok());
  Child c = Child::spawn({XTCPCTL_BIN, "--socket", server.path(), "conns"}, true);
  int status = 0;
  const std::string table = run_and_collect(c, &status);
  CHECK(status == 0);
  CHECK(server.pages_served() == 3);  // 100 + 100 + 50
  CHECK(count_lines(table) == 251);
  CHECK(table.find("10.77.0.1:40001") != std::string::npos);
  CHECK(table.find("[fd77::1]:40249") != std::string::npos);  // the last page arrived

  if (access(SYSTEM_PYTHON, X_OK) != 0) return;
  Child j = Child::spawn({XTCPCTL_BIN, "--socket", server.path(), "conns", "--json"}, true);
  const std::string json = run_and_collect(j, &status);
  CHECK(status == 0);
  char path[] = "/tmp/xtcp-tools-conns-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, json.data(), json.size()) == static_cast<ssize_t>(json.size()));
  close(fd);
  // g++ 12 warns falsely (-Warray-bounds) on long operator+ chains: append.
  std::string check = SYSTEM_PYTHON;
  check.append(" -c \"");
  check.append("import json,sys; d=json.load(open(sys.argv[1])); c=d['connections']; assert d['total']==250 and len(c)==250; assert [x['peer_port'] for x in c]==list(range(40000,40250)); assert c[4]['state']=='ESTABLISHED' and c[0]['local']=='[fd77::2]:5001'");
  check.append("\" ");
  check.append(path);
  CHECK(std::system(check.c_str()) == 0);
  unlink(path);
}

TEST_CASE("xtcpctl conns with no connections prints the header only", "[tools][xtcpctl][run]") {
  ConnsServer server({});
  Child c = Child::spawn({XTCPCTL_BIN, "--socket", server.path(), "conns"}, true);
  int status = 0;
  const std::string table = run_and_collect(c, &status);
  CHECK(status == 0);
  CHECK(count_lines(table) == 1);
  CHECK(table.starts_with("State"));
}

TEST_CASE("xtcpctl conns against a daemon without CONNS: one line, exit 1", "[tools][xtcpctl][run]") {
  FakeDaemon fake;  // answers unknown requests with ENOSYS
  Child c = Child::spawn({XTCPCTL_BIN, "--socket", fake.path(), "conns", "--json"}, true);
  CHECK(c.wait(10000) == 1);
  const std::string err = Child::drain(c.err);
  CHECK(count_lines(err) == 1);
  CHECK(err.starts_with("xtcpctl: this xtcpd does not serve the connection table"));
  CHECK(Child::drain(c.out).empty());
}

TEST_CASE("xtcpctl conns filters by state and port like ss", "[tools][xtcpctl][run]") {
  ConnsServer server(make_conns(30));  // state i % 11, peer port 40000 + i
  REQUIRE(server.ok());
  int status = 0;
  Child c = Child::spawn({XTCPCTL_BIN, "--socket", server.path(), "conns", "--state", "established"}, true);
  std::string table = run_and_collect(c, &status);
  CHECK(status == 0);
  CHECK(count_lines(table) == 4);  // header + i = 4, 15, 26
  for (const char* port : {":40004", ":40015", ":40026"}) CHECK(table.find(port) != std::string::npos);
  CHECK(table.find("TIME_WAIT") == std::string::npos);

  Child d = Child::spawn({XTCPCTL_BIN, "--socket", server.path(), "conns", "--state=time-wait,SYN_SENT",
                          "--dport", "40021"}, true);
  table = run_and_collect(d, &status);
  CHECK(status == 0);
  CHECK(count_lines(table) == 2);  // i = 21: 21 % 11 = 10, TIME_WAIT
  CHECK(table.find("TIME_WAIT") != std::string::npos);

  Child e = Child::spawn({XTCPCTL_BIN, "--socket", server.path(), "conns", "--port", "5001", "--json"}, true);
  CHECK(run_and_collect(e, &status).find("\"total\":30}") != std::string::npos);  // local port of all

  Child bad = Child::spawn({XTCPCTL_BIN, "--socket", server.path(), "conns", "--state", "open"}, true);
  CHECK(bad.wait(10000) == 1);
  const std::string err = Child::drain(bad.err);
  CHECK(count_lines(err) == 1);
  CHECK(err.starts_with("xtcpctl: --state: unknown state 'open'"));
}
