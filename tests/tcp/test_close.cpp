// Closing: half-close, the FIN states, simultaneous close, TIME-WAIT with
// 2 MSL and RFC 6191 reuse, FIN-WAIT-2 timeout (RFC 9293 3.6, 3.10.4).
#include "harness.h"

namespace xtcp::tcp::test {

TEST_CASE("ESTABLISHED: close -> FIN-WAIT-1 -> FIN-WAIT-2 -> TIME-WAIT -> CLOSED (RFC 9293 3.6)", "[close]") {
  auto c = time_wait();
  CHECK(c->poll_at() == ms(60000));  // 2 MSL, default 60 s
  expect_nothing(*c, 59999);
  CHECK(c->state() == State::kTimeWait);
  expect_nothing(*c, 60000);
  CHECK(c->state() == State::kClosed);
  CHECK(c->error() == TcpError::kNone);
}

TEST_CASE("TIME-WAIT: duration is configurable", "[close][timewait]") {
  TcpConfig cfg = config();
  cfg.time_wait = Duration::seconds(2);
  auto c = time_wait(cfg);
  expect_nothing(*c, 2000);
  CHECK(c->state() == State::kClosed);
}

TEST_CASE("TIME-WAIT: retransmitted FIN is ACKed and restarts 2 MSL (RFC 9293 3.10.7.4)", "[close][timewait]") {
  auto c = time_wait();
  send(*c, 1000, {.seq = R + 1, .ack = L + 2, .flags = FIN | ACK, .window = 8192});
  expect(*c, 1000, {{.seq = L + 2, .ack = R + 2, .flags = ACK, .window = 4095}});
  CHECK(c->state() == State::kTimeWait);
}

TEST_CASE("TIME-WAIT: a newer SYN may reopen the tuple (RFC 6191)", "[close][timewait]") {
  auto c = time_wait();
  TcpRepr old_syn{.seq = R, .flags = SYN, .window = 8192};
  TcpRepr new_syn{.seq = R + 100000, .flags = SYN, .window = 8192};
  CHECK_FALSE(c->accepts_new_syn(old_syn));
  CHECK(c->accepts_new_syn(new_syn));
}

TEST_CASE("TIME-WAIT: with timestamps the TSval decides reuse (RFC 6191 2)", "[close][timewait][timestamps]") {
  auto c = time_wait_with_timestamps();
  TcpRepr older{.seq = R + 100000, .flags = SYN, .options = {.timestamps = wire::Timestamps{1000, 0}}};
  TcpRepr newer{.seq = R, .flags = SYN, .options = {.timestamps = wire::Timestamps{1002, 0}}};
  CHECK_FALSE(c->accepts_new_syn(older));
  CHECK(c->accepts_new_syn(newer));  // even with a lower sequence number
}

TEST_CASE("FIN-WAIT-1: FIN+ACK together go straight to TIME-WAIT (RFC 9293 3.10.7.4)", "[close]") {
  auto c = fin_wait_1();
  send(*c, 1, {.seq = R + 1, .ack = L + 2, .flags = FIN | ACK, .window = 8192});
  CHECK(c->state() == State::kTimeWait);
  expect(*c, 1, {{.seq = L + 2, .ack = R + 2, .flags = ACK, .window = 4095}});
}

TEST_CASE("Simultaneous close: FIN-WAIT-1 -> CLOSING -> TIME-WAIT (RFC 9293 3.6 figure 13)", "[close][simultaneous]") {
  auto c = closing();
  send(*c, 1, {.seq = R + 2, .ack = L + 2, .flags = ACK, .window = 8192});
  CHECK(c->state() == State::kTimeWait);
}

TEST_CASE("CLOSE-WAIT: close -> LAST-ACK -> CLOSED (RFC 9293 3.6)", "[close]") {
  auto c = last_ack();
  send(*c, 1, {.seq = R + 2, .ack = L + 2, .flags = ACK, .window = 8192});
  CHECK(c->state() == State::kClosed);
  CHECK(c->error() == TcpError::kNone);
  expect_nothing(*c, 1);
}

TEST_CASE("LAST-ACK: FIN is retransmitted on RTO", "[close][retransmit]") {
  auto c = last_ack();
  expect(*c, 1000, {{.seq = L + 1, .ack = R + 2, .flags = FIN | ACK, .window = 4095}});
}

// FIN-WAIT-2 after shutdown_write: the app still reads (fin_wait_2() closes).
std::unique_ptr<Connection> half_closed() {
  auto c = established();
  c->shutdown_write();
  expect(*c, 0, {{.seq = L + 1, .ack = R + 1, .flags = FIN | ACK, .window = 4096}});
  send(*c, 0, {.seq = R + 1, .ack = L + 2, .flags = ACK, .window = 8192});
  REQUIRE(c->state() == State::kFinWait2);
  return c;
}

TEST_CASE("Half-close: data flows to us after our FIN (RFC 9293 3.10.4)", "[close][halfclose]") {
  auto c = half_closed();
  send(*c, 1, {.seq = R + 1, .ack = L + 2, .flags = ACK | PSH, .window = 8192,
               .payload = bytes("abcd")});
  REQUIRE(c->recv_queue_len() == 4);
  uint8_t buf[8];
  CHECK(c->recv(buf) == 4);
  CHECK(std::memcmp(buf, "abcd", 4) == 0);
  CHECK(c->state() == State::kFinWait2);
  CHECK_FALSE(c->can_write());
  CHECK(c->send(bytes("x")) == 0);  // our side is shut
}

TEST_CASE("Half-close: peer FIN then we keep sending in CLOSE-WAIT", "[close][halfclose]") {
  auto c = close_wait();
  CHECK(c->peer_closed());
  CHECK(c->can_read());  // EOF is readable
  CHECK(c->send(bytes("late")) == 4);
  expect(*c, 1, {{.seq = L + 1, .ack = R + 2, .flags = ACK | PSH, .window = 4095,
                  .payload = bytes("late")}});
}

TEST_CASE("shutdown_write sends FIN after queued data", "[close][halfclose]") {
  auto c = established();
  c->send(bytes("hello"));
  c->shutdown_write();
  CHECK(c->state() == State::kFinWait1);
  expect(*c, 1, {{.seq = L + 1, .ack = R + 1, .flags = FIN | ACK | PSH, .window = 4096,
                  .payload = bytes("hello")}});
  send(*c, 2, {.seq = R + 1, .ack = L + 7, .flags = ACK, .window = 8192});
  CHECK(c->state() == State::kFinWait2);
  CHECK(c->poll_at() == Instant::never());  // half-close: no FIN-WAIT-2 timer
}

TEST_CASE("FIN-WAIT-2: orphaned connection times out", "[close]") {
  TcpConfig cfg = config();
  cfg.fin_wait2_timeout = Duration::seconds(5);
  auto c = fin_wait_2(cfg);  // close(), not shutdown_write()
  expect_nothing(*c, 5000);
  CHECK(c->state() == State::kClosed);
}

TEST_CASE("Out-of-order FIN is taken when the gap fills", "[close][ooo]") {
  auto c = established();
  send(*c, 1, {.seq = R + 4, .ack = L + 1, .flags = FIN | ACK, .window = 8192,
               .payload = bytes("efgh")});
  CHECK(c->state() == State::kEstablished);
  send(*c, 2, {.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 8192, .payload = bytes("abc")});
  CHECK(c->state() == State::kCloseWait);
  CHECK(c->recv_queue_len() == 7);
  Sent s;
  std::vector<Sent> v = drain(*c, 2);
  REQUIRE(!v.empty());
  CHECK(v.back().repr.ack == R + 9);
}

TEST_CASE("close in SYN-SENT deletes the connection (RFC 9293 3.10.4)", "[close]") {
  auto c = syn_sent();
  c->close();
  CHECK(c->state() == State::kClosed);
  expect_nothing(*c, 0);
}

TEST_CASE("abort sends RST and reports aborted (RFC 9293 3.10.5)", "[close][rst]") {
  auto c = established();
  c->abort();
  CHECK(c->state() == State::kClosed);
  CHECK(c->error() == TcpError::kConnectionAborted);
  expect(*c, 0, {{.seq = L + 1, .flags = RST, .window = 0}});
  expect_nothing(*c, 0);
}

}  // namespace xtcp::tcp::test

