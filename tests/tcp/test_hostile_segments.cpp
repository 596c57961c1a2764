// Engine answers to hostile segments found by tests/hostile (issue 6):
// each case failed before its fix in userspace/tcp.
#include "harness.h"

namespace xtcp::tcp::test {

namespace {

TcpConfig ts_config() {
  TcpConfig cfg = config();
  cfg.timestamps = true;
  return cfg;
}

}  // namespace

TEST_CASE("Timestamps negotiated: a segment without TSopt is dropped silently (RFC 7323 3.2)",
          "[hostile][timestamps]") {
  auto c = established(ts_config(), {.mss = 1000, .timestamps = wire::Timestamps{100, 0}});
  // Forged data at RCV.NXT without the option: not delivered, no reply.
  send(*c, 1, {.seq = R + 1, .ack = L + 1, .flags = ACK | PSH, .window = 8192,
               .payload = bytes("forged")});
  CHECK(c->recv_queue_len() == 0);
  CHECK(c->info().dropped_segments == 1);
  expect_nothing(*c, 1);
  // The real bytes, with the option, at the same sequence number get in.
  send(*c, 2, {.seq = R + 1, .ack = L + 1, .flags = ACK | PSH, .window = 8192,
               .options = {.timestamps = wire::Timestamps{101, 0}}, .payload = bytes("real")});
  CHECK(c->recv_queue_len() == 4);
  std::vector<uint8_t> got(4);
  CHECK(c->recv(got) == 4);
  CHECK(std::string(got.begin(), got.end()) == "real");
}

TEST_CASE("Timestamps negotiated: a RST without TSopt still resets at RCV.NXT (RFC 7323 3.2)",
          "[hostile][timestamps][rst]") {
  auto c = established(ts_config(), {.mss = 1000, .timestamps = wire::Timestamps{100, 0}});
  send(*c, 1, {.seq = R + 1, .flags = RST});
  CHECK(c->state() == State::kClosed);
  CHECK(c->error() == TcpError::kConnectionReset);
}

TEST_CASE("Timestamps not negotiated: segments without TSopt are normal", "[hostile][timestamps]") {
  auto c = established(config());
  send(*c, 1, {.seq = R + 1, .ack = L + 1, .flags = ACK | PSH, .window = 8192,
               .payload = bytes("plain")});
  CHECK(c->recv_queue_len() == 5);
}

TEST_CASE("MSS option 48 on the SYN: no segment carries more than 48 bytes of TCP payload and options (RFC 9293 3.7.1)",
          "[hostile][mss]") {
  auto c = syn_received(config(), {.mss = 48});
  send(*c, 0, {.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 8192});
  REQUIRE(c->state() == State::kEstablished);
  auto data = std::vector<uint8_t>(500, 'x');
  REQUIRE(c->send(data) == 500);
  auto segs = drain(*c, 1);
  REQUIRE_FALSE(segs.empty());
  size_t total = 0;
  for (const Sent& s : segs) {
    CHECK(s.payload.size() <= 48);
    total += s.payload.size();
  }
  CHECK(total == 480);  // the initial window: 10 segments of 48 (RFC 6928)
  CHECK(c->info().snd_mss == 48);
}

TEST_CASE("MSS option 0 on the SYN: raised to 48, data still flows", "[hostile][mss]") {
  auto c = syn_received(config(), {.mss = 0});
  send(*c, 0, {.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 8192});
  REQUIRE(c->state() == State::kEstablished);
  CHECK(c->info().snd_mss == kMinPeerMss);
  REQUIRE(c->send(bytes("0123456789abcdef0123456789abcdef0123456789abcdef0123")) == 52);
  auto segs = drain(*c, 1);
  REQUIRE(segs.size() >= 2);
  CHECK(segs[0].payload.size() == 48);
}

}  // namespace xtcp::tcp::test

namespace xtcp::tcp::test {

TEST_CASE("Zero window over data in flight: the RTO probes the window instead of going silent (RFC 9293 3.8.6.1)",
          "[hostile][persist]") {
  auto c = established();
  auto data = std::vector<uint8_t>(3000, 'z');
  REQUIRE(c->send(data) == 3000);
  auto first = drain(*c, 0);
  REQUIRE(first.size() == 3);
  // The peer takes 1000 bytes and closes its window over the other 2000.
  send(*c, 10, {.seq = R + 1, .ack = L + 1001, .flags = ACK, .window = 0});
  expect_nothing(*c, 10);
  // Each RTO must put something on the wire: a probe below SND.UNA.
  int64_t t = 10;
  int probes = 0;
  for (int i = 0; i < 4; ++i) {
    t = c->poll_at().us / 1000 + 1;
    for (const Sent& s : drain(*c, t)) {
      CHECK(s.payload.empty());  // nothing beyond a zero window
      CHECK(s.repr.seq == L + 1000);
      ++probes;
    }
  }
  CHECK(probes == 4);
  REQUIRE(c->state() == State::kEstablished);
  // The answer reopens the window: the 2000 bytes go out again (one
  // segment per ACK at first: cwnd is 1 MSS after an RTO, RFC 5681 3.1).
  SeqNumber acked = L + 1001;
  for (int round = 0; round < 4 && acked != L + 3001; ++round) {
    send(*c, t, {.seq = R + 1, .ack = acked, .flags = ACK, .window = 8192});
    for (const Sent& s : drain(*c, t)) {
      CHECK(s.repr.seq == acked);
      acked = acked + static_cast<uint32_t>(s.payload.size());
      break;  // ACK the first: the rest is resent after it
    }
  }
  CHECK(acked == L + 3001);
}

}  // namespace xtcp::tcp::test

namespace xtcp::tcp::test {

TEST_CASE("FIN-WAIT-2 reached by shutdown, then closed by the app: a vanished peer cannot hold it", "[hostile][close]") {
  TcpConfig cfg = config();
  cfg.fin_wait2_timeout = Duration::seconds(30);
  auto c = established(cfg);
  c->shutdown_write();
  expect(*c, 0, {{.seq = L + 1, .ack = R + 1, .flags = FIN | ACK, .window = 4096}});
  send(*c, 5, {.seq = R + 1, .ack = L + 2, .flags = ACK, .window = 8192});
  REQUIRE(c->state() == State::kFinWait2);
  c->close();  // the app goes away; the peer never sends its FIN
  drain(*c, 10);
  CHECK(c->poll_at() <= ms(5 + 30000));
  drain(*c, 5 + 30001);
  CHECK(c->state() == State::kClosed);
}

TEST_CASE("LAST-ACK of an orphaned connection whose peer vanished ends after max_orphan_retransmits", "[hostile][close][retransmit]") {
  TcpConfig cfg = config();
  auto c = close_wait(cfg);
  c->close();
  REQUIRE(c->state() == State::kLastAck);
  int64_t t = 0;
  int fins = 0;
  for (int i = 0; i < 40 && c->state() != State::kClosed; ++i) {
    for (const Sent& s : drain(*c, t))
      if (s.repr.flags & FIN) ++fins;
    Instant next = c->poll_at();
    if (next == Instant::never()) break;
    t = std::max<int64_t>(t, next.us / 1000);
  }
  CHECK(c->state() == State::kClosed);
  CHECK(c->error() == TcpError::kTimedOut);
  CHECK(fins == 1 + kDefaultMaxOrphanRetransmits);  // the FIN and its resends
}

}  // namespace xtcp::tcp::test
