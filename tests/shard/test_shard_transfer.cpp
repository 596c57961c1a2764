// Passive and active opens through the shard, data both ways checked by
// hash, orderly close, and nothing leaked afterwards (frames, memory,
// steering entries, slots).
#include <catch2/catch.hpp>

#include "shard/shard_harness.h"

using namespace xtcp::shard_test;
using namespace xtcp;
namespace f = xtcp::wire::tcp_flags;

namespace {

// Runs both apps until each side has read everything the other sent and
// both connections are gone (the shard's released, the peer's CLOSED).
void transfer(Harness& h, tcp::Connection*& peer_conn, ConnId id, App& shard_app, App& peer_app) {
  h.events.sync = [&](ConnId c, tcp::Connection& conn) {
    if (c == id) shard_app.pump(conn);
  };
  h.shard->kick(id);
  const bool done = h.run_until([&] {
    if (peer_conn) peer_app.pump(*peer_conn);
    return shard_app.received == peer_app.to_send && peer_app.received == shard_app.to_send &&
           !h.events.closed.empty() && peer_conn &&
           (peer_conn->state() == tcp::State::kClosed ||
            peer_conn->state() == tcp::State::kTimeWait);
  });
  INFO("shard sent " << shard_app.sent << " got " << shard_app.received << "; peer sent "
                     << peer_app.sent << " got " << peer_app.received);
  REQUIRE(done);
  CHECK(shard_app.hash == stream_hash(peer_app.seed, peer_app.to_send));
  CHECK(peer_app.hash == stream_hash(shard_app.seed, shard_app.to_send));
}

void check_no_leaks(Harness& h) {
  CHECK(h.shard->connection_count() == 0);
  // A side that closed first left a TIME-WAIT record, which alone holds
  // its flow entry until 2*MSL is over.
  CHECK(h.steering.flows.size() == h.shard->time_wait_count());
  for (const FourTuple& t : h.steering.flows) CHECK(h.shard->time_wait_record(t) != nullptr);
  REQUIRE(h.run_until([&] { return h.shard->time_wait_count() == 0; }));
  CHECK(h.mem.live() == 0);
  CHECK(h.mem.bad_releases() == 0);
  CHECK(h.steering.flows.empty());
  CHECK(h.io.free_frames() == h.io.frame_count());
  CHECK(h.io.bad_handles() == 0);
  CHECK(h.to_peer_parse_errors == 0);
  CHECK(h.shard->stats().malformed_total() == 0);
  CHECK(h.shard->stats().tx_build_failed == 0);
}

}  // namespace

