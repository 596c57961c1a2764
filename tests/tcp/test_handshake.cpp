// Opening: active and passive open, simultaneous open, SYN retries, and the
// options negotiated on the SYNs (RFC 9293 3.5, 3.7.1; RFC 7323; RFC 2018).
#include "harness.h"

namespace xtcp::tcp::test {

TEST_CASE("SYN-SENT: connect sends a SYN with our options (RFC 9293 3.10.1)", "[handshake]") {
  TcpConfig cfg = config();
  cfg.window_scaling = true;
  cfg.sack = true;
  auto c = Connection::connect(cfg, tuple(), L, ms(0));
  expect(*c, 0, {{.seq = L, .flags = SYN, .window = 4096,
                  .options = {.mss = 1000, .window_scale = 7, .sack_permitted = true}}});
  expect_nothing(*c, 0);
  CHECK(c->state() == State::kSynSent);
}

TEST_CASE("SYN-SENT: SYN-ACK establishes and is acknowledged (RFC 9293 3.10.7.3)", "[handshake]") {
  auto c = syn_sent();
  send(*c, 10, {.seq = R, .ack = L + 1, .flags = SYN | ACK, .window = 8192, .options = {.mss = 1000}});
  CHECK(c->state() == State::kEstablished);
  expect(*c, 10, {{.seq = L + 1, .ack = R + 1, .flags = ACK, .window = 4096}});
  CHECK(c->info().snd_wnd == 8192);
  CHECK(c->info().srtt == Duration::millis(10));  // RTT sample from the SYN
}

TEST_CASE("SYN-SENT: ACK not covering our SYN gets a RST (RFC 9293 3.10.7.3)", "[handshake]") {
  auto c = syn_sent();
  send(*c, 1, {.seq = R, .ack = L + 100, .flags = SYN | ACK, .window = 8192});
  expect(*c, 1, {{.seq = L + 100, .flags = RST, .window = 0}});
  CHECK(c->state() == State::kSynSent);
}

TEST_CASE("SYN-SENT: RST with acceptable ACK refuses (RFC 9293 3.10.7.3)", "[handshake][rst]") {
  auto c = syn_sent();
  send(*c, 1, {.seq = SeqNumber(0), .ack = L + 1, .flags = RST | ACK});
  CHECK(c->state() == State::kClosed);
  CHECK(c->error() == TcpError::kConnectionRefused);
  CHECK(c->can_read());
}

TEST_CASE("SYN-SENT: RST without ACK is ignored (RFC 9293 3.10.7.3)", "[handshake][rst]") {
  auto c = syn_sent();
  send(*c, 1, {.seq = R, .flags = RST});
  CHECK(c->state() == State::kSynSent);
}

TEST_CASE("SYN-SENT: SYN retries back off then time out (RFC 6298 5.5, 5.7)", "[handshake][retransmit]") {
  TcpConfig cfg = config();
  cfg.syn_retries = 2;
  auto c = syn_sent(cfg);
  CHECK(c->poll_at() == ms(1000));  // initial RTO 1 s
  expect_nothing(*c, 999);
  expect(*c, 1000, {{.seq = L, .flags = SYN, .window = 4096, .options = {.mss = 1000}}});
  CHECK(c->poll_at() == ms(3000));  // doubled
  expect(*c, 3000, {{.seq = L, .flags = SYN, .window = 4096, .options = {.mss = 1000}}});
  CHECK(c->poll_at() == ms(7000));
  expect_nothing(*c, 7000);
  CHECK(c->state() == State::kClosed);
  CHECK(c->error() == TcpError::kTimedOut);
}

TEST_CASE("SYN-SENT: Karn - no RTT sample from a retransmitted SYN (RFC 6298 3)", "[handshake][retransmit]") {
  auto c = syn_sent();
  drain(*c, 1000);  // SYN resent
  send(*c, 1010, {.seq = R, .ack = L + 1, .flags = SYN | ACK, .window = 8192});
  CHECK(c->state() == State::kEstablished);
  CHECK(c->info().srtt == Duration{});  // ambiguous: no sample
}

TEST_CASE("SYN-SENT: simultaneous open (RFC 9293 3.5 figure 7)", "[handshake][simultaneous]") {
  auto c = syn_sent();
  send(*c, 1, {.seq = R, .flags = SYN, .window = 8192, .options = {.mss = 1000}});
  CHECK(c->state() == State::kSynReceived);
  expect(*c, 1, {{.seq = L, .ack = R + 1, .flags = SYN | ACK, .window = 4096,
                  .options = {.mss = 1000}}});
  send(*c, 2, {.seq = R, .ack = L + 1, .flags = SYN | ACK, .window = 8192});
  // The peer's SYN-ACK repeats its SYN (seq R, below RCV.NXT): not acceptable,
  // but its ACK matters only in order; the plain ACK completes the open.
  send(*c, 2, {.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 8192});
  CHECK(c->state() == State::kEstablished);
}

TEST_CASE("SYN-RECEIVED: passive open sends SYN-ACK echoing options (RFC 9293 3.10.7.2)", "[handshake]") {
  TcpConfig cfg = config();
  cfg.window_scaling = true;
  cfg.sack = true;
  cfg.timestamps = true;
  TcpRepr syn{.src_port = kRemotePort, .dst_port = kLocalPort, .seq = R, .flags = SYN,
              .window = 8192,
              .options = {.mss = 1200, .window_scale = 3, .sack_permitted = true,
                          .timestamps = wire::Timestamps{500, 0}}};
  auto c = Connection::accept_syn(cfg, tuple(), syn, L, ms(0));
  Sent s;
  REQUIRE(poll(*c, 0, s));
  CHECK(s.repr.flags == (SYN | ACK));
  CHECK(s.repr.seq == L);
  CHECK(s.repr.ack == R + 1);
  CHECK(s.repr.window == 4096);  // SYN windows are never scaled (RFC 7323 2.2)
  CHECK(s.repr.options.mss == 1000);
  CHECK(s.repr.options.window_scale == 7);
  CHECK(s.repr.options.sack_permitted);
  REQUIRE(s.repr.options.timestamps);
  CHECK(s.repr.options.timestamps->tsecr == 500);  // TS.Recent echoed
  TcpInfo i = c->info();
  CHECK(i.snd_mss == 1000);  // min(ours, peer's)
  CHECK(i.snd_wscale == 3);
  CHECK(i.rcv_wscale == 7);
  CHECK(i.sack);
  CHECK(i.timestamps);
}

TEST_CASE("SYN-RECEIVED: no options offered means none used, peer MSS 536 (RFC 9293 3.7.1)", "[handshake][options]") {
  TcpConfig cfg = config();
  cfg.window_scaling = true;
  cfg.sack = true;
  cfg.timestamps = true;
  auto c = syn_received(cfg, {});
  TcpInfo i = c->info();
  CHECK(i.snd_mss == 536);
  CHECK(i.snd_wscale == 0);
  CHECK(i.rcv_wscale == 0);
  CHECK_FALSE(i.sack);
  CHECK_FALSE(i.timestamps);
}

TEST_CASE("SYN-RECEIVED: window scale above 14 is clamped (RFC 7323 2.3)", "[handshake][options]") {
  TcpConfig cfg = config();
  cfg.window_scaling = true;
  auto c = syn_received(cfg, {.mss = 1000, .window_scale = 20});
  CHECK(c->info().snd_wscale == 14);
}

TEST_CASE("SYN-RECEIVED: the ACK establishes (RFC 9293 3.10.7.4)", "[handshake]") {
  auto c = syn_received();
  send(*c, 5, {.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 8192});
  CHECK(c->state() == State::kEstablished);
  expect_nothing(*c, 5);
}

TEST_CASE("SYN-RECEIVED: bad ACK gets a RST (RFC 9293 3.10.7.4)", "[handshake][rst]") {
  auto c = syn_received();
  send(*c, 5, {.seq = R + 1, .ack = L + 50, .flags = ACK, .window = 8192});
  CHECK(c->state() == State::kSynReceived);
  expect(*c, 5, {{.seq = L + 50, .flags = RST, .window = 0}});
}

TEST_CASE("SYN-RECEIVED: retransmitted SYN resends the SYN-ACK", "[handshake]") {
  auto c = syn_received();
  send(*c, 5, {.seq = R, .flags = SYN, .window = 8192, .options = {.mss = 1000}});
  expect(*c, 5, {{.seq = L, .ack = R + 1, .flags = SYN | ACK, .window = 4096,
                  .options = {.mss = 1000}}});
}

TEST_CASE("SYN-RECEIVED: SYN-ACK retransmission on RTO", "[handshake][retransmit]") {
  auto c = syn_received();
  expect_nothing(*c, 999);
  expect(*c, 1000, {{.seq = L, .ack = R + 1, .flags = SYN | ACK, .window = 4096,
                     .options = {.mss = 1000}}});
}

TEST_CASE("SYN-RECEIVED: RST returns the entry to LISTEN (closed) (RFC 9293 3.10.7.4)", "[handshake][rst]") {
  auto c = syn_received();
  send(*c, 5, {.seq = R + 1, .flags = RST});
  CHECK(c->state() == State::kClosed);
}

TEST_CASE("Handshake data: MSS is clamped to our config and to the MTU", "[handshake][options]") {
  TcpConfig cfg = config();
  cfg.mss = 9000;
  cfg.mtu = 1500;
  auto c = Connection::connect(cfg, tuple(), L, ms(0));
  Sent s;
  REQUIRE(poll(*c, 0, s));
  CHECK(s.repr.options.mss == 1460);
}

}  // namespace xtcp::tcp::test

