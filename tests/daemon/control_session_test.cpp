// ControlSession: replies, paging and the malformed-message contract
// (ERROR with the documented code, then the session closes).
#include <sys/socket.h>

#include <catch2/catch.hpp>

#include "daemon/control_session.h"
#include "fake_stats.h"
#include "test_messages.h"

using namespace xtcp::test;
using xtcp::daemon::ControlSession;

namespace {

xtcp_ctl_stats_reply stats_header(const std::vector<uint8_t>& v) {
  xtcp_ctl_stats_reply r{};
  std::memcpy(&r, v.data(), sizeof(r));
  return r;
}

xtcp_ctl_stat_entry entry(const std::vector<uint8_t>& v, size_t i) {
  xtcp_ctl_stat_entry e{};
  std::memcpy(&e, v.data() + sizeof(xtcp_ctl_stats_reply) + i * sizeof(e), sizeof(e));
  return e;
}

}  // namespace

TEST_CASE("HELLO is answered with the daemon's identity and the same seq", "[session]") {
  FakeStats src;
  ControlSession s(src);
  std::vector<uint8_t> reply;
  auto m = hello_msg(77, "xtcpctl");
  REQUIRE(s.handle(m.data(), m.size(), reply));
  REQUIRE(xtcp_ctl_validate(reply.data(), reply.size()) == 0);
  xtcp_ctl_hello_reply r{};
  std::memcpy(&r, reply.data(), sizeof(r));
  CHECK(r.hdr.type == XTCP_CTL_HELLO_REPLY);
  CHECK(r.hdr.seq == 77);
  CHECK(std::string(r.iface) == "xt-test");
  CHECK(r.queue_count == 2);
  CHECK(r.bind_mode == XTCP_BIND_COPY);
  CHECK(r.max_message == XTCP_CTL_MAX_MESSAGE);
  CHECK(std::string(s.client_name()) == "xtcpctl");
}

TEST_CASE("a stats request returns every counter with names and values", "[session]") {
  FakeStats src(3);
  ControlSession s(src);
  std::vector<uint8_t> reply;
  auto m = stats_msg(5, 0);
  REQUIRE(s.handle(m.data(), m.size(), reply));
  REQUIRE(xtcp_ctl_validate(reply.data(), reply.size()) == 0);
  auto r = stats_header(reply);
  CHECK(r.hdr.type == XTCP_CTL_STATS_REPLY);
  CHECK(r.hdr.seq == 5);
  CHECK(r.total == 3);
  CHECK(r.count == 3);
  CHECK(std::string(r.iface) == "xt-test");
  CHECK(std::string(entry(reply, 2).name) == "c2");
  CHECK(entry(reply, 2).value == 2);
}

TEST_CASE("a paged stats snapshot is consistent across pages", "[session]") {
  const size_t n = XTCP_CTL_STATS_MAX_ENTRIES + 10;
  FakeStats src(n);
  ControlSession s(src);
  std::vector<uint8_t> reply;
  auto first = stats_msg(1, 0);
  REQUIRE(s.handle(first.data(), first.size(), reply));
  auto r1 = stats_header(reply);
  CHECK(r1.total == n);
  CHECK(r1.count == XTCP_CTL_STATS_MAX_ENTRIES);
  CHECK(reply.size() <= XTCP_CTL_MAX_MESSAGE);

  auto second = stats_msg(2, r1.count);
  REQUIRE(s.handle(second.data(), second.size(), reply));
  auto r2 = stats_header(reply);
  CHECK(r2.first == r1.count);
  CHECK(r2.count == 10);
  // Same snapshot: values continue from page one, no new snapshot taken.
  CHECK(entry(reply, 0).value == r1.count);
  CHECK(src.snapshots() == 1);
}

TEST_CASE("max_entries limits a page", "[session]") {
  FakeStats src(5);
  ControlSession s(src);
  std::vector<uint8_t> reply;
  auto m = stats_msg(1, 0, 2);
  REQUIRE(s.handle(m.data(), m.size(), reply));
  CHECK(stats_header(reply).count == 2);
  CHECK(stats_header(reply).total == 5);
}

TEST_CASE("a page past the end is an EINVAL error and the session stays", "[session]") {
  FakeStats src(3);
  ControlSession s(src);
  std::vector<uint8_t> reply;
  auto m = stats_msg(9, 4);
  CHECK(s.handle(m.data(), m.size(), reply));
  auto e = error_of(reply);
  CHECK(e.hdr.type == XTCP_CTL_ERROR);
  CHECK(e.hdr.seq == 9);
  CHECK(e.code == EINVAL);
}

