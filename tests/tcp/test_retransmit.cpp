// Loss recovery: RTO with backoff and Karn's rule (RFC 6298), giving up
// (ETIMEDOUT), fast retransmit and NewReno partial ACKs (RFC 5681, 6582),
// SACK-based recovery (RFC 6675), and keepalive (RFC 1122 4.2.3.6).
#include "harness.h"

namespace xtcp::tcp::test {

namespace {
std::vector<uint8_t> pattern(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 13 + 1);
  return v;
}
std::span<const uint8_t> sp(const std::vector<uint8_t>& v, size_t off, size_t len) {
  return std::span<const uint8_t>(v).subspan(off, len);
}
TcpRepr data_seg(SeqNumber seq, std::span<const uint8_t> p, uint8_t flags = ACK) {
  return {.seq = seq, .ack = R + 1, .flags = flags, .window = 4096, .payload = p};
}
}  // namespace

TEST_CASE("RTO: retransmit with exponential backoff (RFC 6298 5.4-5.6)", "[retransmit][rto]") {
  auto c = established();  // RTO = min_rto 200 ms after the SYN sample
  c->send(bytes("abc"));
  expect(*c, 10, {data_seg(L + 1, bytes("abc"), ACK | PSH)});
  CHECK(c->poll_at() == ms(210));
  expect_nothing(*c, 209);
  expect(*c, 210, {data_seg(L + 1, bytes("abc"), ACK | PSH)});
  CHECK(c->poll_at() == ms(610));  // 400 ms
  expect(*c, 610, {data_seg(L + 1, bytes("abc"), ACK | PSH)});
  CHECK(c->poll_at() == ms(1410));  // 800 ms
  CHECK(c->info().rto_count == 2);
  CHECK(c->info().retransmits == 2);
}

TEST_CASE("RTO: Karn - no sample from a retransmitted segment (RFC 6298 3)", "[retransmit][rto][karn]") {
  auto c = established();
  Duration srtt = c->info().srtt;
  c->send(bytes("abc"));
  drain(*c, 10);
  drain(*c, 210);  // retransmitted
  send(*c, 700, {.seq = R + 1, .ack = L + 4, .flags = ACK, .window = 8192});
  CHECK(c->info().srtt == srtt);  // the ACK is ambiguous: no sample
  CHECK(c->info().rto == Duration::millis(400));  // backed-off RTO kept (5.7)
  // Fresh data is timed again.
  c->send(bytes("d"));
  drain(*c, 800);
  send(*c, 850, {.seq = R + 1, .ack = L + 5, .flags = ACK, .window = 8192});
  CHECK(c->info().srtt == (srtt * 7 + Duration::millis(50)) / 8);  // RFC 6298 2.3
}

TEST_CASE("RTO: the timer restarts on each new ACK (RFC 6298 5.3)", "[retransmit][rto]") {
  auto c = established();
  auto d = pattern(2000);
  c->send(d);
  drain(*c, 10);
  send(*c, 100, {.seq = R + 1, .ack = L + 1001, .flags = ACK, .window = 8192});
  CHECK(c->poll_at() == ms(100) + c->info().rto);
}

TEST_CASE("RTO: too many retransmissions -> ETIMEDOUT", "[retransmit][rto]") {
  TcpConfig cfg = config();
  cfg.max_retransmits = 3;
  auto c = established(cfg);
  c->send(bytes("abc"));
  drain(*c, 10);
  CHECK(drain(*c, 210).size() == 1);
  CHECK(drain(*c, 610).size() == 1);
  CHECK(drain(*c, 1410).size() == 1);
  CHECK(c->poll_at() == ms(3010));
  expect_nothing(*c, 3010);
  CHECK(c->state() == State::kClosed);
  CHECK(c->error() == TcpError::kTimedOut);
}

TEST_CASE("RTO: user timeout bounds the retransmission time", "[retransmit][rto]") {
  TcpConfig cfg = config();
  cfg.user_timeout = Duration::millis(500);
  auto c = established(cfg);
  c->send(bytes("abc"));
  drain(*c, 10);
  drain(*c, 210);  // first RTO at 210
  drain(*c, 610);
  CHECK(c->state() == State::kEstablished);
  // The next backed-off RTO (1410) would overshoot: clamped to 210 + 500,
  // as Linux's tcp_clamp_rto_to_user_timeout.
  CHECK(c->poll_at() == ms(710));
  expect_nothing(*c, 710);
  CHECK(c->state() == State::kClosed);
  CHECK(c->error() == TcpError::kTimedOut);
}

