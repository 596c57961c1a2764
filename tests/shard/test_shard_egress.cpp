// Egress: only dirty connections are visited; timers drive retransmission
// when the peer's copy is lost; a tiny TX frame pool still carries a large
// transfer (back-pressure, no leak); steering entries follow connections.
#include <catch2/catch.hpp>

#include "shard/shard_harness.h"

using namespace xtcp::shard_test;
using namespace xtcp;
namespace f = xtcp::wire::tcp_flags;

namespace {

// Passive-opens `n` connections from the peer (ports 20000...); returns the
// peer-side connections.
std::vector<tcp::Connection*> open_many(Harness& h, uint16_t port, int n) {
  std::vector<tcp::Connection*> pcs;
  for (int i = 0; i < n; ++i)
    pcs.push_back(h.peer.connect({}, h.peer_tuple(static_cast<uint16_t>(20000 + i), port),
                                 wire::SeqNumber(100u * i), h.now));
  const bool ok = h.run_until([&] { return h.events.accepted.size() == static_cast<size_t>(n); });
  INFO("accepted " << h.events.accepted.size() << " at t=" << h.now.us << " rx_to_listener "
                   << h.shard->stats().rx_to_listener << " refused " << h.shard->stats().conns_refused
                   << " resets " << h.shard->stats().resets_sent << " tx " << h.shard->stats().tx_frames);
  REQUIRE(ok);
  for (auto* pc : pcs) REQUIRE(pc->state() == tcp::State::kEstablished);
  return pcs;
}

size_t data_len(std::span<const uint8_t> frame) {
  wire::ParsedFrame pf;
  return wire::parse_frame(frame, pf) == wire::ParseError::kOk ? pf.tcp.payload.size() : 0;
}

}  // namespace

TEST_CASE("egress visits only dirty connections: 1000 idle, one busy", "[shard][egress]") {
  // All 1001 SYNs arrive in one burst: a SYN queue that holds them all.
  Harness h(HarnessOptions{.max_connections = 1100, .syn_backlog = 2048});
  REQUIRE(h.listen(9000) == 0);
  std::vector<tcp::Connection*> pcs = open_many(h, 9000, 1001);
  // Let every delayed ACK and timer of the handshakes play out.
  REQUIRE(h.run_until([&] { return h.shard->next_deadline() == Instant::never(); }, 1000));
  REQUIRE(h.shard->connection_count() == 1001);
  CHECK(h.shard->dirty_count() == 0);

  const ConnId busy = h.events.accepted[500];
  App shard_app{.seed = 9, .to_send = 2'000'000};
  App peer_app{.seed = 0};
  h.events.sync = [&](ConnId c, tcp::Connection& conn) {
    if (c == busy) shard_app.pump(conn);
  };
  tcp::Connection* pc = nullptr;
  for (auto* p : pcs)
    if (p->tuple().local_port == h.shard->connection(busy)->tuple().remote_port) pc = p;
  REQUIRE(pc != nullptr);

  const uint64_t visits0 = h.shard->stats().egress_visits;
  const uint64_t passes0 = h.passes;
  h.shard->kick(busy);
  REQUIRE(h.run_until([&] {
    peer_app.pump(*pc);
    return peer_app.received == shard_app.to_send;
  }));
  const uint64_t visits = h.shard->stats().egress_visits - visits0;
  const uint64_t passes = h.passes - passes0;
  INFO("visits " << visits << " over " << passes << " passes");
  CHECK(peer_app.hash == stream_hash(9, 2'000'000));
  CHECK(passes > 20);
  // One connection has work: at most one visit per pass (never the 1000).
  CHECK(visits <= passes);
  CHECK(visits >= passes / 2);
}

