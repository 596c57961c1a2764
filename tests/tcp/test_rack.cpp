// RACK-TLP (RFC 8985) and PRR (RFC 6937) on a SACK connection: losses are
// found by time, a lost retransmission is resent without an RTO, a lost
// tail is probed after the PTO, and recovery sends by PRR's count.
#include "harness.h"

namespace xtcp::tcp::test {

namespace {
std::vector<uint8_t> pattern(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 7 + 3);
  return v;
}

TcpConfig sack_config() {
  TcpConfig cfg = config();
  cfg.sack = true;
  cfg.tx_buffer_size = 16384;
  return cfg;
}

// ESTABLISHED with SACK after an 8 ms handshake (min_rtt 8 ms, so the
// reordering window min_rtt / 4 is 2 ms), peer window 20000.
std::unique_ptr<Connection> sack_established() {
  auto c = syn_sent(sack_config());
  send(*c, 8, {.seq = R, .ack = L + 1, .flags = SYN | ACK, .window = 8192,
               .options = {.mss = 1000, .sack_permitted = true}});
  REQUIRE(c->state() == State::kEstablished);
  drain(*c, 8);
  send(*c, 9, {.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 20000});
  return c;
}

TcpRepr sack_ack(SeqNumber ack, SeqNumber left, SeqNumber right) {
  return {.seq = R + 1, .ack = ack, .flags = ACK, .window = 20000,
          .options = {.sack_count = 1, .sack = {{{left, right}}}}};
}
}  // namespace

TEST_CASE("RACK: a lost retransmission is resent without an RTO (RFC 8985 6.2)", "[retransmit][rack]") {
  auto c = sack_established();
  auto d = pattern(9000);
  c->send(std::span<const uint8_t>(d).first(8000));
  REQUIRE(drain(*c, 10).size() == 8);
  // Segment 1 lost, 2..8 SACKed: RACK marks it lost, recovery resends it
  // and PRR lets new data follow.
  send(*c, 20, sack_ack(L + 1, L + 1001, L + 8001));
  c->send(std::span<const uint8_t>(d).subspan(8000));
  std::vector<Sent> v = drain(*c, 20);
  REQUIRE(v.size() == 2);
  CHECK(v[0].repr.seq == L + 1);
  CHECK(v[1].repr.seq == L + 8001);
  CHECK(c->info().in_recovery);
  // The retransmission is lost too; segment 9, sent with it, arrives. One
  // RACK.rtt after it was sent the retransmission is lost: resent at once.
  send(*c, 40, sack_ack(L + 1, L + 1001, L + 9001));
  v = drain(*c, 40);
  REQUIRE(v.size() == 1);
  CHECK(v[0].repr.seq == L + 1);
  CHECK(v[0].payload.size() == 1000);
  CHECK(c->info().rto_count == 0);
  send(*c, 60, {.seq = R + 1, .ack = L + 9001, .flags = ACK, .window = 20000});
  CHECK_FALSE(c->info().in_recovery);
  CHECK(c->info().bytes_acked == 9000);
}

TEST_CASE("RACK: reordering within the window is not a loss (RFC 8985 6.2 reo_wnd)", "[retransmit][rack]") {
  auto c = sack_established();
  auto d = pattern(4000);
  c->send(d);
  REQUIRE(drain(*c, 10).size() == 4);
  send(*c, 30, {.seq = R + 1, .ack = L + 1001, .flags = ACK, .window = 20000});
  // Segment 3 arrives before 2: one SACKed segment, fewer than DupThresh,
  // so the reordering window (min_rtt / 4) applies and 2 is not lost yet.
  send(*c, 30, sack_ack(L + 1001, L + 2001, L + 3001));
  CHECK_FALSE(c->info().in_recovery);
  // 2 arrives late: the ACK covers it, no retransmission was sent.
  send(*c, 31, {.seq = R + 1, .ack = L + 3001, .flags = ACK, .window = 20000});
  send(*c, 32, {.seq = R + 1, .ack = L + 4001, .flags = ACK, .window = 20000});
  CHECK(c->info().retransmits == 0);
  CHECK(c->info().fast_retransmits == 0);
}

