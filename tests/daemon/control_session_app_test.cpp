// ControlSession in front of the application API (AppApi): field checks
// before the app layer sees a request, replies now or deferred, descriptors
// riding with a reply, and the CONNS paged snapshot.
#include <sys/socket.h>

#include <catch2/catch.hpp>

#include "daemon/control_session.h"
#include "fake_stats.h"
#include "test_messages.h"

using namespace xtcp::test;
using xtcp::daemon::AppApi;
using xtcp::daemon::ControlSession;
using xtcp::daemon::PeerCredentials;
using xtcp::daemon::Reply;

namespace {

// An AppApi that records each request and answers as the test says.
struct FakeApp : AppApi {
  struct Call {
    uint32_t session;
    std::vector<uint8_t> msg;
  };
  std::vector<Call> calls;
  bool answer_now = true;  // false: defer (the shards answer later)
  std::vector<int> fds;    // descriptors to attach to an immediate reply
  std::vector<xtcp_ctl_conn_entry> conns;
  int conn_snapshots = 0;

  void session_opened(uint32_t, PeerCredentials) override {}
  void session_closed(uint32_t) override {}
  bool request(uint32_t session, const uint8_t* msg, size_t len, Reply* out) override {
    calls.push_back({session, std::vector<uint8_t>(msg, msg + len)});
    if (!answer_now) return false;
    // A reply of the request's type and its fixed size (fields zero).
    xtcp_ctl_header h{};
    std::memcpy(&h, msg, sizeof(h));
    const auto type = static_cast<uint16_t>(h.type | XTCP_CTL_REPLY_BIT);
    out->bytes.assign(xtcp_ctl_fixed_size(type), 0);
    xtcp_ctl_header_init(&h, type, static_cast<uint32_t>(out->bytes.size()), h.seq);
    std::memcpy(out->bytes.data(), &h, sizeof(h));
    out->fds = fds;
    return true;
  }
  void connections(uint32_t, std::vector<xtcp_ctl_conn_entry>& out) override {
    ++conn_snapshots;
    out = conns;
  }
};

xtcp_ctl_conn_entry conn_entry(uint16_t local_port, uint32_t pid) {
  xtcp_ctl_conn_entry e{};
  e.local_family = AF_INET;
  e.state = 4;  // ESTABLISHED
  e.local_port = local_port;
  e.peer_port = 5201;
  e.owner_pid = pid;
  e.bytes_received = uint64_t{local_port} * 1000;
  return e;
}

std::vector<uint8_t> listen_msg(uint32_t seq, uint16_t port, uint32_t backlog) {
  xtcp_ctl_listen m{};
  xtcp_ctl_header_init(&m.hdr, XTCP_CTL_LISTEN, sizeof(m), seq);
  m.local.family = AF_INET;
  m.local.port = port;
  m.backlog = backlog;
  return bytes_of(m);
}

std::vector<uint8_t> connect_msg(uint32_t seq, uint16_t port) {
  xtcp_ctl_connect m{};
  xtcp_ctl_header_init(&m.hdr, XTCP_CTL_CONNECT, sizeof(m), seq);
  m.remote.family = AF_INET;
  m.remote.port = port;
  const uint8_t ip[4] = {10, 77, 0, 1};
  std::memcpy(m.remote.addr, ip, 4);
  return bytes_of(m);
}

std::vector<uint8_t> conns_msg(uint32_t seq, uint32_t first, uint32_t max = 0) {
  xtcp_ctl_conns_request m{};
  xtcp_ctl_header_init(&m.hdr, XTCP_CTL_CONNS_REQUEST, sizeof(m), seq);
  m.first = first;
  m.max_entries = max;
  return bytes_of(m);
}

xtcp_ctl_conns_reply conns_header(const std::vector<uint8_t>& v) {
  xtcp_ctl_conns_reply r{};
  REQUIRE(v.size() >= sizeof(r));
  std::memcpy(&r, v.data(), sizeof(r));
  return r;
}

xtcp_ctl_conn_entry conns_at(const std::vector<uint8_t>& v, size_t i) {
  xtcp_ctl_conn_entry e{};
  REQUIRE(v.size() >= sizeof(xtcp_ctl_conns_reply) + (i + 1) * sizeof(e));
  std::memcpy(&e, v.data() + sizeof(xtcp_ctl_conns_reply) + i * sizeof(e), sizeof(e));
  return e;
}

}  // namespace

