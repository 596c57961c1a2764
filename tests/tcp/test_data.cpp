// Data transfer: sending and receiving, delayed ACKs, Nagle, windows (zero
// window and persist, SWS avoidance both sides, scaling, auto-tuning), out-
// of-order data and its bounds, SACK blocks as receiver, timestamps and
// PAWS, sequence-number wraparound.
#include <algorithm>
#include <numeric>
#include <random>

#include "harness.h"

namespace xtcp::tcp::test {

namespace {
std::vector<uint8_t> pattern(size_t n, uint8_t seed = 0) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 7 + seed);
  return v;
}
std::span<const uint8_t> sp(const std::vector<uint8_t>& v, size_t off = 0, size_t len = SIZE_MAX) {
  return std::span<const uint8_t>(v).subspan(off, std::min(len, v.size() - off));
}
}  // namespace

TEST_CASE("ESTABLISHED: send queues data; the ACK releases it", "[data]") {
  auto c = established();
  CHECK(c->send(bytes("abcdef")) == 6);
  expect(*c, 1, {{.seq = L + 1, .ack = R + 1, .flags = ACK | PSH, .window = 4096,
                  .payload = bytes("abcdef")}});
  expect_nothing(*c, 1);
  CHECK(c->send_queue_len() == 6);  // kept for retransmission
  send(*c, 2, {.seq = R + 1, .ack = L + 7, .flags = ACK, .window = 8192});
  CHECK(c->send_queue_len() == 0);
  CHECK(c->info().bytes_acked == 6);
  CHECK(c->poll_at() == Instant::never());
}

TEST_CASE("ESTABLISHED: zero-copy writable/commit and readable/consume", "[data][buffers]") {
  auto c = established();
  ByteSpans w = c->writable();
  REQUIRE(w.size() == 8192);
  std::memcpy(w.first.data(), "xyz", 3);
  CHECK(c->commit(3) == 3);
  expect(*c, 1, {{.seq = L + 1, .ack = R + 1, .flags = ACK | PSH, .window = 4096,
                  .payload = bytes("xyz")}});
  send(*c, 2, {.seq = R + 1, .ack = L + 4, .flags = ACK, .window = 8192, .payload = bytes("hello")});
  ConstByteSpans r = c->readable();
  REQUIRE(r.size() == 5);
  CHECK(std::memcmp(r.first.data(), "hello", 5) == 0);
  c->consume(5);
  CHECK(c->recv_queue_len() == 0);
}

TEST_CASE("Buffers in caller memory (shared-memory rings)", "[data][buffers]") {
  std::vector<uint8_t> rx(4096), tx(4096);
  auto c = Connection::connect(config(), tuple(), L, ms(0), BufferMemory{rx, tx});
  drain(*c, 0);
  send(*c, 0, {.seq = R, .ack = L + 1, .flags = SYN | ACK, .window = 8192, .options = {.mss = 1000}});
  drain(*c, 0);
  send(*c, 1, {.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 8192, .payload = bytes("shm!")});
  CHECK(std::memcmp(rx.data(), "shm!", 4) == 0);  // written in place
  c->send(bytes("out"));
  CHECK(std::memcmp(tx.data(), "out", 3) == 0);
}

TEST_CASE("Delayed ACK: a lone segment is ACKed after the timeout (RFC 1122 4.2.3.2)", "[data][delack]") {
  auto c = established();
  send(*c, 10, {.seq = R + 1, .ack = L + 1, .flags = ACK | PSH, .window = 8192,
                .payload = bytes("abc")});
  expect_nothing(*c, 10);
  CHECK(c->poll_at() == ms(50));  // 40 ms
  expect_nothing(*c, 49);
  expect(*c, 50, {{.seq = L + 1, .ack = R + 4, .flags = ACK, .window = 4093}});
}

TEST_CASE("Delayed ACK: every second full-sized segment is ACKed at once (RFC 5681 4.2)", "[data][delack]") {
  auto c = established();
  auto d = pattern(2000);
  send(*c, 10, {.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 8192, .payload = sp(d, 0, 1000)});
  expect_nothing(*c, 10);
  send(*c, 11, {.seq = R + 1001, .ack = L + 1, .flags = ACK, .window = 8192,
                .payload = sp(d, 1000, 1000)});
  expect(*c, 11, {{.seq = L + 1, .ack = R + 2001, .flags = ACK, .window = 2096}});
}