TEST_CASE("RTO: TCP_USER_TIMEOUT set on a live connection, and cleared again", "[retransmit][rto]") {
  TcpConfig cfg = config();
  cfg.max_retransmits = 3;  // without a user timeout: 4th RTO at 3010 gives up
  auto c = established(cfg);
  SECTION("set: gives up at the first RTO + 300 ms") {
    c->set_user_timeout(Duration::millis(300));
    c->send(bytes("abc"));
    drain(*c, 10);
    drain(*c, 210);
    CHECK(c->poll_at() == ms(510));
    expect_nothing(*c, 510);
    CHECK(c->error() == TcpError::kTimedOut);
  }
  SECTION("cleared (0): the retry count applies again") {
    c->set_user_timeout(Duration::millis(300));
    c->set_user_timeout(Duration::millis(0));
    c->send(bytes("abc"));
    drain(*c, 10);
    drain(*c, 210);
    drain(*c, 610);
    drain(*c, 1410);
    CHECK(c->state() == State::kEstablished);
    expect_nothing(*c, 3010);
    CHECK(c->error() == TcpError::kTimedOut);
  }
}

TEST_CASE("RTO: go-back-N resends from SND.UNA with cwnd 1 MSS (RFC 5681 3.1)", "[retransmit][rto]") {
  auto c = established();
  auto d = pattern(3000);
  c->send(d);
  CHECK(drain(*c, 10).size() == 3);
  // Only one segment after the timeout, the rest once it is ACKed.
  expect(*c, 210, {data_seg(L + 1, sp(d, 0, 1000))});
  expect_nothing(*c, 210);
  CHECK(c->info().cwnd == 1000);
  send(*c, 220, {.seq = R + 1, .ack = L + 1001, .flags = ACK, .window = 8192});
  std::vector<Sent> v = drain(*c, 220);
  REQUIRE(v.size() == 2);  // slow start: cwnd 2 MSS
  CHECK(v[0].repr.seq == L + 1001);
  CHECK(v[1].repr.seq == L + 2001);
}

TEST_CASE("Fast retransmit after three duplicate ACKs (RFC 5681 3.2)", "[retransmit][fast]") {
  auto c = established();
  auto d = pattern(5000);
  c->send(d);
  CHECK(drain(*c, 10).size() == 5);
  TcpRepr dup{.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 8192};
  send(*c, 20, dup);
  send(*c, 21, dup);
  expect_nothing(*c, 21);
  send(*c, 22, dup);
  expect(*c, 22, {data_seg(L + 1, sp(d, 0, 1000))});
  CHECK(c->info().in_recovery);
  CHECK(c->info().fast_retransmits == 1);
  CHECK(c->info().ssthresh == 2500);  // max(FlightSize / 2, 2 * SMSS)
  // A non-duplicate (window change) does not count.
  send(*c, 30, {.seq = R + 1, .ack = L + 5001, .flags = ACK, .window = 8192});
  CHECK_FALSE(c->info().in_recovery);  // full ACK ends recovery (RFC 6582 3.2)
}

TEST_CASE("Duplicate ACK definition: data, window change or nothing outstanding do not count (RFC 5681 2)", "[retransmit][fast]") {
  auto c = established();
  auto d = pattern(3000);
  c->send(d);
  drain(*c, 10);
  send(*c, 20, {.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 8192, .payload = bytes("x")});
  send(*c, 21, {.seq = R + 2, .ack = L + 1, .flags = ACK, .window = 8000});
  send(*c, 22, {.seq = R + 2, .ack = L + 1, .flags = ACK, .window = 7000});
  CHECK_FALSE(c->info().in_recovery);
}

TEST_CASE("NewReno: a partial ACK retransmits the next hole at once (RFC 6582 3.2 step 4)", "[retransmit][newreno]") {
  auto c = established();
  auto d = pattern(5000);
  c->send(d);
  drain(*c, 10);  // segments 1..5; 1 and 3 are "lost"
  TcpRepr dup{.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 8192};
  for (int i = 0; i < 3; ++i) send(*c, 20 + i, dup);
  expect(*c, 22, {data_seg(L + 1, sp(d, 0, 1000))});
  // The retransmission fills hole 1; the receiver still misses segment 3.
  send(*c, 40, {.seq = R + 1, .ack = L + 2001, .flags = ACK, .window = 8192});
  CHECK(c->info().in_recovery);
  expect(*c, 40, {data_seg(L + 2001, sp(d, 2000, 1000))});
  send(*c, 60, {.seq = R + 1, .ack = L + 5001, .flags = ACK, .window = 8192});
  CHECK_FALSE(c->info().in_recovery);
  CHECK(c->info().cwnd == c->info().ssthresh);  // deflated on exit
}