TEST_CASE("a request with an out-of-range field is EINVAL, the session stays, the app never sees it",
          "[session][app]") {
  FakeStats src;
  FakeApp app;
  ControlSession s(src, &app, 7);
  std::vector<uint8_t> m;
  uint16_t type = 0;

  SECTION("LISTEN on port 0") {
    m = listen_msg(21, 0, 16);
    type = XTCP_CTL_LISTEN;
  }
  SECTION("LISTEN with backlog 0") {
    m = listen_msg(21, 80, 0);
    type = XTCP_CTL_LISTEN;
  }
  SECTION("LISTEN with an unknown flag") {
    xtcp_ctl_listen l{};
    std::memcpy(&l, listen_msg(21, 80, 16).data(), sizeof(l));
    l.flags = XTCP_CTL_LISTEN_FLAGS + 1;  // the bit after the known ones
    m = bytes_of(l);
    type = XTCP_CTL_LISTEN;
  }
  SECTION("CONNECT to port 0") {
    m = connect_msg(21, 0);
    type = XTCP_CTL_CONNECT;
  }
  SECTION("CONNECT from an IPv6 local address to an IPv4 remote") {
    xtcp_ctl_connect c{};
    std::memcpy(&c, connect_msg(21, 80).data(), sizeof(c));
    c.local.family = AF_INET6;
    m = bytes_of(c);
    type = XTCP_CTL_CONNECT;
  }
  SECTION("ACCEPT of listener 0") {
    xtcp_ctl_accept a{};
    xtcp_ctl_header_init(&a.hdr, XTCP_CTL_ACCEPT, sizeof(a), 21);
    m = bytes_of(a);
    type = XTCP_CTL_ACCEPT;
  }
  SECTION("SHUTDOWN with how = 3") {
    xtcp_ctl_shutdown d{};
    xtcp_ctl_header_init(&d.hdr, XTCP_CTL_SHUTDOWN, sizeof(d), 21);
    d.conn_id = 1;
    d.how = 3;
    m = bytes_of(d);
    type = XTCP_CTL_SHUTDOWN;
  }
  SECTION("CLOSE of an unknown object kind") {
    xtcp_ctl_close c{};
    xtcp_ctl_header_init(&c.hdr, XTCP_CTL_CLOSE, sizeof(c), 21);
    c.id = 1;
    c.kind = 3;
    m = bytes_of(c);
    type = XTCP_CTL_CLOSE;
  }
  SECTION("SET_OPTION NODELAY = 2") {
    xtcp_ctl_option o{};
    xtcp_ctl_header_init(&o.hdr, XTCP_CTL_SET_OPTION, sizeof(o), 21);
    o.conn_id = 1;
    o.option = XTCP_CTL_OPT_NODELAY;
    o.value_len = 4;
    o.value[0] = 2;
    m = bytes_of(o);
    type = XTCP_CTL_SET_OPTION;
  }
  SECTION("GET_OPTION with a value") {
    xtcp_ctl_option o{};
    xtcp_ctl_header_init(&o.hdr, XTCP_CTL_GET_OPTION, sizeof(o), 21);
    o.conn_id = 1;
    o.option = XTCP_CTL_OPT_INFO;
    o.value_len = 4;
    m = bytes_of(o);
    type = XTCP_CTL_GET_OPTION;
  }
  REQUIRE(xtcp_ctl_validate(m.data(), m.size()) == 0);  // well framed: only a field is bad
  Reply reply;
  reply.fds = {5};  // left over from an earlier reply: must not ride along
  bool deferred = true;
  CHECK(s.handle(m.data(), m.size(), reply, &deferred));
  CHECK_FALSE(deferred);
  CHECK(reply.fds.empty());
  REQUIRE(xtcp_ctl_validate(reply.bytes.data(), reply.bytes.size()) == 0);
  auto e = error_of(reply.bytes);
  CHECK(e.hdr.type == XTCP_CTL_ERROR);
  CHECK(e.hdr.seq == 21);
  CHECK(e.code == EINVAL);
  CHECK(e.request_type == type);
  CHECK(std::strlen(e.text) > 0);
  CHECK(app.calls.empty());
}