namespace {

// An established passive connection; returns the peer's side.
tcp::Connection* accepted(Harness& h) {
  REQUIRE(h.listen(80) == 0);
  tcp::Connection* pc = h.peer.connect({}, h.peer_tuple(40000, 80), wire::SeqNumber(1), h.now);
  REQUIRE(h.run_until([&] { return !h.events.accepted.empty(); }));
  return pc;
}

// The shard sends a lone `len`-byte message whose first two transmissions
// are lost: only the retransmission timer can recover it.
void lone_segment_lost(Harness& h, uint64_t len) {
  tcp::Connection* pc = accepted(h);
  const ConnId id = h.events.accepted[0];
  int dropped = 0;
  h.drop_to_peer = [&](std::span<const uint8_t> fr) {
    if (data_len(fr) > 0 && dropped < 2) return ++dropped, true;
    return false;
  };
  const Instant t0 = h.now;
  App shard_app{.seed = 5, .to_send = len};
  App peer_app;
  h.events.sync = [&](ConnId c, tcp::Connection& conn) {
    if (c == id) shard_app.pump(conn);
  };
  h.shard->kick(id);
  const bool ok = h.run_until([&] {
    peer_app.pump(*pc);
    return peer_app.received == len;
  });
  INFO("after " << (h.now - t0).us << " us: peer got " << peer_app.received << ", dropped "
                << dropped << ", shard frames " << h.io.frames_sent());
  REQUIRE(ok);
  CHECK(dropped == 2);
  CHECK(peer_app.hash == stream_hash(5, len));
  const tcp::TcpInfo info = h.shard->connection(id)->info();
  CHECK(h.shard->stats().timers_fired >= 2);
  if (info.tlp_probes == 0) {
    // One segment in flight: no probe before the RTO (RFC 8985 7.2), and
    // RFC 6298 5.5: the second retransmission waits twice as long.
    CHECK(info.rto_count == 2);
    CHECK(h.now - t0 >= Duration::millis(200 + 400));
  } else {
    // Two segments (1460 bytes above the timestamp-reduced MSS): the tail
    // loss probe (RFC 8985 7) replaces one of the two RTOs.
    CHECK(info.rto_count + info.tlp_probes == 2);
    CHECK(h.now - t0 < Duration::millis(200 + 400));
  }
}

}  // namespace