TEST_CASE("NewReno: no second fast retransmit for losses of the same window (RFC 6582 3.2 step 1)", "[retransmit][newreno]") {
  auto c = established();
  auto d = pattern(5000);
  c->send(d);
  drain(*c, 10);
  TcpRepr dup{.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 8192};
  for (int i = 0; i < 3; ++i) send(*c, 20 + i, dup);
  drain(*c, 22);
  drain(*c, 300);  // RTO: recovery abandoned, recover = SND.MAX
  CHECK(c->info().rto_count == 1);
  for (int i = 0; i < 3; ++i) send(*c, 310 + i, dup);
  CHECK_FALSE(c->info().in_recovery);
  CHECK(c->info().fast_retransmits == 1);
}

TEST_CASE("SACK sender: SACKed data is not resent; holes are (RFC 6675 5)", "[retransmit][sack]") {
  TcpConfig cfg = config();
  cfg.sack = true;
  auto c = established(cfg, {.mss = 1000, .sack_permitted = true});
  auto d = pattern(5000);
  c->send(d);
  drain(*c, 10);
  // Segment 1 lost; 2..4 arrive and are SACKed (3 segments above: IsLost).
  TcpRepr ack{.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 8192,
              .options = {.sack_count = 1, .sack = {{{L + 1001, L + 4001}}}}};
  send(*c, 20, ack);
  CHECK(c->info().in_recovery);
  expect(*c, 20, {data_seg(L + 1, sp(d, 0, 1000))});
  expect_nothing(*c, 20);  // pipe: segment 5 + the retransmission; cwnd = ssthresh
  send(*c, 30, {.seq = R + 1, .ack = L + 5001, .flags = ACK, .window = 8192});
  CHECK_FALSE(c->info().in_recovery);
}

TEST_CASE("SACK sender: second hole is resent next without waiting for an RTO (RFC 6675 NextSeg)", "[retransmit][sack]") {
  TcpConfig cfg = config();
  cfg.sack = true;
  auto c = established(cfg, {.mss = 1000, .sack_permitted = true});
  send(*c, 1, {.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 20000});
  auto d = pattern(8000);
  c->send(d);
  CHECK(drain(*c, 10).size() == 8);
  // Lost: 1 and 3. SACKed: 2, 4..8.
  TcpRepr ack{.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 20000,
              .options = {.sack_count = 2, .sack = {{{L + 3001, L + 8001}, {L + 1001, L + 2001}}}}};
  send(*c, 20, ack);
  std::vector<Sent> v = drain(*c, 20);
  REQUIRE(v.size() == 2);
  CHECK(v[0].repr.seq == L + 1);
  CHECK(v[1].repr.seq == L + 2001);
}

TEST_CASE("SACK sender: blocks outside [SND.UNA, SND.NXT] are ignored (RFC 2018 / hardening)", "[retransmit][sack][hardening]") {
  TcpConfig cfg = config();
  cfg.sack = true;
  auto c = established(cfg, {.mss = 1000, .sack_permitted = true});
  auto d = pattern(2000);
  c->send(d);
  drain(*c, 10);
  TcpRepr ack{.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 8192,
              .options = {.sack_count = 2,
                          .sack = {{{L + 100000, L + 900000}, {L - 50000, L - 1000}}}}};
  for (int i = 0; i < 2; ++i) send(*c, 20 + i, ack);
  CHECK_FALSE(c->info().in_recovery);
}

TEST_CASE("SACK scoreboard: hostile blocks cannot grow it beyond its cap", "[retransmit][sack][hardening]") {
  SackScoreboard sb(4);
  SeqNumber una(1000), max(1000000);
  for (uint32_t i = 0; i < 1000; ++i) sb.add(una + 10 * i + 5, una + 10 * i + 8, una, max);
  CHECK(sb.range_count() == 4);
  CHECK(sb.sacked_bytes() == 12);
  // Lowest ranges are kept: they describe the first holes.
  CHECK(sb.range(0).left == una + 5);
  sb.advance(una + 20);
  CHECK(sb.range_count() == 2);
  CHECK(sb.sacked_bytes() == 6);
}