TEST_CASE("a valid request reaches the app layer with the session id", "[session][app]") {
  FakeStats src;
  FakeApp app;
  ControlSession s(src, &app, 42);
  const auto m = connect_msg(33, 5201);
  Reply reply;
  bool deferred = true;

  SECTION("answered at once, descriptors ride with the reply") {
    app.fds = {10, 11, 12};
    CHECK(s.handle(m.data(), m.size(), reply, &deferred));
    CHECK_FALSE(deferred);
    REQUIRE(app.calls.size() == 1);
    CHECK(app.calls[0].session == 42);
    CHECK(app.calls[0].msg == m);
    CHECK(reply.fds == std::vector<int>{10, 11, 12});
    REQUIRE(xtcp_ctl_validate(reply.bytes.data(), reply.bytes.size()) == 0);
    CHECK(header_of(reply.bytes).type == XTCP_CTL_CONNECT_REPLY);
    CHECK(header_of(reply.bytes).seq == 33);

    // The same Reply reused for the next datagram: an error carries none.
    const auto bad = connect_msg(34, 0);
    CHECK(s.handle(bad.data(), bad.size(), reply, &deferred));
    CHECK(reply.fds.empty());
    CHECK(error_of(reply.bytes).code == EINVAL);
    CHECK(app.calls.size() == 1);
  }
  SECTION("deferred: nothing to send now") {
    app.answer_now = false;
    CHECK(s.handle(m.data(), m.size(), reply, &deferred));
    CHECK(deferred);
    REQUIRE(app.calls.size() == 1);
    CHECK(app.calls[0].session == 42);
    CHECK(reply.fds.empty());
    CHECK(reply.bytes.empty());
  }
  SECTION("every application request type goes to the app layer") {
    app.answer_now = false;
    std::vector<std::vector<uint8_t>> msgs = {listen_msg(1, 80, 16), connect_msg(2, 80)};
    xtcp_ctl_accept a{};
    xtcp_ctl_header_init(&a.hdr, XTCP_CTL_ACCEPT, sizeof(a), 3);
    a.listener_id = 1;
    msgs.push_back(bytes_of(a));
    xtcp_ctl_shutdown d{};
    xtcp_ctl_header_init(&d.hdr, XTCP_CTL_SHUTDOWN, sizeof(d), 4);
    d.conn_id = 1;
    d.how = SHUT_WR;
    msgs.push_back(bytes_of(d));
    xtcp_ctl_close c{};
    xtcp_ctl_header_init(&c.hdr, XTCP_CTL_CLOSE, sizeof(c), 5);
    c.id = 1;
    c.kind = XTCP_CTL_OBJ_LISTENER;
    msgs.push_back(bytes_of(c));
    xtcp_ctl_option o{};
    xtcp_ctl_header_init(&o.hdr, XTCP_CTL_SET_OPTION, sizeof(o), 6);
    o.conn_id = 1;
    o.option = XTCP_CTL_OPT_NODELAY;
    o.value_len = 4;
    o.value[0] = 1;
    msgs.push_back(bytes_of(o));
    o.hdr.type = XTCP_CTL_GET_OPTION;
    o.hdr.seq = 7;
    o.option = XTCP_CTL_OPT_INFO;
    o.value_len = 0;
    o.value[0] = 0;
    msgs.push_back(bytes_of(o));
    for (const auto& msg : msgs) {
      INFO("type " << header_of(msg).type);
      CHECK(s.handle(msg.data(), msg.size(), reply, &deferred));
      CHECK(deferred);
    }
    REQUIRE(app.calls.size() == msgs.size());
    for (size_t i = 0; i < msgs.size(); ++i) CHECK(app.calls[i].msg == msgs[i]);
  }
}