TEST_CASE("Quick-ACK mode after the handshake ACKs at once", "[data][delack]") {
  TcpConfig cfg = config();
  cfg.quick_acks = 2;
  auto c = established(cfg);
  send(*c, 10, {.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 8192, .payload = bytes("a")});
  expect(*c, 10, {{.seq = L + 1, .ack = R + 2, .flags = ACK, .window = 4095}});
  send(*c, 11, {.seq = R + 2, .ack = L + 1, .flags = ACK, .window = 8192, .payload = bytes("b")});
  expect(*c, 11, {{.seq = L + 1, .ack = R + 3, .flags = ACK, .window = 4094}});
  send(*c, 12, {.seq = R + 3, .ack = L + 1, .flags = ACK, .window = 8192, .payload = bytes("c")});
  expect_nothing(*c, 12);  // quick ACKs used up: delayed again
}

TEST_CASE("Delayed ACK rides on outgoing data", "[data][delack]") {
  auto c = established();
  send(*c, 10, {.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 8192, .payload = bytes("q")});
  c->send(bytes("r"));
  expect(*c, 11, {{.seq = L + 1, .ack = R + 2, .flags = ACK | PSH, .window = 4095,
                   .payload = bytes("r")}});
  expect_nothing(*c, 60);  // nothing left to ACK
}

TEST_CASE("Out-of-order data is ACKed at once; the gap fill too (RFC 5681 4.2)", "[data][ooo]") {
  auto c = established();
  send(*c, 10, {.seq = R + 4, .ack = L + 1, .flags = ACK, .window = 8192, .payload = bytes("def")});
  expect(*c, 10, {{.seq = L + 1, .ack = R + 1, .flags = ACK, .window = 4096}});
  CHECK(c->recv_queue_len() == 0);
  send(*c, 11, {.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 8192, .payload = bytes("abc")});
  expect(*c, 11, {{.seq = L + 1, .ack = R + 7, .flags = ACK, .window = 4090}});
  uint8_t buf[6];
  REQUIRE(c->recv(buf) == 6);
  CHECK(std::memcmp(buf, "abcdef", 6) == 0);
}

TEST_CASE("Overlapping and duplicate segments keep the stream intact", "[data][ooo]") {
  auto c = established();
  send(*c, 1, {.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 8192, .payload = bytes("abcd")});
  send(*c, 2, {.seq = R + 3, .ack = L + 1, .flags = ACK, .window = 8192, .payload = bytes("cdef")});
  send(*c, 3, {.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 8192, .payload = bytes("ab")});
  uint8_t buf[16];
  size_t n = c->recv(buf);
  CHECK(std::string(reinterpret_cast<char*>(buf), n) == "abcdef");
}

TEST_CASE("Out-of-order ranges are bounded; excess segments are dropped", "[data][ooo][hardening]") {
  TcpConfig cfg = config();
  cfg.max_ooo_ranges = 4;
  auto c = established(cfg);
  auto d = pattern(400);
  for (uint32_t i = 1; i <= 8; ++i)  // 8 disjoint pieces at 20, 40, ... 160
    send(*c, 1, {.seq = R + 1 + 20 * i, .ack = L + 1, .flags = ACK, .window = 8192,
                 .payload = sp(d, 20 * i, 10)});
  CHECK(c->info().dropped_segments == 4);
  // In-order data is always taken, and joins the first stored piece.
  send(*c, 2, {.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 8192, .payload = sp(d, 0, 20)});
  CHECK(c->recv_queue_len() == 30);
}

TEST_CASE("Thousands of tiny overlapping segments reassemble correctly", "[data][ooo][hardening]") {
  // 3996 overlapping 5-byte segments in random order, resent in rounds like
  // a peer would: the bounded range set refuses some, nothing is corrupted.
  auto c = established();
  auto d = pattern(4000, 3);
  std::vector<uint32_t> starts(3996);
  std::iota(starts.begin(), starts.end(), 0u);
  std::mt19937 rng(42);
  int rounds = 0;
  while (c->recv_queue_len() < 4000 && rounds < 50) {
    std::shuffle(starts.begin(), starts.end(), rng);
    for (uint32_t s : starts)
      send(*c, 1, {.seq = R + 1 + s, .ack = L + 1, .flags = ACK, .window = 8192,
                   .payload = sp(d, s, 5)});
    ++rounds;
  }
  INFO("rounds " << rounds);
  CHECK(c->info().dropped_segments > 0);  // the range limit did bite
  REQUIRE(c->recv_queue_len() == 4000);
  std::vector<uint8_t> got(4000);
  c->recv(got);
  CHECK(got == d);
}