TEST_CASE("TLP: a lost tail is probed after the PTO, not the RTO (RFC 8985 7)", "[retransmit][rack][tlp]") {
  auto c = sack_established();
  auto d = pattern(7000);
  c->send(std::span<const uint8_t>(d).first(3000));
  REQUIRE(drain(*c, 10).size() == 3);
  send(*c, 30, {.seq = R + 1, .ack = L + 3001, .flags = ACK, .window = 20000});
  c->send(std::span<const uint8_t>(d).subspan(3000));
  REQUIRE(drain(*c, 30).size() == 4);
  // The last two segments are lost; the first two are ACKed.
  send(*c, 50, {.seq = R + 1, .ack = L + 5001, .flags = ACK, .window = 20000});
  // PTO = max(2 SRTT, 2 ms) with two segments in flight, well below the
  // 200 ms minimum RTO.
  Duration srtt = c->info().srtt;
  Duration pto = std::max(srtt * 2, Duration::millis(2));
  REQUIRE(pto < c->info().rto);
  CHECK(c->poll_at() == ms(50) + pto);
  Instant probe_at = ms(50) + pto;
  OutSegment out;
  REQUIRE(c->poll_transmit(probe_at, out));
  // No new data: the probe is the last segment sent (RFC 8985 7.3).
  CHECK(out.repr.seq == L + 6001);
  CHECK(out.payload_len() == 1000);
  CHECK(c->info().tlp_probes == 1);
  CHECK(c->info().rto_count == 0);
  // The probe's SACK shows segment 6 lost: RACK recovery resends it.
  int64_t t = probe_at.us / 1000 + 20;
  send(*c, t, sack_ack(L + 5001, L + 6001, L + 7001));
  std::vector<Sent> v = drain(*c, t);
  REQUIRE(v.size() == 1);
  CHECK(v[0].repr.seq == L + 5001);
  CHECK(c->info().rto_count == 0);
}

TEST_CASE("TLP: after lost ACKs the probe resends the last segment, and its D-SACK costs no cwnd", "[retransmit][rack][tlp]") {
  auto c = sack_established();
  auto d = pattern(12000);
  // Ten segments fill the initial window; 2000 bytes wait for ACKs.
  c->send(d);
  REQUIRE(drain(*c, 10).size() == 10);
  uint32_t cwnd = c->info().cwnd;
  // Every segment arrives, every ACK is lost. The probe is the last
  // segment again, not new data: a duplicate is answered at once, where a
  // lone new segment would wait for the receiver's delayed ACK.
  Duration pto = std::max(c->info().srtt * 2, Duration::millis(2));
  REQUIRE(c->poll_at() == ms(10) + pto);
  OutSegment out;
  REQUIRE(c->poll_transmit(ms(10) + pto, out));
  CHECK(out.repr.seq == L + 9001);
  CHECK(out.payload_len() == 1000);
  CHECK(c->info().tlp_probes == 1);
  // The receiver's answer: everything, with a D-SACK for the probe.
  int64_t t = (ms(10) + pto).us / 1000 + 9;
  send(*c, t, sack_ack(L + 10001, L + 9001, L + 10001));
  CHECK(c->info().dsacks == 1);
  CHECK_FALSE(c->info().in_recovery);
  CHECK(c->info().fast_retransmits == 0);
  CHECK(c->info().cwnd >= cwnd);  // no congestion response (RFC 8985 7.4.1)
  CHECK(c->info().rto_count == 0);
  // The queued 2000 bytes follow.
  std::vector<Sent> v = drain(*c, t);
  REQUIRE(v.size() == 2);
  CHECK(v[0].repr.seq == L + 10001);
}