namespace xtcp::tcp::test {

TEST_CASE("Every state change goes through one traced door", "[states]") {
  std::vector<std::string> seen;
  auto c = syn_sent();
  c->set_trace([&](const Connection&, State from, State to) {
    seen.push_back(std::string(to_string(from)) + "=>" + to_string(to));
  });
  send(*c, 0, {.seq = R, .ack = L + 1, .flags = SYN | ACK, .window = 8192});
  drain(*c, 0);
  c->close();
  drain(*c, 0);
  send(*c, 1, {.seq = R + 1, .ack = L + 2, .flags = FIN | ACK, .window = 8192});
  drain(*c, 1);
  drain(*c, 70000);
  CHECK(seen == std::vector<std::string>{"SYN-SENT=>ESTABLISHED", "ESTABLISHED=>FIN-WAIT-1",
                                         "FIN-WAIT-1=>FIN-WAIT-2", "FIN-WAIT-2=>TIME-WAIT",
                                         "TIME-WAIT=>CLOSED"});
}

TEST_CASE("Listener hands out caller ring memory and the trace hook", "[listener][buffers]") {
  std::vector<uint8_t> rx(4096), tx(4096);
  int traced = 0;
  Listener l(config(), kLocalPort, [](const FourTuple&, Instant) { return L; });
  l.set_buffer_provider([&](const FourTuple&) { return BufferMemory{rx, tx}; });
  l.set_trace([&](const Connection&, State, State) { ++traced; });
  l.on_segment(tuple(), {.src_port = kRemotePort, .dst_port = kLocalPort, .seq = R, .flags = SYN,
                         .window = 8192}, ms(0));
  FourTuple t;
  OutSegment out;
  REQUIRE(l.poll_transmit(ms(0), t, out));
  l.on_segment(tuple(), {.src_port = kRemotePort, .dst_port = kLocalPort, .seq = R + 1,
                         .ack = L + 1, .flags = ACK, .window = 8192, .payload = bytes("mem")},
               ms(1));
  auto c = l.accept();
  REQUIRE(c);
  CHECK(std::memcmp(rx.data(), "mem", 3) == 0);
  CHECK(traced == 1);  // SYN-RECEIVED => ESTABLISHED
}

}  // namespace xtcp::tcp::test