TEST_CASE("passive open: peer connects to a shard listener, data both ways, close", "[shard]") {
  const bool ipv6 = GENERATE(false, true);
  DYNAMIC_SECTION((ipv6 ? "IPv6" : "IPv4")) {
    Harness h(HarnessOptions{.ipv6 = ipv6});
    REQUIRE(h.listen(8080) == 0);
    tcp::Connection* pc = h.peer.connect({}, h.peer_tuple(40000, 8080), wire::SeqNumber(1000), h.now);
    REQUIRE(h.run_until([&] { return !h.events.accepted.empty(); }));
    REQUIRE(pc->state() == tcp::State::kEstablished);
    const ConnId id = h.events.accepted[0];
    tcp::Connection* sc = h.shard->connection(id);
    REQUIRE(sc != nullptr);
    CHECK(sc->state() == tcp::State::kEstablished);
    CHECK(sc->tuple() == FourTuple{h.shard_ip, 8080, h.peer_ip, 40000});

    App shard_app{.seed = 1, .to_send = 300'000, .close_when_sent = true};
    App peer_app{.seed = 2, .to_send = 200'000, .close_when_sent = true};
    transfer(h, pc, id, shard_app, peer_app);
    CHECK(h.events.readable > 0);
    CHECK(h.events.writable > 0);
    CHECK(h.events.closed == std::vector<ConnId>{id});
    CHECK(h.events.closed_err[0] == tcp::TcpError::kNone);
    CHECK(h.shard->connection(id) == nullptr);  // the id is stale now
    check_no_leaks(h);
    // The listener still holds its BPF entry until unlisten.
    CHECK(h.steering.listeners.size() == 1);
    CHECK(h.execute(Command{.kind = CommandKind::kUnlisten, .local = IpAddress{.family = h.shard_ip.family},
                            .local_port = 8080}) == 0);
    CHECK(h.steering.listeners.empty());
  }
}

TEST_CASE("active open from the shard to a peer listener, data both ways", "[shard]") {
  const bool ipv6 = GENERATE(false, true);
  DYNAMIC_SECTION((ipv6 ? "IPv6" : "IPv4")) {
    Harness h(HarnessOptions{.ipv6 = ipv6});
    h.peer.listen({}, 5201, [](const FourTuple&, Instant) { return wire::SeqNumber(77); });
    REQUIRE(h.execute(Command{.kind = CommandKind::kConnect, .remote = h.peer_ip, .remote_port = 5201}) == 0);
    const ConnId id = h.events.done.back().conn;
    REQUIRE(h.shard->connection(id) != nullptr);
    CHECK(h.shard->connection(id)->state() == tcp::State::kSynSent);
    tcp::Connection* pc = nullptr;
    REQUIRE(h.run_until([&] {
      if (!pc) pc = h.peer.accept(5201);
      return pc && h.events.established.size() == 1;
    }));
    CHECK(h.events.established[0] == id);
    const FourTuple t = h.shard->connection(id)->tuple();
    CHECK(t.local == h.shard_ip);
    CHECK(t.local_port >= kDefaultEphemeralLow);
    CHECK(t.remote_port == 5201);
    REQUIRE(h.steering.flows.size() == 1);
    CHECK(h.steering.flows[0] == t);

    App shard_app{.seed = 3, .to_send = 250'000, .close_when_sent = true};
    App peer_app{.seed = 4, .to_send = 150'000, .close_when_sent = true};
    transfer(h, pc, id, shard_app, peer_app);
    check_no_leaks(h);
  }
}

TEST_CASE("commands posted from another thread's side run in the commands pass", "[shard]") {
  Harness h;
  Command c{.kind = CommandKind::kListen, .token = 42, .local = IpAddress{}, .local_port = 7};
  REQUIRE(h.shard->post(c));
  CHECK(h.events.done.empty());  // nothing happens until the shard's pass
  h.step();
  REQUIRE(h.events.done.size() == 1);
  CHECK(h.events.done[0].token == 42);
  CHECK(h.events.done[0].err == 0);
  // Listening twice on the same address and port is refused.
  REQUIRE(h.shard->post(c));
  h.step();
  CHECK(h.events.done[1].err == -EADDRINUSE);
  // Commands for a connection that does not exist.
  CHECK(h.execute(Command{.kind = CommandKind::kClose, .conn = 12345}) == -ENOTCONN);
  CHECK(h.execute(Command{.kind = CommandKind::kUnlisten, .local_port = 9}) == -ENOENT);
  CHECK(h.shard->stats().commands_failed == 3);
}

TEST_CASE("the shard half-closes first and keeps receiving", "[shard][halfclose]") {
  Harness h;
  REQUIRE(h.listen(8080) == 0);
  tcp::Connection* pc = h.peer.connect({}, h.peer_tuple(40000, 8080), wire::SeqNumber(1000), h.now);
  REQUIRE(h.run_until([&] { return !h.events.accepted.empty(); }));
  const ConnId id = h.events.accepted[0];
  App shard_app{.seed = 1, .to_send = 100'000, .close_when_sent = true};
  App peer_app{.seed = 2, .to_send = 3'000'000, .close_when_sent = true};
  transfer(h, pc, id, shard_app, peer_app);
  check_no_leaks(h);
}
