// xtcp_ctl_validate: every documented rejection, and acceptance of every
// well-formed type.
#include <catch2/catch.hpp>

#include "test_messages.h"

using namespace xtcp::test;

namespace {

void set_header(std::vector<uint8_t>& v, const xtcp_ctl_header& h) {
  std::memcpy(v.data(), &h, sizeof(h));
}

}  // namespace

TEST_CASE("well-formed requests and replies validate", "[control]") {
  auto hello = hello_msg(1);
  CHECK(xtcp_ctl_validate(hello.data(), hello.size()) == 0);
  auto stats = stats_msg(2, 0);
  CHECK(xtcp_ctl_validate(stats.data(), stats.size()) == 0);

  std::vector<uint8_t> reply(sizeof(xtcp_ctl_stats_reply) + 3 * sizeof(xtcp_ctl_stat_entry));
  xtcp_ctl_stats_reply r{};
  xtcp_ctl_header_init(&r.hdr, XTCP_CTL_STATS_REPLY, reply.size(), 3);
  r.count = 3;
  std::memcpy(reply.data(), &r, sizeof(r));
  CHECK(xtcp_ctl_validate(reply.data(), reply.size()) == 0);

  // Connection requests are known types of fixed size: a whole LISTEN is
  // well framed, a bare header claiming to be one is truncated.
  xtcp_ctl_listen listen{};
  xtcp_ctl_header_init(&listen.hdr, XTCP_CTL_LISTEN, sizeof(listen), 4);
  CHECK(xtcp_ctl_validate(&listen, sizeof(listen)) == 0);
  xtcp_ctl_header bare{};
  xtcp_ctl_header_init(&bare, XTCP_CTL_LISTEN, sizeof(bare), 5);
  CHECK(xtcp_ctl_validate(&bare, sizeof(bare)) == -EBADMSG);
}

TEST_CASE("truncated messages are rejected with EBADMSG", "[control]") {
  auto m = hello_msg(1);
  CHECK(xtcp_ctl_validate(m.data(), 0) == -EBADMSG);
  CHECK(xtcp_ctl_validate(m.data(), sizeof(xtcp_ctl_header) - 1) == -EBADMSG);
  // Header intact but the datagram is shorter than header.length says.
  CHECK(xtcp_ctl_validate(m.data(), m.size() - 1) == -EBADMSG);
}

TEST_CASE("wrong magic is rejected with EPROTO", "[control]") {
  auto m = hello_msg(1);
  auto h = header_of(m);
  h.magic = 0x12345678;
  set_header(m, h);
  CHECK(xtcp_ctl_validate(m.data(), m.size()) == -EPROTO);
}

TEST_CASE("wrong version is rejected with EPROTONOSUPPORT", "[control]") {
  auto m = hello_msg(1);
  auto h = header_of(m);
  h.version = 2;
  set_header(m, h);
  CHECK(xtcp_ctl_validate(m.data(), m.size()) == -EPROTONOSUPPORT);
  h.version = 0;
  set_header(m, h);
  CHECK(xtcp_ctl_validate(m.data(), m.size()) == -EPROTONOSUPPORT);
}

TEST_CASE("length field not equal to the datagram size is rejected with EBADMSG", "[control]") {
  auto m = hello_msg(1);
  auto h = header_of(m);
  h.length = static_cast<uint32_t>(m.size() + 8);
  set_header(m, h);
  CHECK(xtcp_ctl_validate(m.data(), m.size()) == -EBADMSG);
  // Consistent length, but wrong size for the type.
  m.resize(m.size() + 8);
  CHECK(xtcp_ctl_validate(m.data(), m.size()) == -EBADMSG);
}

TEST_CASE("a stats reply whose count disagrees with its size is rejected", "[control]") {
  std::vector<uint8_t> reply(sizeof(xtcp_ctl_stats_reply) + 2 * sizeof(xtcp_ctl_stat_entry));
  xtcp_ctl_stats_reply r{};
  xtcp_ctl_header_init(&r.hdr, XTCP_CTL_STATS_REPLY, reply.size(), 1);
  r.count = 3;
  std::memcpy(reply.data(), &r, sizeof(r));
  CHECK(xtcp_ctl_validate(reply.data(), reply.size()) == -EBADMSG);
}

TEST_CASE("unknown types are rejected with ENOMSG", "[control]") {
  for (uint16_t type : {uint16_t{0}, uint16_t{4}, uint16_t{15}, uint16_t{XTCP_CTL_RESERVED_LAST + 1}, uint16_t{0x7fff},
                        uint16_t{0x8004}, uint16_t{0xffff}}) {
    xtcp_ctl_header h{};
    xtcp_ctl_header_init(&h, type, sizeof(h), 1);
    INFO("type " << type);
    CHECK(xtcp_ctl_validate(&h, sizeof(h)) == -ENOMSG);
  }
}

TEST_CASE("datagrams larger than the protocol maximum are rejected with EMSGSIZE", "[control]") {
  std::vector<uint8_t> big(XTCP_CTL_MAX_MESSAGE + 1);
  CHECK(xtcp_ctl_validate(big.data(), big.size()) == -EMSGSIZE);
}

TEST_CASE("a full stats page fits in one datagram", "[control]") {
  size_t full = sizeof(xtcp_ctl_stats_reply) + XTCP_CTL_STATS_MAX_ENTRIES * sizeof(xtcp_ctl_stat_entry);
  CHECK(full <= XTCP_CTL_MAX_MESSAGE);
  CHECK(full + sizeof(xtcp_ctl_stat_entry) > XTCP_CTL_MAX_MESSAGE);
}

TEST_CASE("the control socket path follows $XTCP_SOCKET, else the default", "[control]") {
  const char* saved = std::getenv(XTCP_CTL_SOCKET_ENV);
  const std::string keep = saved ? saved : "";
  unsetenv(XTCP_CTL_SOCKET_ENV);
  CHECK(std::string(xtcp_ctl_socket_path()) == XTCP_CTL_DEFAULT_SOCKET);
  setenv(XTCP_CTL_SOCKET_ENV, "", 1);  // empty means unset
  CHECK(std::string(xtcp_ctl_socket_path()) == XTCP_CTL_DEFAULT_SOCKET);
  setenv(XTCP_CTL_SOCKET_ENV, "/tmp/x.sock", 1);
  CHECK(std::string(xtcp_ctl_socket_path()) == "/tmp/x.sock");
  if (saved) setenv(XTCP_CTL_SOCKET_ENV, keep.c_str(), 1);
  else unsetenv(XTCP_CTL_SOCKET_ENV);
}