TEST_CASE("Receive window: a full ring closes the window; reading reopens it (RFC 9293 3.8.6.2.2)", "[data][window]") {
  auto c = established();
  auto d = pattern(5000);
  for (uint32_t off = 0; off < 4096; off += 1024)
    send(*c, 1, {.seq = R + 1 + off, .ack = L + 1, .flags = ACK, .window = 8192,
                 .payload = sp(d, off, std::min<uint32_t>(1024, 4096 - off))});
  std::vector<Sent> acks = drain(*c, 1);
  REQUIRE(!acks.empty());
  CHECK(acks.back().repr.ack == R + 4097);
  CHECK(acks.back().repr.window == 0);
  // Data into a zero window is not accepted, but the ACK says where we are.
  send(*c, 2, {.seq = R + 4097, .ack = L + 1, .flags = ACK, .window = 8192, .payload = sp(d, 4096, 10)});
  expect(*c, 2, {{.seq = L + 1, .ack = R + 4097, .flags = ACK, .window = 0}});
  // Reading 100 bytes would move the edge by less than an MSS: no update.
  std::vector<uint8_t> buf(1100);
  c->recv(std::span<uint8_t>(buf).first(100));
  expect_nothing(*c, 3);
  // 1100 bytes free: worth announcing.
  c->recv(std::span<uint8_t>(buf).first(1000));
  expect(*c, 4, {{.seq = L + 1, .ack = R + 4097, .flags = ACK, .window = 1100}});
}

TEST_CASE("Receive window: the right edge never moves left (RFC 9293 3.8.6.2.2)", "[data][window]") {
  auto c = established();
  auto d = pattern(1500);
  // Window 4096 advertised at R+1; 1500 bytes arrive; the app does not read.
  send(*c, 1, {.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 8192, .payload = sp(d)});
  Sent s;
  REQUIRE(poll(*c, 100, s));
  CHECK(s.repr.ack + s.repr.window == R + 1 + 4096);
}

TEST_CASE("Zero window: persist probes back off until the window opens (RFC 9293 3.8.6.1)", "[data][window][persist]") {
  auto c = established();
  send(*c, 1, {.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 0});
  c->send(bytes("abc"));
  expect_nothing(*c, 1);
  Instant first = c->poll_at();
  REQUIRE(first == ms(201));  // RTO is min_rto (200 ms) after the SYN sample
  expect(*c, 201, {{.seq = L, .ack = R + 1, .flags = ACK, .window = 4096}});
  CHECK(c->poll_at() == ms(601));  // doubled
  expect_nothing(*c, 600);
  expect(*c, 601, {{.seq = L, .ack = R + 1, .flags = ACK, .window = 4096}});
  CHECK(c->poll_at() == ms(1401));
  send(*c, 700, {.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 8192});
  expect(*c, 700, {{.seq = L + 1, .ack = R + 1, .flags = ACK | PSH, .window = 4096,
                    .payload = bytes("abc")}});
  CHECK(c->state() == State::kEstablished);
}

TEST_CASE("Sender SWS: no small window-limited segments; override timeout (RFC 9293 3.8.6.2.1)", "[data][window][sws]") {
  auto c = established();
  send(*c, 1, {.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 300});
  auto d = pattern(2000);
  c->send(sp(d));
  expect_nothing(*c, 1);  // 300 < max window / 2
  expect(*c, 201, {{.seq = L + 1, .ack = R + 1, .flags = ACK, .window = 4096,
                    .payload = sp(d, 0, 300)}});
}