TEST_CASE("without an app layer, application requests are ENOSYS and the session stays",
          "[session][app]") {
  FakeStats src;
  ControlSession s(src);
  for (const auto& m : {listen_msg(1, 80, 16), connect_msg(2, 80)}) {
    Reply reply;
    bool deferred = true;
    CHECK(s.handle(m.data(), m.size(), reply, &deferred));
    CHECK_FALSE(deferred);
    CHECK(error_of(reply.bytes).code == ENOSYS);
    CHECK(error_of(reply.bytes).request_type == header_of(m).type);
  }
  // CONNS still answers: an empty snapshot.
  std::vector<uint8_t> reply;
  auto m = conns_msg(3, 0);
  REQUIRE(s.handle(m.data(), m.size(), reply));
  REQUIRE(xtcp_ctl_validate(reply.data(), reply.size()) == 0);
  CHECK(conns_header(reply).hdr.type == XTCP_CTL_CONNS_REPLY);
  CHECK(conns_header(reply).total == 0);
  CHECK(conns_header(reply).count == 0);
}

TEST_CASE("CONNS pages read one snapshot of the app layer's connections", "[session][app][conns]") {
  FakeStats src;
  FakeApp app;
  const size_t n = XTCP_CTL_CONNS_MAX_ENTRIES + 20;
  for (size_t i = 0; i < n; ++i) app.conns.push_back(conn_entry(static_cast<uint16_t>(1000 + i), 77));
  ControlSession s(src, &app, 1);
  std::vector<uint8_t> reply;

  // max_entries 0: as many as fit in one datagram.
  auto p1 = conns_msg(1, 0);
  REQUIRE(s.handle(p1.data(), p1.size(), reply));
  REQUIRE(xtcp_ctl_validate(reply.data(), reply.size()) == 0);
  auto r1 = conns_header(reply);
  CHECK(r1.hdr.type == XTCP_CTL_CONNS_REPLY);
  CHECK(r1.hdr.seq == 1);
  CHECK(r1.total == n);
  CHECK(r1.first == 0);
  CHECK(r1.count == XTCP_CTL_CONNS_MAX_ENTRIES);
  CHECK(reply.size() <= XTCP_CTL_MAX_MESSAGE);
  CHECK(conns_at(reply, 0).local_port == 1000);
  CHECK(conns_at(reply, r1.count - 1).bytes_received == uint64_t{1000 + r1.count - 1} * 1000);
  CHECK(app.conn_snapshots == 1);

  // The app's list changes between pages: later pages still read the first.
  app.conns.clear();
  app.conns.push_back(conn_entry(9, 1));
  auto p2 = conns_msg(2, r1.count, 5);
  REQUIRE(s.handle(p2.data(), p2.size(), reply));
  REQUIRE(xtcp_ctl_validate(reply.data(), reply.size()) == 0);
  auto r2 = conns_header(reply);
  CHECK(r2.total == n);
  CHECK(r2.first == r1.count);
  CHECK(r2.count == 5);
  CHECK(conns_at(reply, 0).local_port == 1000 + r1.count);
  CHECK(app.conn_snapshots == 1);

  auto p3 = conns_msg(3, r1.count + 5);
  REQUIRE(s.handle(p3.data(), p3.size(), reply));
  CHECK(conns_header(reply).count == 15);
  CHECK(conns_at(reply, 14).local_port == 1000 + n - 1);

  // first == total: an empty last page; past the end: EINVAL, session stays.
  auto end = conns_msg(4, static_cast<uint32_t>(n));
  REQUIRE(s.handle(end.data(), end.size(), reply));
  REQUIRE(xtcp_ctl_validate(reply.data(), reply.size()) == 0);
  CHECK(conns_header(reply).count == 0);
  auto past = conns_msg(5, static_cast<uint32_t>(n + 1));
  CHECK(s.handle(past.data(), past.size(), reply));
  CHECK(error_of(reply).hdr.type == XTCP_CTL_ERROR);
  CHECK(error_of(reply).code == EINVAL);
  CHECK(error_of(reply).hdr.seq == 5);

  // first = 0 again: a new snapshot of the changed list.
  auto again = conns_msg(6, 0);
  REQUIRE(s.handle(again.data(), again.size(), reply));
  CHECK(app.conn_snapshots == 2);
  CHECK(conns_header(reply).total == 1);
  CHECK(conns_at(reply, 0).local_port == 9);
  CHECK(app.calls.empty());  // CONNS is the session's, not a request()
}