TEST_CASE("TLP: a lone last segment is probed 40 ms past 2 SRTT, and a D-SACK doubles that wait", "[retransmit][rack][tlp]") {
  auto c = sack_established();
  auto d = pattern(2000);
  // One segment in flight: RFC 8985's 200 ms for the peer's delayed ACK
  // would put the PTO past the RTO; xtcp starts from Linux's 40 ms.
  c->send(std::span<const uint8_t>(d).first(1000));
  REQUIRE(drain(*c, 10).size() == 1);
  Duration pto = std::max(c->info().srtt * 2, Duration::millis(2)) + Duration::millis(40);
  REQUIRE(pto < c->info().rto);
  REQUIRE(c->poll_at() == ms(10) + pto);
  OutSegment out;
  REQUIRE(c->poll_transmit(ms(10) + pto, out));
  CHECK(out.repr.seq == L + 1);
  CHECK(c->info().tlp_probes == 1);
  // The original had arrived; the peer was holding its ACK: D-SACK.
  int64_t t = (ms(10) + pto).us / 1000 + 9;
  send(*c, t, sack_ack(L + 1001, L + 1, L + 1001));
  CHECK(c->info().dsacks == 1);
  CHECK(c->info().rto_count == 0);
  // The next lone segment waits 80 ms past 2 SRTT before its probe.
  c->send(std::span<const uint8_t>(d).subspan(1000));
  REQUIRE(drain(*c, t).size() == 1);
  Duration pto2 = std::max(c->info().srtt * 2, Duration::millis(2)) + Duration::millis(80);
  CHECK(c->poll_at() == ms(t) + pto2);
}

TEST_CASE("TLP in recovery: when the ACKs after a retransmission are lost, the hole is probed, not timed out", "[retransmit][rack][tlp]") {
  auto c = sack_established();
  auto d = pattern(8000);
  c->send(d);
  REQUIRE(drain(*c, 10).size() == 8);
  // Segment 1 lost, 2..8 SACKed: recovery resends it.
  send(*c, 20, sack_ack(L + 1, L + 1001, L + 8001));
  std::vector<Sent> v = drain(*c, 20);
  REQUIRE(v.size() == 1);
  CHECK(v[0].repr.seq == L + 1);
  REQUIRE(c->info().in_recovery);
  uint32_t ssthresh = c->info().ssthresh;
  // Nothing comes back (the retransmission, or the ACK for it, is lost).
  // With everything marked lost resent, the PTO runs in recovery too.
  Duration pto = std::max(c->info().srtt * 2, Duration::millis(2));
  REQUIRE(pto < c->info().rto);
  REQUIRE(c->poll_at() == ms(20) + pto);
  OutSegment out;
  REQUIRE(c->poll_transmit(ms(20) + pto, out));
  CHECK(out.repr.seq == L + 1);  // the oldest hole
  CHECK(out.payload_len() == 1000);
  CHECK(c->info().tlp_probes == 1);
  // It arrives: the full ACK ends recovery with its one reduction.
  int64_t t = (ms(20) + pto).us / 1000 + 9;
  send(*c, t, {.seq = R + 1, .ack = L + 8001, .flags = ACK, .window = 20000});
  CHECK_FALSE(c->info().in_recovery);
  CHECK(c->info().ssthresh == ssthresh);
  CHECK(c->info().cwnd == ssthresh);
  CHECK(c->info().rto_count == 0);
  CHECK(c->info().fast_retransmits == 1);
}

TEST_CASE("PRR: recovery sends about half a window while pipe > ssthresh (RFC 6937 3.1)", "[retransmit][rack][prr]") {
  auto c = sack_established();
  auto d = pattern(16000);
  c->send(std::span<const uint8_t>(d).first(10000));
  REQUIRE(drain(*c, 10).size() == 10);
  // Segment 1 lost; the SACKs for 2..10 come one per ACK. Limited transmit
  // sends new data during the reordering window (2 ms), then NewReno
  // halves the flight at the loss: ssthresh 5000..6000.
  c->send(std::span<const uint8_t>(d).subspan(10000));
  size_t sent = 0;
  for (int i = 2; i <= 10; ++i) {
    send(*c, 20 + i, sack_ack(L + 1, L + 1001, L + 1 + 1000u * i));
    sent += drain(*c, 20 + i).size();
  }
  CHECK(c->info().in_recovery);
  CHECK(c->info().ssthresh >= 5000);
  CHECK(c->info().ssthresh <= 6000);
  // The retransmission plus about ssthresh/RecoverFS of what was delivered
  // (9 segments * 1/2): 1 + 4 or 5 segments, never a burst of the window.
  CHECK(sent >= 4);
  CHECK(sent <= 6);
}

}  // namespace xtcp::tcp::test