TEST_CASE("Nagle: small segments wait for the ACK of outstanding data (RFC 9293 3.7.4)", "[data][nagle]") {
  TcpConfig cfg = config();
  cfg.no_delay = false;
  auto c = established(cfg);
  c->send(bytes("a"));
  expect(*c, 1, {{.seq = L + 1, .ack = R + 1, .flags = ACK | PSH, .window = 4096, .payload = bytes("a")}});
  c->send(bytes("b"));
  c->send(bytes("c"));
  expect_nothing(*c, 2);
  send(*c, 3, {.seq = R + 1, .ack = L + 2, .flags = ACK, .window = 8192});
  expect(*c, 3, {{.seq = L + 2, .ack = R + 1, .flags = ACK | PSH, .window = 4096,
                  .payload = bytes("bc")}});
  SECTION("TCP_NODELAY sends at once") {
    c->set_no_delay(true);
    c->send(bytes("d"));
    expect(*c, 4, {{.seq = L + 4, .ack = R + 1, .flags = ACK | PSH, .window = 4096,
                    .payload = bytes("d")}});
  }
  SECTION("full-sized segments are not held") {
    auto d = pattern(1500);
    c->send(sp(d));
    expect(*c, 4, {{.seq = L + 4, .ack = R + 1, .flags = ACK, .window = 4096,
                    .payload = sp(d, 0, 1000)}});
    expect_nothing(*c, 4);  // the 500-byte tail waits
  }
}

TEST_CASE("Nagle with Minshall's refinement: a 1,500-byte write with MSS 1,000 sends both segments (RFC 9293 3.7.4)", "[data][nagle]") {
  TcpConfig cfg = config();
  cfg.no_delay = false;
  auto c = established(cfg);
  auto d = pattern(1500);
  c->send(sp(d));
  // The sub-MSS tail goes at once: no other small segment is unacknowledged.
  expect(*c, 1, {{.seq = L + 1, .ack = R + 1, .flags = ACK, .window = 4096, .payload = sp(d, 0, 1000)},
                 {.seq = L + 1001, .ack = R + 1, .flags = ACK | PSH, .window = 4096,
                  .payload = sp(d, 1000, 500)}});
  // A further small write waits while the 500-byte segment is unacked ...
  c->send(bytes("x"));
  expect_nothing(*c, 2);
  // ... also when only the full-sized segment before it is acknowledged.
  send(*c, 3, {.seq = R + 1, .ack = L + 1001, .flags = ACK, .window = 8192});
  expect_nothing(*c, 3);
  send(*c, 4, {.seq = R + 1, .ack = L + 1501, .flags = ACK, .window = 8192});
  expect(*c, 4, {{.seq = L + 1501, .ack = R + 1, .flags = ACK | PSH, .window = 4096,
                  .payload = bytes("x")}});
}

TEST_CASE("Segmentization: MSS-sized segments, PSH on the last (RFC 9293 3.7.1)", "[data]") {
  auto c = established();
  auto d = pattern(2500);
  c->send(sp(d));
  expect(*c, 1, {{.seq = L + 1, .ack = R + 1, .flags = ACK, .window = 4096, .payload = sp(d, 0, 1000)},
                 {.seq = L + 1001, .ack = R + 1, .flags = ACK, .window = 4096, .payload = sp(d, 1000, 1000)},
                 {.seq = L + 2001, .ack = R + 1, .flags = ACK | PSH, .window = 4096, .payload = sp(d, 2000, 500)}});
}

TEST_CASE("Send window limits what is in flight", "[data][window]") {
  auto c = established();
  send(*c, 1, {.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 2000});
  auto d = pattern(5000);
  c->send(sp(d));
  CHECK(drain(*c, 2).size() == 2);  // 2000 bytes
  send(*c, 3, {.seq = R + 1, .ack = L + 1001, .flags = ACK, .window = 2000});
  std::vector<Sent> v = drain(*c, 3);
  REQUIRE(v.size() == 1);
  CHECK(v[0].repr.seq == L + 2001);
}

TEST_CASE("Window scaling: fields are shifted both ways (RFC 7323 2)", "[data][window][wscale]") {
  TcpConfig cfg = config();
  cfg.window_scaling = true;
  cfg.window_scale = 2;
  auto c = syn_sent(cfg);
  send(*c, 0, {.seq = R, .ack = L + 1, .flags = SYN | ACK, .window = 8192,
               .options = {.mss = 1000, .window_scale = 3}});
  expect(*c, 0, {{.seq = L + 1, .ack = R + 1, .flags = ACK, .window = 1024}});  // 4096 >> 2
  CHECK(c->info().snd_wnd == 8192);  // the SYN-ACK window is unscaled
  send(*c, 1, {.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 1000});
  CHECK(c->info().snd_wnd == 8000);
}