TEST_CASE("timers retransmit what the peer never received", "[shard][timers]") {
  SECTION("a lone full-size segment lost twice") {
    Harness h;
    lone_segment_lost(h, 1460);
  }
  SECTION("a lone small segment lost twice (no_delay)") {
    Harness h(HarnessOptions{.tcp = tcp::TcpConfig{.no_delay = true}});
    lone_segment_lost(h, 1000);
  }
  SECTION("random loss both ways: the transfer still completes intact") {
    Harness h;
    tcp::Connection* pc = accepted(h);
    const ConnId id = h.events.accepted[0];
    uint64_t n = 0;
    h.drop_to_peer = [&](std::span<const uint8_t>) { return ++n % 17 == 0; };
    h.drop_to_shard = [&](std::span<const uint8_t>) { return ++n % 19 == 0; };
    App shard_app{.seed = 6, .to_send = 400'000};
    App peer_app{.seed = 7, .to_send = 300'000};
    h.events.sync = [&](ConnId c, tcp::Connection& conn) {
      if (c == id) shard_app.pump(conn);
    };
    h.shard->kick(id);
    REQUIRE(h.run_until([&] {
      peer_app.pump(*pc);
      return peer_app.received == 400'000 && shard_app.received == 300'000;
    }));
    CHECK(h.dropped_to_peer > 10);
    CHECK(h.dropped_to_shard > 10);
    CHECK(peer_app.hash == stream_hash(6, 400'000));
    CHECK(shard_app.hash == stream_hash(7, 300'000));
    const tcp::TcpInfo info = h.shard->connection(id)->info();
    CHECK(info.retransmits > 0);
    // What the connection counted stays in the shard's totals once it ends.
    CHECK(h.shard->stats().ended_retrans_segs == 0);
    REQUIRE(h.execute(Command{.kind = CommandKind::kAbort, .conn = id}) == 0);
    REQUIRE(h.run_until([&] { return h.events.closed.size() == 1; }));
    CHECK(h.shard->stats().ended_retrans_segs == info.retransmits);
    CHECK(h.shard->stats().ended_timeouts == info.rto_count);
    CHECK(h.shard->stats().ended_recoveries == info.fast_retransmits);
    CHECK(h.shard->stats().ended_loss_probes == info.tlp_probes);
  }
}

// The engine's Nagle check once held back the go-back-N resend of a sub-MSS
// segment after an RTO (snd.nxt rewound below snd.max), so a lost small
// message was never retransmitted and the connection timed out.
TEST_CASE("RTO: a lone small segment lost with Nagle on is retransmitted (RFC 9293 3.7.4)", "[shard][rto][nagle]") {
  Harness h;
  lone_segment_lost(h, 1000);
}

TEST_CASE("TX back-pressure: a 4-frame pool carries 1 MB, every frame returns", "[shard][backpressure]") {
  Harness h(HarnessOptions{.frame_count = 4, .tx_ring = 2, .mem_size = 1u << 20});
  REQUIRE(h.listen(80) == 0);
  tcp::Connection* pc = h.peer.connect({}, h.peer_tuple(40000, 80), wire::SeqNumber(1), h.now);
  REQUIRE(h.run_until([&] { return !h.events.accepted.empty(); }));
  const ConnId id = h.events.accepted[0];
  App shard_app{.seed = 11, .to_send = 1'000'000, .close_when_sent = true};
  App peer_app{.seed = 12, .to_send = 50'000, .close_when_sent = true};
  h.events.sync = [&](ConnId c, tcp::Connection& conn) {
    if (c == id) shard_app.pump(conn);
  };
  h.shard->kick(id);
  REQUIRE(h.run_until([&] {
    peer_app.pump(*pc);
    return peer_app.received == shard_app.to_send && shard_app.received == peer_app.to_send &&
           h.events.closed.size() == 1;
  }));
  CHECK(peer_app.hash == stream_hash(11, 1'000'000));
  CHECK(shard_app.hash == stream_hash(12, 50'000));
  const ShardStats& s = h.shard->stats();
  CHECK(s.tx_no_frame > 0);  // it really ran out of frames
  CHECK(s.tx_frames > 1'000'000 / 1460);  // at least the data segments
  CHECK(h.io.free_frames() == 4);
  CHECK(h.io.bad_handles() == 0);
  CHECK(h.mem.live() == 0);
}

TEST_CASE("steering entries follow listen, accept, connect, close and abort", "[shard][steering]") {
  Harness h;
  REQUIRE(h.listen(80) == 0);
  CHECK(h.steering.calls == std::vector<std::string>{"add_listener:80"});
  tcp::Connection* pc = h.peer.connect({}, h.peer_tuple(40000, 80), wire::SeqNumber(1), h.now);
  REQUIRE(h.run_until([&] { return !h.events.accepted.empty(); }));
  CHECK(h.steering.calls.back() == "add_flow:40000");
  REQUIRE(h.steering.flows.size() == 1);

  // Active open, then abort: the flow entry goes with the connection.
  h.peer.listen({}, 443, [](const FourTuple&, Instant) { return wire::SeqNumber(5); });
  REQUIRE(h.execute(Command{.kind = CommandKind::kConnect, .remote = h.peer_ip, .remote_port = 443}) == 0);
  const ConnId active = h.events.done.back().conn;
  CHECK(h.steering.calls.back() == "add_flow:443");
  REQUIRE(h.run_until([&] { return h.events.established.size() == 1; }));
  REQUIRE(h.execute(Command{.kind = CommandKind::kAbort, .conn = active}) == 0);
  REQUIRE(h.run_until([&] { return h.events.closed.size() == 1; }));
  CHECK(h.events.closed_err[0] == tcp::TcpError::kConnectionAborted);
  CHECK(h.steering.calls.back() == "remove_flow:443");
  tcp::Connection* pc2 = h.peer.find(FourTuple{h.peer_ip, 443, h.shard_ip, 0});
  (void)pc2;

  // Orderly close of the passive one (the peer closes too).
  const ConnId passive = h.events.accepted[0];
  REQUIRE(h.execute(Command{.kind = CommandKind::kClose, .conn = passive}) == 0);
  REQUIRE(h.run_until([&] {
    if (pc->peer_closed() && pc->state() == tcp::State::kCloseWait) pc->close();
    return h.events.closed.size() == 2;
  }));
  // The shard closed first: its TIME-WAIT record keeps the flow entry (so
  // the tuple's segments still reach it) until 2*MSL is over.
  CHECK(h.shard->connection_count() == 0);
  CHECK(h.shard->time_wait_count() == 1);
  REQUIRE(h.steering.flows.size() == 1);
  CHECK(h.steering.flows[0].remote_port == 40000);
  REQUIRE(h.run_until([&] { return h.shard->time_wait_count() == 0; }));
  CHECK(h.steering.calls.back() == "remove_flow:40000");
  CHECK(h.steering.flows.empty());
  REQUIRE(h.execute(Command{.kind = CommandKind::kUnlisten, .local = IpAddress{}, .local_port = 80}) == 0);
  CHECK(h.steering.calls.back() == "remove_listener:80");
  CHECK(h.steering.listeners.empty());
  CHECK(h.mem.live() == 0);
}

TEST_CASE("active open waits for the next-hop MAC, then gives up", "[shard][neighbour]") {
  Harness h;
  h.peer.listen({}, 443, [](const FourTuple&, Instant) { return wire::SeqNumber(5); });
  const IpAddress unknown = IpAddress::v4(10, 77, 0, 9);
  REQUIRE(h.execute(Command{.kind = CommandKind::kConnect, .remote = unknown, .remote_port = 443}) == 0);
  const ConnId id = h.events.done.back().conn;
  h.step();
  CHECK(h.io.frames_sent() == 0);
  CHECK(h.shard->stats().neighbour_pending >= 1);
  SECTION("resolved later: the SYN goes out") {
    h.neigh.add(unknown, h.peer_mac);
    h.now = h.now + Duration::millis(20);
    h.step();
    CHECK(h.io.frames_sent() == 1);
    CHECK(h.shard->connection(id)->state() == tcp::State::kSynSent);
  }
  SECTION("never resolved: the connection fails after neighbour_timeout") {
    REQUIRE(h.run_until([&] { return h.events.closed.size() == 1; }));
    CHECK(h.now - Instant::from_micros(1'000'000) >= kDefaultNeighbourTimeout);
    CHECK(h.shard->stats().neighbour_failed == 1);
    CHECK(h.io.frames_sent() == 0);
    CHECK(h.mem.live() == 0);
    CHECK(h.steering.flows.empty());
  }
}

TEST_CASE("memory of a connection that dies in the SYN queue is returned", "[shard][memory]") {
  Harness h;
  REQUIRE(h.listen(80) == 0);
  // A SYN whose SYN-ACKs all vanish: the listener gives up after its retries.
  h.drop_to_peer = [](std::span<const uint8_t>) { return true; };
  h.inject(h.peer_tuple(41000, 80), wire::TcpRepr{.src_port = 41000, .dst_port = 80,
                                                  .seq = wire::SeqNumber(1), .flags = f::kSyn,
                                                  .window = 1000});
  h.step();
  CHECK(h.mem.live() == 1);
  REQUIRE(h.run_until([&] { return h.shard->next_deadline() == Instant::never(); }));
  CHECK(h.dropped_to_peer >= 2);  // the SYN-ACK and its retransmissions
  CHECK(h.mem.live() == 0);
  CHECK(h.events.accepted.empty());
}

TEST_CASE("a refused BPF flow insert fails the active open with ENOBUFS, counted", "[shard][steering]") {
  Harness h;
  h.peer.listen({}, 443, [](const FourTuple&, Instant) { return wire::SeqNumber(5); });
  h.steering.refuse_flows = -E2BIG;  // what a full BPF hash map answers
  CHECK(h.execute(Command{.kind = CommandKind::kConnect, .remote = h.peer_ip, .remote_port = 443}) ==
        -ENOBUFS);
  CHECK(h.shard->stats().flow_steering_refused == 1);
  h.step();
  CHECK(h.io.frames_sent() == 0);  // no SYN whose answer would go to the kernel
  CHECK(h.mem.live() == 0);
  CHECK(h.steering.flows.empty());
  // Room again: the next open works, on the slot and tuple space freed.
  h.steering.refuse_flows = 0;
  REQUIRE(h.execute(Command{.kind = CommandKind::kConnect, .remote = h.peer_ip, .remote_port = 443}) == 0);
  REQUIRE(h.run_until([&] { return h.events.established.size() == 1; }));
}
