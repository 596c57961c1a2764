// Passive open through the Listener: SYN queue, accept queue, backlogs and
// overflow, RSTs from LISTEN (RFC 9293 3.10.7.2), SYN-ACK retries; and the
// Endpoint demux (RST for unknown ports, RFC 6191 TIME-WAIT reuse).
#include "harness.h"
#include "tcp/endpoint.h"

namespace xtcp::tcp::test {

namespace {
IsnSource fixed_isn() {
  return [](const FourTuple&, Instant) { return L; };
}
FourTuple peer(uint16_t port) {
  FourTuple t = tuple();
  t.remote_port = port;
  return t;
}
TcpRepr syn_from(uint16_t port, SeqNumber seq = R) {
  return {.src_port = port, .dst_port = kLocalPort, .seq = seq, .flags = SYN, .window = 8192,
          .options = {.mss = 1000}};
}
}  // namespace

TEST_CASE("LISTEN: SYN -> SYN-ACK -> ACK -> accept (RFC 9293 3.10.7.2)", "[listener]") {
  Listener l(config(), kLocalPort, fixed_isn());
  l.on_segment(tuple(), syn_from(kRemotePort), ms(0));
  CHECK(l.syn_queue_len() == 1);
  FourTuple t;
  OutSegment out;
  REQUIRE(l.poll_transmit(ms(0), t, out));
  CHECK(t == tuple());
  CHECK(out.repr.flags == (SYN | ACK));
  CHECK(out.repr.ack == R + 1);
  CHECK(out.repr.seq == L);
  CHECK(l.accept() == nullptr);  // not established yet
  l.on_segment(tuple(), {.src_port = kRemotePort, .dst_port = kLocalPort, .seq = R + 1,
                         .ack = L + 1, .flags = ACK, .window = 8192}, ms(1));
  CHECK(l.accept_queue_len() == 1);
  auto c = l.accept();
  REQUIRE(c);
  CHECK(c->state() == State::kEstablished);
  CHECK(l.accept_queue_len() == 0);
}

TEST_CASE("LISTEN: data before accept() is queued in the connection", "[listener]") {
  Listener l(config(), kLocalPort, fixed_isn());
  l.on_segment(tuple(), syn_from(kRemotePort), ms(0));
  FourTuple t;
  OutSegment out;
  REQUIRE(l.poll_transmit(ms(0), t, out));  // the SYN-ACK
  l.on_segment(tuple(), {.src_port = kRemotePort, .dst_port = kLocalPort, .seq = R + 1,
                         .ack = L + 1, .flags = ACK | PSH, .window = 8192,
                         .payload = bytes("early")}, ms(1));
  auto c = l.accept();
  REQUIRE(c);
  CHECK(c->recv_queue_len() == 5);
}

TEST_CASE("LISTEN: ACK gets a RST, RST is ignored (RFC 9293 3.10.7.2)", "[listener][rst]") {
  Listener l(config(), kLocalPort, fixed_isn());
  l.on_segment(tuple(), {.src_port = kRemotePort, .dst_port = kLocalPort, .seq = R,
                         .ack = SeqNumber(555), .flags = ACK}, ms(0));
  FourTuple t;
  OutSegment out;
  REQUIRE(l.poll_transmit(ms(0), t, out));
  CHECK(out.repr.flags == RST);
  CHECK(out.repr.seq == SeqNumber(555));
  CHECK(out.repr.dst_port == kRemotePort);
  l.on_segment(tuple(), {.src_port = kRemotePort, .dst_port = kLocalPort, .seq = R, .flags = RST},
               ms(0));
  CHECK_FALSE(l.poll_transmit(ms(0), t, out));
  CHECK(l.syn_queue_len() == 0);
}

TEST_CASE("LISTEN: SYN queue overflow drops new SYNs", "[listener][backlog]") {
  Listener l(config(), kLocalPort, fixed_isn(), /*syn_backlog=*/2, /*accept_backlog=*/8);
  for (uint16_t p = 1000; p < 1005; ++p) l.on_segment(peer(p), syn_from(p), ms(0));
  CHECK(l.syn_queue_len() == 2);
  CHECK(l.stats().syn_queue_overflows == 3);
  FourTuple t;
  OutSegment out;
  int synacks = 0;
  while (l.poll_transmit(ms(0), t, out)) ++synacks;
  CHECK(synacks == 2);
}

TEST_CASE("LISTEN: a full accept queue drops new SYNs until accept()", "[listener][backlog]") {
  Listener l(config(), kLocalPort, fixed_isn(), 8, /*accept_backlog=*/1);
  auto complete = [&](uint16_t p) {
    l.on_segment(peer(p), syn_from(p), ms(0));
    FourTuple t;
    OutSegment out;
    while (l.poll_transmit(ms(0), t, out)) {}
    l.on_segment(peer(p), {.src_port = p, .dst_port = kLocalPort, .seq = R + 1, .ack = L + 1,
                           .flags = ACK, .window = 8192}, ms(1));
  };
  complete(1000);
  CHECK(l.accept_queue_len() == 1);
  l.on_segment(peer(1001), syn_from(1001), ms(2));
  CHECK(l.syn_queue_len() == 0);
  CHECK(l.stats().accept_queue_overflows == 1);
  REQUIRE(l.accept());
  complete(1001);
  CHECK(l.accept_queue_len() == 1);
}

TEST_CASE("LISTEN: SYN-ACK is retransmitted, then the entry expires", "[listener][retransmit]") {
  TcpConfig cfg = config();
  cfg.syn_retries = 1;
  Listener l(cfg, kLocalPort, fixed_isn());
  l.on_segment(tuple(), syn_from(kRemotePort), ms(0));
  FourTuple t;
  OutSegment out;
  REQUIRE(l.poll_transmit(ms(0), t, out));
  CHECK(l.poll_at() == ms(1000));
  REQUIRE(l.poll_transmit(ms(1000), t, out));
  CHECK(out.repr.flags == (SYN | ACK));
  CHECK_FALSE(l.poll_transmit(ms(3000), t, out));
  CHECK(l.syn_queue_len() == 0);
}

TEST_CASE("Endpoint: segment to an unknown port gets a RST (RFC 9293 3.10.7.1)", "[endpoint][rst]") {
  Endpoint ep;
  ep.on_segment(tuple(), syn_from(kRemotePort), ms(0));
  FourTuple t;
  OutSegment out;
  REQUIRE(ep.poll_transmit(ms(0), t, out));
  CHECK(out.repr.flags == (RST | ACK));
  CHECK(out.repr.ack == R + 1);
}

TEST_CASE("Endpoint: a newer SYN reopens a TIME-WAIT tuple (RFC 6191)", "[endpoint][timewait]") {
  Endpoint ep;
  ep.listen(config(), kLocalPort, fixed_isn());
  auto deliver = [&](TcpRepr seg, int64_t t) {
    seg.src_port = kRemotePort;
    seg.dst_port = kLocalPort;
    ep.on_segment(tuple(), seg, ms(t));
  };
  FourTuple t;
  OutSegment out;
  deliver(syn_from(kRemotePort), 0);
  while (ep.poll_transmit(ms(0), t, out)) {}
  deliver({.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 8192}, 1);
  Connection* c = ep.accept(kLocalPort);
  REQUIRE(c);
  c->close();  // we close first: we end in TIME-WAIT
  while (ep.poll_transmit(ms(2), t, out)) {}
  deliver({.seq = R + 1, .ack = L + 2, .flags = FIN | ACK, .window = 8192}, 3);
  REQUIRE(c->state() == State::kTimeWait);
  deliver(syn_from(kRemotePort, R + 1000000), 4);
  Connection* gone = ep.find(tuple());
  CHECK(gone == nullptr);  // the old one was dropped; a new handshake began
  REQUIRE(ep.poll_transmit(ms(4), t, out));
  CHECK(out.repr.flags == (SYN | ACK));
  CHECK(out.repr.ack == R + 1000001);
}

}  // namespace xtcp::tcp::test