TEST_CASE("malformed messages get an ERROR with the documented code and close the session",
          "[session]") {
  FakeStats src;
  ControlSession s(src);
  std::vector<uint8_t> reply;

  auto check_rejected = [&](std::vector<uint8_t> m, size_t len, int code) {
    bool keep = s.handle(m.data(), len, reply);
    CHECK_FALSE(keep);
    REQUIRE(xtcp_ctl_validate(reply.data(), reply.size()) == 0);
    auto e = error_of(reply);
    CHECK(e.hdr.type == XTCP_CTL_ERROR);
    CHECK(e.code == code);
    CHECK(std::strlen(e.text) > 0);
  };

  auto m = hello_msg(3);
  SECTION("truncated") { check_rejected(m, 10, EBADMSG); }
  SECTION("wrong magic") {
    m[0] ^= 0xff;
    check_rejected(m, m.size(), EPROTO);
  }
  SECTION("wrong version") {
    auto h = header_of(m);
    h.version = 9;
    std::memcpy(m.data(), &h, sizeof(h));
    check_rejected(m, m.size(), EPROTONOSUPPORT);
    CHECK(error_of(reply).hdr.seq == 3);  // seq echoed when readable
  }
  SECTION("length mismatch") { check_rejected(m, m.size() - 4, EBADMSG); }
  SECTION("unknown type") {
    auto h = header_of(m);
    h.type = 999;
    std::memcpy(m.data(), &h, sizeof(h));
    check_rejected(m, m.size(), ENOMSG);
    CHECK(error_of(reply).request_type == 999);
  }
  SECTION("a reply type sent to the daemon") {
    xtcp_ctl_error e{};
    xtcp_ctl_header_init(&e.hdr, XTCP_CTL_ERROR, sizeof(e), 4);
    check_rejected(bytes_of(e), sizeof(e), ENOMSG);
  }
}

TEST_CASE("a connection request not served yet is answered ENOSYS and the session stays", "[session]") {
  FakeStats src;
  ControlSession s(src);
  std::vector<uint8_t> reply;
  xtcp_ctl_connect m{};
  xtcp_ctl_header_init(&m.hdr, XTCP_CTL_CONNECT, sizeof(m), 11);
  m.remote.family = AF_INET;
  m.remote.port = 80;
  CHECK(s.handle(reinterpret_cast<const uint8_t*>(&m), sizeof(m), reply));
  auto e = error_of(reply);
  CHECK(e.code == ENOSYS);
  CHECK(e.request_type == XTCP_CTL_CONNECT);
  CHECK(e.hdr.seq == 11);
}

TEST_CASE("hostile HELLO and STATS fields stay inside their bounds", "[session]") {
  FakeStats src(3);
  ControlSession s(src);
  std::vector<uint8_t> reply;

  SECTION("a client name without its NUL is cut, never over-read") {
    auto m = hello_msg(1);
    std::memset(m.data() + offsetof(xtcp_ctl_hello, client), 'A', sizeof(xtcp_ctl_hello::client));
    REQUIRE(s.handle(m.data(), m.size(), reply));
    CHECK(std::string(s.client_name()) == std::string(31, 'A'));
  }
  SECTION("first far past the snapshot is EINVAL, the session stays") {
    auto first = stats_msg(1, 0);
    REQUIRE(s.handle(first.data(), first.size(), reply));
    auto m = stats_msg(2, UINT32_MAX, UINT32_MAX);
    CHECK(s.handle(m.data(), m.size(), reply));
    CHECK(error_of(reply).code == EINVAL);
  }
  SECTION("a huge max_entries is capped at one datagram") {
    auto m = stats_msg(3, 0, UINT32_MAX);
    REQUIRE(s.handle(m.data(), m.size(), reply));
    CHECK(reply.size() <= XTCP_CTL_MAX_MESSAGE);
    CHECK(stats_header(reply).count == 3);
  }
  SECTION("a later page before any snapshot is EINVAL") {
    auto m = stats_msg(4, 1);
    CHECK(s.handle(m.data(), m.size(), reply));
    CHECK(error_of(reply).code == EINVAL);
  }
}