TEST_CASE("Window scaling: large windows need it for long fat pipes", "[data][window][wscale]") {
  TcpConfig cfg = config();
  cfg.window_scaling = true;
  cfg.window_scale = 7;
  cfg.rx_buffer_size = 1 << 20;
  cfg.rx_window_initial = 1 << 20;
  auto c = established(cfg, {.mss = 1000, .window_scale = 7});
  send(*c, 1, {.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 65535, .payload = bytes("x")});
  Sent s;
  REQUIRE(poll(*c, 100, s));
  CHECK(uint32_t{s.repr.window} << 7 >= (1u << 20) - 128);
  CHECK(c->info().snd_wnd == 65535u << 7);
}

TEST_CASE("Receive window auto-tuning grows the window when the app keeps up", "[data][window][autotune]") {
  TcpConfig cfg = config();
  cfg.window_scaling = true;
  cfg.rx_buffer_size = 65536;
  cfg.rx_window_initial = 4096;
  cfg.rx_window_max = 32768;
  auto c = established(cfg, {.mss = 1000, .window_scale = 0});
  auto d = pattern(1000);
  uint32_t seq = 1;
  uint32_t last_window = 0;
  std::vector<uint8_t> sink(65536);
  for (int i = 0; i < 100; ++i) {
    send(*c, 1 + i, {.seq = R + seq, .ack = L + 1, .flags = ACK, .window = 8192, .payload = sp(d)});
    seq += 1000;
    c->recv(sink);
    for (const Sent& s : drain(*c, 1 + i)) last_window = uint32_t{s.repr.window} << 7;
  }
  CHECK(last_window > 4096);
  CHECK(last_window <= 32768);
}

TEST_CASE("Sequence numbers wrap: data across 2^32 (RFC 9293 3.4)", "[data][wrap]") {
  auto c = established();  // R = 2^32 - 256
  auto d = pattern(1000);
  send(*c, 1, {.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 8192, .payload = sp(d)});
  send(*c, 2, {.seq = R + 1001, .ack = L + 1, .flags = ACK, .window = 8192, .payload = sp(d)});
  expect(*c, 2, {{.seq = L + 1, .ack = R + 2001, .flags = ACK, .window = 2096}});
  CHECK((R + 2001).raw() == 1745u);
  // Our own ISN near the wrap as well.
  auto c2 = Connection::connect(config(), tuple(), SeqNumber(0xFFFFFFF0u), ms(0));
  drain(*c2, 0);
  send(*c2, 0, {.seq = R, .ack = SeqNumber(0xFFFFFFF1u), .flags = SYN | ACK, .window = 8192});
  drain(*c2, 0);
  c2->send(sp(d, 0, 100));
  drain(*c2, 1);
  send(*c2, 2, {.seq = R + 1, .ack = SeqNumber(0xFFFFFFF1u) + 100, .flags = ACK, .window = 8192});
  CHECK(c2->send_queue_len() == 0);
  CHECK(c2->info().bytes_acked == 100);
}

TEST_CASE("SACK receiver: first block holds the newest segment (RFC 2018 4)", "[data][sack]") {
  TcpConfig cfg = config();
  cfg.sack = true;
  auto c = established(cfg, {.mss = 1000, .sack_permitted = true});
  auto d = pattern(100);
  send(*c, 1, {.seq = R + 11, .ack = L + 1, .flags = ACK, .window = 8192, .payload = sp(d, 10, 10)});
  TcpOptions o1{.sack_count = 1, .sack = {{{R + 11, R + 21}}}};
  expect(*c, 1, {{.seq = L + 1, .ack = R + 1, .flags = ACK, .window = 4096, .options = o1}});
  send(*c, 2, {.seq = R + 31, .ack = L + 1, .flags = ACK, .window = 8192, .payload = sp(d, 30, 10)});
  TcpOptions o2{.sack_count = 2, .sack = {{{R + 31, R + 41}, {R + 11, R + 21}}}};
  expect(*c, 2, {{.seq = L + 1, .ack = R + 1, .flags = ACK, .window = 4096, .options = o2}});
  send(*c, 3, {.seq = R + 21, .ack = L + 1, .flags = ACK, .window = 8192, .payload = sp(d, 20, 10)});
  TcpOptions o3{.sack_count = 1, .sack = {{{R + 11, R + 41}}}};
  expect(*c, 3, {{.seq = L + 1, .ack = R + 1, .flags = ACK, .window = 4096, .options = o3}});
  send(*c, 4, {.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 8192, .payload = sp(d, 0, 10)});
  expect(*c, 4, {{.seq = L + 1, .ack = R + 41, .flags = ACK, .window = 4056}});
}

