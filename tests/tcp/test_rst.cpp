// RST handling and RFC 5961 hardening: exact-match RST, challenge ACKs for
// in-window RST and SYN, ACK acceptance range, the rate limit; and the RST
// for segments that match no connection (RFC 9293 3.10.7.1).
#include "harness.h"

namespace xtcp::tcp::test {

TEST_CASE("ESTABLISHED: RST at RCV.NXT resets (RFC 5961 3.2)", "[rst]") {
  auto c = established();
  send(*c, 1, {.seq = R + 1, .flags = RST});
  CHECK(c->state() == State::kClosed);
  CHECK(c->error() == TcpError::kConnectionReset);
  CHECK(c->can_read());
  CHECK_FALSE(c->can_write());
}

TEST_CASE("ESTABLISHED: in-window RST not at RCV.NXT gets a challenge ACK (RFC 5961 3.2)", "[rst][5961]") {
  auto c = established();
  send(*c, 1, {.seq = R + 100, .flags = RST});
  CHECK(c->state() == State::kEstablished);
  expect(*c, 1, {{.seq = L + 1, .ack = R + 1, .flags = ACK, .window = 4096}});
  CHECK(c->info().challenge_acks == 1);
}

TEST_CASE("ESTABLISHED: out-of-window RST is dropped silently (RFC 5961 3.2)", "[rst][5961]") {
  auto c = established();
  send(*c, 1, {.seq = R + 100000, .flags = RST});
  CHECK(c->state() == State::kEstablished);
  expect_nothing(*c, 1);
}

TEST_CASE("ESTABLISHED: SYN gets a challenge ACK, not a reset (RFC 5961 4.2)", "[rst][5961]") {
  auto c = established();
  send(*c, 1, {.seq = R + 1, .flags = SYN, .window = 8192});
  CHECK(c->state() == State::kEstablished);
  expect(*c, 1, {{.seq = L + 1, .ack = R + 1, .flags = ACK, .window = 4096}});
  // A SYN outside the window: the acceptability test answers with an ACK too.
  send(*c, 2, {.seq = R + 1000000, .flags = SYN, .window = 8192});
  expect(*c, 2, {{.seq = L + 1, .ack = R + 1, .flags = ACK, .window = 4096}});
  CHECK(c->state() == State::kEstablished);
}

TEST_CASE("ESTABLISHED: ACK of unsent data is ACKed and dropped (RFC 5961 5.2)", "[rst][5961]") {
  auto c = established();
  send(*c, 1, {.seq = R + 1, .ack = L + 500, .flags = ACK, .window = 8192, .payload = bytes("zz")});
  expect(*c, 1, {{.seq = L + 1, .ack = R + 1, .flags = ACK, .window = 4096}});
  CHECK(c->recv_queue_len() == 0);  // the data in it was dropped too
}

TEST_CASE("ESTABLISHED: ACK far below SND.UNA - MAX.SND.WND is dropped (RFC 5961 5.2)", "[rst][5961]") {
  auto c = established();
  send(*c, 1, {.seq = R + 1, .ack = L - 100000, .flags = ACK, .window = 8192,
               .payload = bytes("zz")});
  CHECK(c->recv_queue_len() == 0);
  expect(*c, 1, {{.seq = L + 1, .ack = R + 1, .flags = ACK, .window = 4096}});
}

TEST_CASE("Challenge ACKs are rate limited per second (RFC 5961 7)", "[rst][5961]") {
  TcpConfig cfg = config();
  cfg.challenge_ack_limit = 3;
  auto c = established(cfg);
  int sent = 0;
  for (int i = 0; i < 10; ++i) {
    send(*c, 100, {.seq = R + 50 + static_cast<uint32_t>(i), .flags = RST});
    sent += static_cast<int>(drain(*c, 100).size());
  }
  CHECK(sent == 3);
  send(*c, 1200, {.seq = R + 50, .flags = RST});  // a new second
  CHECK(drain(*c, 1200).size() == 1);
}

TEST_CASE("CLOSE-WAIT, LAST-ACK, TIME-WAIT: exact RST closes without error", "[rst]") {
  auto c = time_wait();
  send(*c, 1, {.seq = R + 2, .flags = RST});
  CHECK(c->state() == State::kClosed);
  auto d = last_ack();
  send(*d, 1, {.seq = R + 2, .flags = RST});
  CHECK(d->state() == State::kClosed);
  CHECK(d->error() == TcpError::kNone);
  auto e = close_wait();
  send(*e, 1, {.seq = R + 2, .flags = RST});
  CHECK(e->error() == TcpError::kConnectionReset);
}

TEST_CASE("No connection: ACK segment gets <SEQ=SEG.ACK><CTL=RST> (RFC 9293 3.10.7.1)", "[rst]") {
  TcpRepr seg{.src_port = 1, .dst_port = 2, .seq = SeqNumber(5), .ack = SeqNumber(77),
              .flags = ACK, .payload = bytes("abc")};
  auto r = reset_for(seg);
  REQUIRE(r);
  CHECK(r->flags == RST);
  CHECK(r->seq == SeqNumber(77));
  CHECK(r->src_port == 2);
  CHECK(r->dst_port == 1);
}

TEST_CASE("No connection: non-ACK gets <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> (RFC 9293 3.10.7.1)", "[rst]") {
  TcpRepr seg{.seq = SeqNumber(0xFFFFFFFEu), .flags = SYN | FIN, .payload = bytes("abc")};
  auto r = reset_for(seg);
  REQUIRE(r);
  CHECK(r->flags == (RST | ACK));
  CHECK(r->seq == SeqNumber(0));
  CHECK(r->ack == SeqNumber(3));  // wraps: 0xFFFFFFFE + 3 + SYN + FIN
  CHECK_FALSE(reset_for(TcpRepr{.flags = RST}));  // never RST a RST
  CHECK_FALSE(reset_for(TcpRepr{.flags = RST | ACK}));
}

}  // namespace xtcp::tcp::test