TEST_CASE("SACK scoreboard: merges and holes", "[retransmit][sack]") {
  SackScoreboard sb(8);
  SeqNumber una(0xFFFFFFF0u), max = una + 100;  // across the wrap
  sb.add(una + 10, una + 20, una, max);
  sb.add(una + 30, una + 40, una, max);
  sb.add(una + 18, una + 32, una, max);
  REQUIRE(sb.range_count() == 1);
  CHECK(sb.sacked_bytes() == 30);
  SeqNumber l, r;
  REQUIRE(sb.next_hole(una, &l, &r));
  CHECK(l == una);
  CHECK(r == una + 10);
  CHECK_FALSE(sb.next_hole(una + 10, &l, &r));
  CHECK(sb.sacked_above(una + 35) == 5);
}

TEST_CASE("Keepalive: probes after idle, gives up after the count (RFC 1122 4.2.3.6)", "[keepalive]") {
  TcpConfig cfg = config();
  cfg.keepalive = true;
  cfg.keepalive_idle = Duration::seconds(10);
  cfg.keepalive_interval = Duration::seconds(1);
  cfg.keepalive_count = 3;
  auto c = established(cfg);
  CHECK(c->poll_at() == ms(10000));
  TcpRepr probe{.seq = L, .ack = R + 1, .flags = ACK, .window = 4096};
  expect(*c, 10000, {probe});
  expect(*c, 11000, {probe});
  SECTION("an answer resets the count") {
    send(*c, 11500, {.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 8192});
    CHECK(c->poll_at() == ms(21500));
  }
  SECTION("silence times out") {
    expect(*c, 12000, {probe});
    expect_nothing(*c, 13000);
    CHECK(c->state() == State::kClosed);
    CHECK(c->error() == TcpError::kTimedOut);
  }
}

TEST_CASE("Keepalive with a user timeout: gives up when nothing arrived for that long, not after the count", "[keepalive]") {
  TcpConfig cfg = config();
  cfg.keepalive = true;
  cfg.keepalive_idle = Duration::seconds(10);
  cfg.keepalive_interval = Duration::seconds(1);
  cfg.keepalive_count = 3;
  cfg.user_timeout = Duration::millis(14500);  // Linux tcp_keepalive_timer: replaces the count
  auto c = established(cfg);  // last segment received at 0
  TcpRepr probe{.seq = L, .ack = R + 1, .flags = ACK, .window = 4096};
  for (int64_t t = 10000; t <= 14000; t += 1000) expect(*c, t, {probe});  // 5 probes > count
  CHECK(c->state() == State::kEstablished);
  expect_nothing(*c, 15000);  // 15 s of silence >= 14.5 s
  CHECK(c->error() == TcpError::kTimedOut);
}

TEST_CASE("Keepalive: off by default, no timer", "[keepalive]") {
  auto c = established();
  CHECK(c->poll_at() == Instant::never());
}

}  // namespace xtcp::tcp::test

namespace xtcp::tcp::test {

TEST_CASE("Idle restart: cwnd falls back to the restart window after an idle RTO (RFC 5681 4.1)", "[retransmit][cc]") {
  auto c = established();
  send(*c, 1, {.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 65535});
  std::vector<uint8_t> d(30000, 'x');
  c->send(d);
  uint32_t acked = 0;
  for (int t = 2; t < 40 && acked < 30000; ++t) {
    for (const Sent& s : drain(*c, t)) acked += static_cast<uint32_t>(s.payload.size());
    send(*c, t, {.seq = R + 1, .ack = L + 1 + acked, .flags = ACK, .window = 65535});
  }
  REQUIRE(c->send_queue_len() == 0);
  uint32_t grown = c->info().cwnd;
  REQUIRE(grown > 10000);  // beyond the initial window
  c->send(d);
  drain(*c, 10000);  // long idle, then send
  CHECK(c->info().cwnd <= 10000);
}

}  // namespace xtcp::tcp::test