namespace xtcp::tcp::test {

TEST_CASE("close_discarding_input with unread data sends RST, not FIN (RFC 1122 4.2.2.13, RFC 2525 2.17)", "[close][rst]") {
  auto c = established();
  send(*c, 1, {.seq = R + 1, .ack = L + 1, .flags = ACK | PSH, .window = 8192, .payload = bytes("unread")});
  REQUIRE(c->recv_queue_len() == 6);
  c->close_discarding_input();
  expect(*c, 1, {{.seq = L + 1, .flags = RST}});
  CHECK(c->state() == State::kClosed);

  // Everything read first: the usual FIN.
  auto d = established();
  send(*d, 1, {.seq = R + 1, .ack = L + 1, .flags = ACK | PSH, .window = 8192, .payload = bytes("read")});
  uint8_t buf[8];
  REQUIRE(d->recv(buf) == 4);
  d->close_discarding_input();
  CHECK(d->state() == State::kFinWait1);
}

}  // namespace xtcp::tcp::test

namespace xtcp::tcp::test {

TEST_CASE("new data after the app closed resets the connection (RFC 1122 4.2.2.13)", "[close][rst]") {
  auto c = half_closed();
  c->close_discarding_input();  // the app is gone: nobody will read
  send(*c, 1, {.seq = R + 1, .ack = L + 2, .flags = ACK | PSH, .window = 8192, .payload = bytes("late")});
  expect(*c, 1, {{.seq = L + 2, .flags = RST}});
  CHECK(c->state() == State::kClosed);
  // Data with a FIN: the same single RST, nothing after it.
  auto f = half_closed();
  f->close_discarding_input();
  send(*f, 1, {.seq = R + 1, .ack = L + 2, .flags = FIN | ACK | PSH, .window = 8192, .payload = bytes("bye")});
  expect(*f, 1, {{.seq = L + 2, .flags = RST}});
  expect_nothing(*f, 1);
  CHECK(f->state() == State::kClosed);

  // After shutdown_write or RFC 9293 CLOSE (close()), data still flows.
  auto d = fin_wait_2();
  send(*d, 1, {.seq = R + 1, .ack = L + 2, .flags = ACK | PSH, .window = 8192, .payload = bytes("late")});
  CHECK(d->recv_queue_len() == 4);
  CHECK(d->state() == State::kFinWait2);
}

}  // namespace xtcp::tcp::test