TEST_CASE("a CONNS page before any snapshot is EINVAL", "[session][app][conns]") {
  FakeStats src;
  FakeApp app;
  app.conns.push_back(conn_entry(1, 1));
  ControlSession s(src, &app, 1);
  std::vector<uint8_t> reply;
  auto m = conns_msg(8, 1);
  CHECK(s.handle(m.data(), m.size(), reply));
  CHECK(error_of(reply).code == EINVAL);
  CHECK(app.conn_snapshots == 0);
}

TEST_CASE("CONNS request and reply framing", "[control][conns]") {
  auto req = conns_msg(1, 0);
  CHECK(xtcp_ctl_validate(req.data(), req.size()) == 0);
  SECTION("the request has a fixed size") {
    auto longer = req;
    longer.resize(req.size() + 4);
    xtcp_ctl_header h = header_of(longer);
    h.length = static_cast<uint32_t>(longer.size());
    std::memcpy(longer.data(), &h, sizeof(h));
    CHECK(xtcp_ctl_validate(longer.data(), longer.size()) == -EBADMSG);
    xtcp_ctl_header bare{};
    xtcp_ctl_header_init(&bare, XTCP_CTL_CONNS_REQUEST, sizeof(bare), 1);
    CHECK(xtcp_ctl_validate(&bare, sizeof(bare)) == -EBADMSG);
  }
  SECTION("a reply's size follows its count") {
    auto reply_of = [](uint32_t count, size_t entries) {
      std::vector<uint8_t> v(sizeof(xtcp_ctl_conns_reply) + entries * sizeof(xtcp_ctl_conn_entry));
      xtcp_ctl_conns_reply r{};
      xtcp_ctl_header_init(&r.hdr, XTCP_CTL_CONNS_REPLY, static_cast<uint32_t>(v.size()), 1);
      r.count = count;
      r.total = count;
      std::memcpy(v.data(), &r, sizeof(r));
      return v;
    };
    auto ok = reply_of(3, 3);
    CHECK(xtcp_ctl_validate(ok.data(), ok.size()) == 0);
    auto empty = reply_of(0, 0);
    CHECK(xtcp_ctl_validate(empty.data(), empty.size()) == 0);
    auto more = reply_of(4, 3);
    CHECK(xtcp_ctl_validate(more.data(), more.size()) == -EBADMSG);
    auto fewer = reply_of(2, 3);
    CHECK(xtcp_ctl_validate(fewer.data(), fewer.size()) == -EBADMSG);
    const uint32_t max = XTCP_CTL_CONNS_MAX_ENTRIES;
    auto full = reply_of(max, max);
    CHECK(xtcp_ctl_validate(full.data(), full.size()) == 0);
    // One entry more does not fit in a datagram.
    auto huge = reply_of(max + 1, max + 1);
    CHECK(xtcp_ctl_validate(huge.data(), huge.size()) == -EMSGSIZE);
    // Shorter than the reply's own header.
    auto cut = reply_of(0, 0);
    cut.resize(sizeof(xtcp_ctl_conns_reply) - 4);
    xtcp_ctl_header h = header_of(cut);
    h.length = static_cast<uint32_t>(cut.size());
    std::memcpy(cut.data(), &h, sizeof(h));
    CHECK(xtcp_ctl_validate(cut.data(), cut.size()) == -EBADMSG);
    // The field checker leaves variable-size replies to the validator.
    CHECK(xtcp_ctl_check_fields(ok.data(), ok.size()) == 0);
  }
}
