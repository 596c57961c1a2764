// TIME-WAIT as a record in the shard (stack/time_wait_table.h): connections
// the shard's app closed first give back their slot and memory at once;
// the record answers the tuple (RFC 9293 3.10.7.4), yields to a newer SYN
// (RFC 6191), is bounded (overflow: close without TIME-WAIT, as Linux), and
// takes its flow entry with it when 2*MSL is over.
#include <catch2/catch.hpp>

#include "shard/shard_harness.h"

using namespace xtcp::shard_test;
using namespace xtcp;
namespace f = xtcp::wire::tcp_flags;

namespace {

// One short connection from the peer on `port`: the shard's app closes as
// soon as it is accepted (a web server without keep-alive), the peer then
// closes too. Returns the peer's connection (CLOSED or about to be).
void short_connection(Harness& h, uint16_t port, uint32_t isn = 1000) {
  tcp::Connection* pc = h.peer.connect({}, h.peer_tuple(port, 8080), wire::SeqNumber(isn), h.now);
  REQUIRE(pc != nullptr);
  const size_t accepted = h.events.accepted.size();
  REQUIRE(h.run_until([&] { return h.events.accepted.size() > accepted; }));
  REQUIRE(h.execute(Command{.kind = CommandKind::kClose, .conn = h.events.accepted.back()}) == 0);
  const size_t closed = h.events.closed.size();
  REQUIRE(h.run_until([&] {
    if (pc->peer_closed() && pc->state() == tcp::State::kCloseWait) pc->close();
    return pc->state() == tcp::State::kClosed && h.events.closed.size() > closed;
  }));
  h.peer.reap();
}

}  // namespace

TEST_CASE("TIME-WAIT record: the shard closing first keeps no connection, slot or memory", "[shard][timewait]") {
  Harness h(HarnessOptions{.max_connections = 8});
  REQUIRE(h.listen(8080) == 0);
  // Far more connections than slots: each slot comes back at TIME-WAIT.
  constexpr uint16_t kConns = 100;
  for (uint16_t i = 0; i < kConns; ++i) short_connection(h, static_cast<uint16_t>(40000 + i));
  CHECK(h.shard->connection_count() == 0);
  CHECK(h.mem.live() == 0);
  CHECK(h.shard->time_wait_count() == kConns);
  CHECK(h.shard->stats().time_wait_entered == kConns);
  CHECK(h.shard->stats().conns_refused == 0);
  CHECK(h.events.closed_err == std::vector<tcp::TcpError>(kConns, tcp::TcpError::kNone));
  // Each record still steers its tuple to us.
  CHECK(h.steering.flows.size() == kConns);
  const tcp::TimeWaitRecord* r = h.shard->time_wait_record({h.shard_ip, 8080, h.peer_ip, 40000});
  REQUIRE(r != nullptr);
  CHECK(r->rcv_nxt == wire::SeqNumber(1002));  // the peer's ISN + SYN + FIN
  // 2*MSL later every record and flow entry is gone.
  REQUIRE(h.run_until([&] { return h.shard->time_wait_count() == 0; }));
  CHECK(h.shard->stats().time_wait_expired == kConns);
  CHECK(h.steering.flows.empty());
  CHECK(h.io.free_frames() == h.io.frame_count());
}

TEST_CASE("TIME-WAIT record: a full table closes without TIME-WAIT and counts the overflow", "[shard][timewait]") {
  Harness h(HarnessOptions{.max_time_wait = 3});
  REQUIRE(h.listen(8080) == 0);
  for (uint16_t i = 0; i < 5; ++i) short_connection(h, static_cast<uint16_t>(41000 + i));
  CHECK(h.shard->time_wait_count() == 3);
  CHECK(h.shard->stats().time_wait_overflow == 2);
  CHECK(h.shard->connection_count() == 0);
  CHECK(h.mem.live() == 0);
  CHECK(h.steering.flows.size() == 3);  // the overflowed ones lost theirs at once
  CHECK(h.shard->time_wait_record({h.shard_ip, 8080, h.peer_ip, 41004}) == nullptr);
}

