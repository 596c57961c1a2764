// SYN cookies in the Listener (RFC 4987 3.6): a flood that fills the SYN
// queue does not deny service to a legitimate client, and no state is kept
// for flood SYNs.
#include "harness.h"

namespace xtcp::tcp::test {

namespace {
const SecretKey kSecret = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

FourTuple from(uint16_t port, uint8_t host = 2) {
  return {wire::IpAddress::v4(10, 0, 0, 1), kLocalPort, wire::IpAddress::v4(10, 0, 1, host), port};
}
TcpRepr syn(uint16_t port, SeqNumber seq, TcpOptions o = {.mss = 1000}) {
  return {.src_port = port, .dst_port = kLocalPort, .seq = seq, .flags = SYN, .window = 8192,
          .options = o};
}
std::unique_ptr<Listener> flooded(uint32_t syn_backlog, bool cookies) {
  auto lp = std::make_unique<Listener>(config(), kLocalPort,
                                       [](const FourTuple&, Instant) { return L; }, syn_backlog, 8);
  Listener& l = *lp;
  if (cookies) l.enable_syn_cookies(kSecret);
  // The flood: spoofed SYNs whose SYN-ACKs go nowhere.
  for (uint16_t p = 2000; p < 2000 + 1000; ++p) l.on_segment(from(p, 66), syn(p, SeqNumber(p)), ms(0));
  FourTuple t;
  OutSegment out;
  while (l.poll_transmit(ms(0), t, out)) {}
  return lp;
}
}  // namespace

TEST_CASE("SYN cookies: a full SYN queue still lets a client connect (RFC 4987 3.6)", "[listener][syncookie]") {
  auto lp = flooded(4, true);
  Listener& l = *lp;
  REQUIRE(l.syn_queue_len() == 4);
  CHECK(l.stats().syn_queue_overflows == 996);
  // A legitimate client, offering every option.
  FourTuple client = from(40000);
  l.on_segment(client, syn(40000, R, {.mss = 1400, .window_scale = 7, .sack_permitted = true,
                                      .timestamps = wire::Timestamps{100, 0}}), ms(5));
  CHECK(l.syn_queue_len() == 4);  // no state kept for it
  FourTuple t;
  OutSegment out;
  REQUIRE(l.poll_transmit(ms(5), t, out));
  CHECK(t == client);
  CHECK(out.repr.flags == (SYN | ACK));
  CHECK(out.repr.ack == R + 1);
  CHECK(out.repr.dst_port == 40000);
  // Only the MSS can be honoured; the cookie ISN is not the listener's ISN.
  CHECK(out.repr.options == TcpOptions{.mss = 1000});
  CHECK(out.repr.seq != L);
  CHECK(out.repr.window == 4096);
  SeqNumber cookie = out.repr.seq;
  CHECK_FALSE(l.poll_transmit(ms(5), t, out));
  // The client's ACK returns the cookie, with the first data.
  l.on_segment(client, {.src_port = 40000, .dst_port = kLocalPort, .seq = R + 1, .ack = cookie + 1,
                        .flags = ACK | PSH, .window = 8192, .payload = bytes("hello")}, ms(6));
  CHECK(l.stats().syn_cookies_accepted == 1);
  auto c = l.accept();
  REQUIRE(c);
  CHECK(c->tuple() == client);
  CHECK(c->state() == State::kEstablished);
  CHECK(c->info().snd_mss == 1000);
  CHECK_FALSE(c->info().sack);
  CHECK_FALSE(c->info().timestamps);
  uint8_t buf[16];
  REQUIRE(c->recv(buf) == 5);
  CHECK(std::string(reinterpret_cast<char*>(buf), 5) == "hello");
  // It works both ways: the data is ACKed, our reply goes out after the cookie ISN.
  REQUIRE(c->send(bytes("world")) == 5);
  Sent s;
  REQUIRE(poll(*c, 6, s));
  CHECK(s.repr.seq == cookie + 1);
  CHECK(s.repr.ack == R + 6);
  CHECK(s.payload == std::vector<uint8_t>{'w', 'o', 'r', 'l', 'd'});
}

TEST_CASE("SYN cookies: the MSS is encoded in the cookie (rounded down)", "[listener][syncookie]") {
  TcpConfig cfg = config();
  cfg.mss = 1460;
  Listener l(cfg, kLocalPort, [](const FourTuple&, Instant) { return L; }, 1, 8);
  l.enable_syn_cookies(kSecret);
  l.on_segment(from(1), syn(1, SeqNumber(1)), ms(0));  // fills the SYN queue
  l.on_segment(from(2), syn(2, R, {.mss = 1300}), ms(0));
  FourTuple t;
  OutSegment out;
  SeqNumber cookie;
  while (l.poll_transmit(ms(0), t, out))
    if (t == from(2)) cookie = out.repr.seq;
  l.on_segment(from(2), {.src_port = 2, .dst_port = kLocalPort, .seq = R + 1, .ack = cookie + 1,
                         .flags = ACK, .window = 8192}, ms(1));
  auto c = l.accept();
  REQUIRE(c);
  CHECK(c->info().snd_mss == 1300);
}

TEST_CASE("SYN cookies: forged or stale ACKs get a RST and no connection", "[listener][syncookie][rst]") {
  auto lp = flooded(2, true);
  Listener& l = *lp;
  FourTuple client = from(40000);
  l.on_segment(client, syn(40000, R), ms(0));
  FourTuple t;
  OutSegment out;
  REQUIRE(l.poll_transmit(ms(0), t, out));
  SeqNumber cookie = out.repr.seq;
  // Wrong ACK number, wrong tuple, wrong sequence number: all refused.
  l.on_segment(client, {.src_port = 40000, .dst_port = kLocalPort, .seq = R + 1,
                        .ack = cookie + 2, .flags = ACK, .window = 8192}, ms(1));
  l.on_segment(from(40001), {.src_port = 40001, .dst_port = kLocalPort, .seq = R + 1,
                             .ack = cookie + 1, .flags = ACK, .window = 8192}, ms(1));
  l.on_segment(client, {.src_port = 40000, .dst_port = kLocalPort, .seq = R + 9,
                        .ack = cookie + 1, .flags = ACK, .window = 8192}, ms(1));
  CHECK(l.accept() == nullptr);
  int rsts = 0;
  while (l.poll_transmit(ms(1), t, out)) rsts += out.repr.flags == RST;
  CHECK(rsts == 3);
  // Cookies expire (two to three 64 s periods by default).
  l.on_segment(client, {.src_port = 40000, .dst_port = kLocalPort, .seq = R + 1,
                        .ack = cookie + 1, .flags = ACK, .window = 8192}, ms(200'000));
  CHECK(l.accept() == nullptr);
  CHECK(l.stats().syn_cookies_accepted == 0);
}

TEST_CASE("SYN cookies off: SYN-queue overflow drops the SYN", "[listener][syncookie]") {
  auto lp = flooded(4, false);
  Listener& l = *lp;
  l.on_segment(from(40000), syn(40000, R), ms(5));
  FourTuple t;
  OutSegment out;
  CHECK_FALSE(l.poll_transmit(ms(5), t, out));
  CHECK(l.stats().syn_cookies_sent == 0);
}

TEST_CASE("SYN cookies: replies to a flood stay bounded", "[listener][syncookie][hardening]") {
  Listener l(config(), kLocalPort, [](const FourTuple&, Instant) { return L; }, 1, 8);
  l.enable_syn_cookies(kSecret);
  for (uint16_t p = 1; p <= 5000; ++p) l.on_segment(from(p), syn(p, SeqNumber(p)), ms(0));
  FourTuple t;
  OutSegment out;
  int n = 0;
  while (l.poll_transmit(ms(0), t, out) && n < 10000) ++n;
  CHECK(n <= 65);  // one SYN-ACK from the queue plus the bounded reply queue
  CHECK(l.syn_queue_len() == 1);
  // Replies resume as soon as the queue drains: a later client gets its cookie.
  l.on_segment(from(9), syn(9, R), ms(1));
  REQUIRE(l.poll_transmit(ms(1), t, out));
  CHECK(t == from(9));
}

}  // namespace xtcp::tcp::test

namespace xtcp::tcp::test {

// SynCookieConfig::max_per_second: a spoofed flood costs at most that many
// cookie SYN-ACKs per second (a tenth of a second's worth at once), the
// rest are dropped and counted; the bucket refills with time, so a real
// client's SYN (or its retry) gets a cookie again.
TEST_CASE("SYN cookies: the reply rate to a flood is limited and refills", "[listener][syncookie][hardening]") {
  Listener l(config(), kLocalPort, [](const FourTuple&, Instant) { return L; }, 1, 8);
  l.enable_syn_cookies(kSecret, SynCookieConfig{.max_per_second = 100});
  FourTuple t;
  OutSegment out;
  auto drain = [&](Instant at) {
    int n = 0;
    while (l.poll_transmit(at, t, out) && n < 10000) ++n;
    return n;
  };
  l.on_segment(from(1), syn(1, SeqNumber(1)), ms(0));  // fills the one-entry SYN queue
  (void)drain(ms(0));
  for (uint16_t p = 2; p <= 501; ++p) {  // 500 overflow SYNs at one instant
    l.on_segment(from(p), syn(p, SeqNumber(p)), ms(0));
    (void)drain(ms(0));  // the reply queue never limits here
  }
  CHECK(l.stats().syn_cookies_sent == 10);  // a tenth of a second's worth
  CHECK(l.stats().syn_cookies_limited == 490);
  // 50 ms later: 5 more tokens.
  for (uint16_t p = 600; p < 620; ++p) l.on_segment(from(p), syn(p, SeqNumber(p)), ms(50));
  CHECK(l.stats().syn_cookies_sent == 15);
  // A second later the bucket is full again (never more than its size).
  for (uint16_t p = 700; p < 720; ++p) l.on_segment(from(p), syn(p, SeqNumber(p)), ms(1050));
  CHECK(l.stats().syn_cookies_sent == 25);
  // And the cookies sent still complete a handshake.
  REQUIRE(l.poll_transmit(ms(1050), t, out));
  CHECK(out.repr.flags == (SYN | ACK));
}

}  // namespace xtcp::tcp::test