TEST_CASE("SACK receiver: 4 blocks without timestamps, 3 with (RFC 2018 3)", "[data][sack]") {
  auto d = pattern(200);
  for (bool ts : {false, true}) {
    TcpConfig cfg = config();
    cfg.sack = true;
    cfg.timestamps = ts;
    TcpOptions peer{.mss = 1000, .sack_permitted = true};
    if (ts) peer.timestamps = wire::Timestamps{1, 0};
    auto c = established(cfg, peer);
    Sent s;
    for (uint32_t i = 1; i <= 5; ++i) {
      TcpRepr seg{.seq = R + 1 + 20 * i, .ack = L + 1, .flags = ACK, .window = 8192,
                  .payload = sp(d, 20 * i, 10)};
      if (ts) seg.options.timestamps = wire::Timestamps{1 + i, 0};
      send(*c, 1, seg);
      REQUIRE(poll(*c, 1, s));
    }
    CHECK(s.repr.options.sack_count == (ts ? 3 : 4));
    CHECK(s.repr.options.sack[0] == wire::SackBlock{R + 101, R + 111});  // newest first
  }
}

TEST_CASE("Timestamps: TSval/TSecr on every segment and PAWS (RFC 7323 3, 5.3)", "[data][timestamps]") {
  TcpConfig cfg = config();
  cfg.timestamps = true;
  auto c = established(cfg, {.mss = 1000, .timestamps = wire::Timestamps{100, 0}});
  send(*c, 1, {.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 8192, .options = {.timestamps = wire::Timestamps{105, 0}}, .payload = bytes("ok")});
  Sent s;
  REQUIRE(poll(*c, 100, s));
  REQUIRE(s.repr.options.timestamps);
  CHECK(s.repr.options.timestamps->tsecr == 105);  // TS.Recent updated
  // An old TSval: a duplicate from before; dropped and ACKed (PAWS).
  send(*c, 101, {.seq = R + 3, .ack = L + 1, .flags = ACK, .window = 8192, .options = {.timestamps = wire::Timestamps{104, 0}}, .payload = bytes("old")});
  REQUIRE(poll(*c, 101, s));
  CHECK(s.repr.ack == R + 3);
  CHECK(c->recv_queue_len() == 2);
  CHECK(c->info().dropped_segments == 1);
  // The MSS loses 12 bytes to the option (RFC 6691).
  auto d = pattern(2000);
  c->send(sp(d));
  REQUIRE(poll(*c, 102, s));
  CHECK(s.payload.size() == 988);
}

TEST_CASE("Timestamps: RTT is measured from TSecr even for retransmissions (RFC 7323 4)", "[data][timestamps][retransmit]") {
  TcpConfig cfg = config();
  cfg.timestamps = true;
  auto c = established(cfg, {.mss = 1000, .timestamps = wire::Timestamps{100, 0}});
  Duration before = c->info().srtt;
  c->send(bytes("abc"));
  Sent s;
  REQUIRE(poll(*c, 10, s));
  REQUIRE(poll(*c, 210, s));  // RTO: retransmission
  REQUIRE(s.repr.seq == L + 1);
  uint32_t tsval = s.repr.options.timestamps->tsval;
  send(*c, 260, {.seq = R + 1, .ack = L + 4, .flags = ACK, .window = 8192,
                 .options = {.timestamps = wire::Timestamps{200, tsval}}});
  CHECK(c->info().srtt > before + Duration::millis(5));  // a 50 ms sample got in
}

}  // namespace xtcp::tcp::test