namespace xtcp::tcp::test {

namespace {
// 5 segments sent at t=10 with timestamps, none ACKed; the RTO fires at
// t=1010 (initial RTO 1 s) and resends the first. Returns the original's
// and the retransmission's TSval and the cwnd before the RTO.
struct RtoEpisode {
  std::unique_ptr<Connection> c;
  uint32_t orig_tsval = 0, rtx_tsval = 0, cwnd_before = 0;
};
RtoEpisode rto_episode() {
  TcpConfig cfg = config();
  cfg.timestamps = true;
  cfg.tx_buffer_size = 16384;
  RtoEpisode e;
  e.c = established(cfg, {.mss = 1000, .timestamps = wire::Timestamps{100, 0}});
  std::vector<uint8_t> d(5 * 988, 'x');  // 988: MSS less the timestamp option
  REQUIRE(e.c->send(d) == 5 * 988);
  auto first = drain(*e.c, 10);
  REQUIRE(first.size() == 5);
  e.orig_tsval = first[0].repr.options.timestamps->tsval;
  e.cwnd_before = e.c->info().cwnd;
  Sent s;
  REQUIRE(poll(*e.c, 1010, s));
  REQUIRE(s.repr.seq == L + 1);
  REQUIRE(e.c->info().rto_count == 1);
  e.rtx_tsval = s.repr.options.timestamps->tsval;
  REQUIRE(e.c->info().cwnd < e.cwnd_before);
  return e;
}
}  // namespace

TEST_CASE("Spurious RTO: an ACK echoing the original's TSval undoes the RTO (RFC 3522, RFC 4015)", "[retransmit][rto][timestamps]") {
  RtoEpisode e = rto_episode();
  // The originals were only delayed: the ACK for all five echoes their TSval.
  send(*e.c, 1020, {.seq = R + 1, .ack = L + 4941, .flags = ACK, .window = 8192,
                    .options = {.timestamps = wire::Timestamps{200, e.orig_tsval}}});
  CHECK(e.c->info().spurious_rtos == 1);
  CHECK(e.c->info().cwnd >= e.cwnd_before);
  CHECK(e.c->send_queue_len() == 0);
}

TEST_CASE("Spurious RTO: a partial ACK of the originals resumes with new data, no go-back-N", "[retransmit][rto][timestamps]") {
  RtoEpisode e = rto_episode();
  send(*e.c, 1020, {.seq = R + 1, .ack = L + 1977, .flags = ACK, .window = 8192,
                    .options = {.timestamps = wire::Timestamps{200, e.orig_tsval}}});
  CHECK(e.c->info().spurious_rtos == 1);
  // Segments 3-5 are not resent: nothing is due until new data or a timer.
  auto v = drain(*e.c, 1020);
  for (const Sent& s : v) CHECK(s.payload.empty());
}

TEST_CASE("Genuine RTO: an ACK echoing the retransmission's TSval keeps the RTO response", "[retransmit][rto][timestamps]") {
  RtoEpisode e = rto_episode();
  send(*e.c, 1060, {.seq = R + 1, .ack = L + 989, .flags = ACK, .window = 8192,
                    .options = {.timestamps = wire::Timestamps{200, e.rtx_tsval}}});
  CHECK(e.c->info().spurious_rtos == 0);
  CHECK(e.c->info().cwnd < e.cwnd_before);
  // Go-back-N continues: the second segment is resent.
  Sent s;
  REQUIRE(poll(*e.c, 1060, s));
  CHECK(s.repr.seq == L + 989);
}

}  // namespace xtcp::tcp::test

namespace xtcp::tcp::test {

TEST_CASE("TCP_CONGESTION: a live connection switches algorithm and keeps its window", "[retransmit][cc]") {
  TcpConfig cfg = config();
  cfg.cc = CcAlgorithm::kCubic;
  auto c = established(cfg);
  REQUIRE(std::string(c->info().cc) == "cubic");
  // Grow the window past the initial one: a full window acknowledged.
  send(*c, 1, {.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 65535});
  c->send(pattern(10000));
  uint32_t sent = 0;
  for (const Sent& seg : drain(*c, 10)) sent += static_cast<uint32_t>(seg.payload.size());
  REQUIRE(sent > 0);
  send(*c, 50, {.seq = R + 1, .ack = L + 1 + sent, .flags = ACK, .window = 65535});
  const uint32_t cwnd = c->info().cwnd;
  REQUIRE(cwnd > 10000);
  c->set_congestion(CcAlgorithm::kNewReno);
  CHECK(std::string(c->info().cc) == "newreno");
  CHECK(c->info().cwnd == cwnd);
  c->set_congestion(CcAlgorithm::kNewReno);  // the same one again: nothing changes
  CHECK(c->info().cwnd == cwnd);
  // The connection keeps sending under it.
  c->send(pattern(4000));
  CHECK(drain(*c, 60).size() == 4);
  c->set_congestion(CcAlgorithm::kCubic);
  CHECK(std::string(c->info().cc) == "cubic");
  CHECK(c->info().cwnd == cwnd);
}

}  // namespace xtcp::tcp::test