TEST_CASE("TIME-WAIT record: answers a retransmitted FIN, drops on RST, yields to a newer SYN", "[shard][timewait]") {
  Harness h;
  REQUIRE(h.listen(8080) == 0);
  short_connection(h, 42000);
  short_connection(h, 42001);
  const FourTuple peer_side = h.peer_tuple(42000, 8080);
  const FourTuple ours{h.shard_ip, 8080, h.peer_ip, 42000};
  const tcp::TimeWaitRecord* r = h.shard->time_wait_record(ours);
  REQUIRE(r != nullptr);
  const wire::SeqNumber snd_nxt = r->snd_nxt, rcv_nxt = r->rcv_nxt;
  const tcp::Instant deadline = r->deadline;
  REQUIRE(r->ts_ok);  // the default config negotiates timestamps
  const wire::TcpOptions newer_ts{.timestamps = wire::Timestamps{r->ts_recent + 1000, 0}};
  const wire::TcpOptions older_ts{.timestamps = wire::Timestamps{r->ts_recent - 1, 0}};
  h.keep_peer_saw = true;
  // The peer's stack forgot these tuples and would answer our ACKs with a
  // RST (which would end the record): record what we send, deliver nothing.
  h.drop_to_peer = [](std::span<const uint8_t>) { return true; };

  SECTION("retransmitted FIN: ACK <SEQ=SND.NXT><ACK=RCV.NXT> and 2*MSL restarts") {
    h.now = h.now + Duration::seconds(10);
    h.inject(peer_side, {.src_port = 42000, .dst_port = 8080, .seq = rcv_nxt - 1, .ack = snd_nxt,
                         .flags = f::kFin | f::kAck, .window = 8192, .options = newer_ts});
    h.step();
    REQUIRE(h.peer_saw.size() == 1);
    const wire::TcpRepr& a = h.peer_saw[0].tcp;
    CHECK(a.flags == f::kAck);
    CHECK(a.seq == snd_nxt);
    CHECK(a.ack == rcv_nxt);
    CHECK(a.dst_port == 42000);
    CHECK(h.shard->stats().time_wait_acks == 1);
    CHECK(h.shard->time_wait_record(ours)->deadline > deadline);
    // The other record expires on time; this one 10 s later.
    REQUIRE(h.run_until([&] { return h.shard->time_wait_count() == 1; }));
    CHECK(h.shard->time_wait_record(ours) != nullptr);
  }
  SECTION("an acceptable RST drops the record and its flow entry; a stale RST does not") {
    h.inject(peer_side, {.src_port = 42000, .dst_port = 8080, .seq = rcv_nxt + 5, .flags = f::kRst});
    h.step();
    CHECK(h.shard->time_wait_count() == 2);
    h.inject(peer_side, {.src_port = 42000, .dst_port = 8080, .seq = rcv_nxt, .flags = f::kRst});
    h.step();
    CHECK(h.shard->time_wait_count() == 1);
    CHECK(h.shard->stats().time_wait_reset == 1);
    CHECK(h.steering.flows.size() == 1);
    CHECK(h.peer_saw.empty());  // no answer to either RST
  }
  SECTION("a SYN with an old TSval gets an ACK; a newer one reopens the tuple (RFC 6191)") {
    h.inject(peer_side, {.src_port = 42000, .dst_port = 8080, .seq = rcv_nxt + 100, .flags = f::kSyn,
                         .window = 8192, .options = older_ts});
    h.step();
    REQUIRE(h.peer_saw.size() == 1);
    CHECK(h.peer_saw[0].tcp.flags == f::kAck);
    CHECK(h.shard->time_wait_count() == 2);
    // The new SYN goes to the listener, which answers with a SYN-ACK.
    h.inject(peer_side, {.src_port = 42000, .dst_port = 8080, .seq = rcv_nxt - 100, .flags = f::kSyn,
                         .window = 8192, .options = newer_ts});
    h.step();
    REQUIRE(h.peer_saw.size() == 2);
    CHECK(h.peer_saw[1].tcp.flags == (f::kSyn | f::kAck));
    CHECK(h.peer_saw[1].tcp.ack == rcv_nxt - 99);
    CHECK(h.shard->stats().time_wait_reopened == 1);
    CHECK(h.shard->time_wait_record(ours) == nullptr);
    CHECK(h.shard->time_wait_count() == 1);
  }
}

TEST_CASE("TIME-WAIT record of an active open: connect refuses its tuple (EADDRNOTAVAIL)", "[shard][timewait][connect]") {
  Harness h;
  h.peer.listen({}, 5201, [](const FourTuple&, Instant) { return wire::SeqNumber(77); });
  REQUIRE(h.execute(Command{.kind = CommandKind::kConnect, .remote = h.peer_ip, .remote_port = 5201}) == 0);
  const ConnId id = h.events.done.back().conn;
  tcp::Connection* pc = nullptr;
  REQUIRE(h.run_until([&] {
    if (!pc) pc = h.peer.accept(5201);
    return pc && h.events.established.size() == 1;
  }));
  const FourTuple t = h.shard->connection(id)->tuple();
  // The shard's app closes first; the peer follows.
  REQUIRE(h.execute(Command{.kind = CommandKind::kClose, .conn = id}) == 0);
  REQUIRE(h.run_until([&] {
    if (pc->peer_closed() && pc->state() == tcp::State::kCloseWait) pc->close();
    return !h.events.closed.empty() && pc->state() == tcp::State::kClosed;
  }));
  REQUIRE(h.shard->time_wait_record(t) != nullptr);
  CHECK(h.shard->connection_count() == 0);
  CHECK(h.mem.live() == 0);
  // Linux connect(2) without tcp_tw_reuse: EADDRNOTAVAIL.
  CHECK(h.execute(Command{.kind = CommandKind::kConnect, .local = t.local, .local_port = t.local_port,
                          .remote = h.peer_ip, .remote_port = 5201}) == -EADDRNOTAVAIL);
}
