// TIME-WAIT as a compact record (tcp/time_wait.h): when a connection may be
// replaced by one, what it holds, and the RFC 9293 3.10.7.4 answers it
// gives, checked against what the full connection answers.
#include "harness.h"
#include "tcp/time_wait.h"

namespace xtcp::tcp::test {

namespace {

TimeWaitRecord record_of(const Connection& c) {
  std::optional<TimeWaitRecord> r = c.time_wait_record();
  REQUIRE(r.has_value());
  return *r;
}

TcpRepr peer(TcpRepr seg) {
  seg.src_port = kRemotePort;
  seg.dst_port = kLocalPort;
  return seg;
}

}  // namespace

TEST_CASE("TIME-WAIT record: holds the tuple, sequence state, window and deadline", "[timewait][record]") {
  auto c = time_wait();
  const TimeWaitRecord r = record_of(*c);
  CHECK(r.tuple == tuple());
  CHECK(r.snd_nxt == L + 2);
  CHECK(r.rcv_nxt == R + 2);
  CHECK(r.window == 4095);
  CHECK_FALSE(r.ts_ok);
  CHECK(r.deadline == ms(60000));  // 2 MSL from entering TIME-WAIT
}

TEST_CASE("TIME-WAIT record: only once the last ACK left and the app closed", "[timewait][record]") {
  SECTION("the ACK of the peer's FIN is still owed") {
    auto c = fin_wait_2();
    send(*c, 0, {.seq = R + 1, .ack = L + 2, .flags = FIN | ACK, .window = 8192});
    REQUIRE(c->state() == State::kTimeWait);
    CHECK_FALSE(c->time_wait_record().has_value());
    drain(*c, 0);
    CHECK(c->time_wait_record().has_value());
  }
  SECTION("the app only shut down writing: it may still read") {
    auto c = established();
    c->shutdown_write();
    drain(*c, 0);
    send(*c, 0, {.seq = R + 1, .ack = L + 2, .flags = ACK, .window = 8192});
    send(*c, 0, {.seq = R + 1, .ack = L + 2, .flags = FIN | ACK, .window = 8192});
    drain(*c, 0);
    REQUIRE(c->state() == State::kTimeWait);
    CHECK_FALSE(c->time_wait_record().has_value());
  }
  SECTION("not in TIME-WAIT") {
    CHECK_FALSE(last_ack()->time_wait_record().has_value());
    CHECK_FALSE(fin_wait_2()->time_wait_record().has_value());
  }
}

TEST_CASE("TIME-WAIT record: retransmitted FIN is ACKed as the connection would, and restarts 2 MSL", "[timewait][record]") {
  auto c = time_wait();
  TimeWaitRecord r = record_of(*c);
  const TcpRepr fin = peer({.seq = R + 1, .ack = L + 2, .flags = FIN | ACK, .window = 8192});
  CHECK(time_wait_segment(r, fin, ms(30000), Duration::seconds(60)) == TimeWaitVerdict::kAck);
  CHECK(r.deadline == ms(90000));
  send(*c, 30000, fin);
  expect(*c, 30000, {time_wait_ack(r, ms(30000))});
}

TEST_CASE("TIME-WAIT record: RST with SEG.SEQ = RCV.NXT drops it (no RFC 1337), others are ignored", "[timewait][record][rst]") {
  TimeWaitRecord r = record_of(*time_wait());
  const Duration tw = Duration::seconds(60);
  CHECK(time_wait_segment(r, peer({.seq = R + 3, .flags = RST}), ms(1), tw) == TimeWaitVerdict::kDrop);
  CHECK(time_wait_segment(r, peer({.seq = R + 1, .ack = L + 2, .flags = RST | ACK}), ms(1), tw) ==
        TimeWaitVerdict::kDrop);
  CHECK(time_wait_segment(r, peer({.seq = R + 2, .flags = RST}), ms(1), tw) == TimeWaitVerdict::kClose);
  // The full connection agrees: the same RST closes it.
  auto c = time_wait();
  send(*c, 1, {.seq = R + 2, .flags = RST});
  CHECK(c->state() == State::kClosed);
}

TEST_CASE("TIME-WAIT record: a bare ACK is dropped, data and old segments are ACKed", "[timewait][record]") {
  TimeWaitRecord r = record_of(*time_wait());
  const Duration tw = Duration::seconds(60);
  CHECK(time_wait_segment(r, peer({.seq = R + 2, .ack = L + 2, .flags = ACK, .window = 8192}), ms(1), tw) ==
        TimeWaitVerdict::kDrop);
  CHECK(time_wait_segment(r, peer({.seq = R + 2, .ack = L + 2, .flags = ACK | PSH, .window = 8192,
                                   .payload = bytes("late")}),
                          ms(1), tw) == TimeWaitVerdict::kAck);
  CHECK(time_wait_segment(r, peer({.seq = R - 500, .ack = L + 2, .flags = ACK, .window = 8192}), ms(1), tw) ==
        TimeWaitVerdict::kAck);
  CHECK(r.deadline == ms(60000));  // none of these restarts the wait
  const TcpRepr a = time_wait_ack(r, ms(1));
  CHECK(a.flags == ACK);
  CHECK(a.seq == L + 2);
  CHECK(a.ack == R + 2);
  CHECK(a.src_port == kLocalPort);
  CHECK(a.dst_port == kRemotePort);
  CHECK_FALSE(a.options.timestamps.has_value());
}

TEST_CASE("TIME-WAIT record: a SYN beyond RCV.NXT reopens the tuple, an old one gets an ACK (RFC 6191, 5961 4.2)", "[timewait][record][reuse]") {
  auto c = time_wait();
  TimeWaitRecord r = record_of(*c);
  const Duration tw = Duration::seconds(60);
  const TcpRepr old_syn = peer({.seq = R, .flags = SYN, .window = 8192});
  const TcpRepr new_syn = peer({.seq = R + 100000, .flags = SYN, .window = 8192});
  CHECK(time_wait_segment(r, old_syn, ms(1), tw) == TimeWaitVerdict::kAck);
  CHECK(time_wait_segment(r, new_syn, ms(1), tw) == TimeWaitVerdict::kReopen);
  // Same decisions as the full connection's.
  CHECK_FALSE(c->accepts_new_syn(old_syn));
  CHECK(c->accepts_new_syn(new_syn));
}

TEST_CASE("TIME-WAIT record: with timestamps, TSval decides reuse and PAWS applies (RFC 6191 2, RFC 7323 5.3)", "[timewait][record][reuse][timestamps]") {
  auto c = time_wait_with_timestamps();
  TimeWaitRecord r = record_of(*c);
  REQUIRE(r.ts_ok);
  CHECK(r.ts_recent == 1001);
  const Duration tw = Duration::seconds(60);
  const TcpRepr newer = peer({.seq = R, .flags = SYN, .options = {.timestamps = wire::Timestamps{1002, 0}}});
  const TcpRepr older = peer({.seq = R + 100000, .flags = SYN, .options = {.timestamps = wire::Timestamps{1000, 0}}});
  CHECK(time_wait_segment(r, newer, ms(2), tw) == TimeWaitVerdict::kReopen);  // lower ISN, newer TSval
  CHECK(time_wait_segment(r, older, ms(2), tw) == TimeWaitVerdict::kAck);
  CHECK(c->accepts_new_syn(newer));
  CHECK_FALSE(c->accepts_new_syn(older));
  // RFC 7323 3.2: without TSopt a non-RST segment is dropped.
  CHECK(time_wait_segment(r, peer({.seq = R + 1, .ack = L + 2, .flags = FIN | ACK}), ms(2), tw) ==
        TimeWaitVerdict::kDrop);
  // The ACK carries the connection's TSval clock and echoes TS.Recent.
  const TcpRepr fin = peer({.seq = R + 1, .ack = L + 2, .flags = FIN | ACK, .window = 8192,
                            .options = {.timestamps = wire::Timestamps{1003, 0}}});
  CHECK(time_wait_segment(r, fin, ms(5000), tw) == TimeWaitVerdict::kAck);
  const TcpRepr a = time_wait_ack(r, ms(5000));
  REQUIRE(a.options.timestamps.has_value());
  CHECK(a.options.timestamps->tsecr == 1001);
  send(*c, 5000, fin);
  Sent s;
  REQUIRE(poll(*c, 5000, s));
  CHECK(s.repr.seq == a.seq);
  CHECK(s.repr.ack == a.ack);
  CHECK(s.repr.window == a.window);
  REQUIRE(s.repr.options.timestamps.has_value());
  CHECK(s.repr.options.timestamps->tsval == a.options.timestamps->tsval);
  CHECK(s.repr.options.timestamps->tsecr == a.options.timestamps->tsecr);
}

}  // namespace xtcp::tcp::test
