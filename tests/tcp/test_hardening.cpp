// Hardening against hostile peers (issue 3): out-of-order data costs linear
// work however it is cut, and SACK blocks cannot fragment the sender's
// scoreboard beyond its cap. Work is counted (TcpInfo::reassembly_steps),
// never timed.
#include <algorithm>

#include "harness.h"

namespace xtcp::tcp::test {

namespace {
std::vector<uint8_t> pattern(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 13 + 5);
  return v;
}
}  // namespace

TEST_CASE("Out-of-order: 20,000 one-byte segments, fragmented and overlapping, cost linear work", "[data][ooo][hardening]") {
  // Per 64-byte block: the even offsets in descending order (each one a new
  // range inserted at the front: the worst case for a sorted range list),
  // then 2-byte segments overlapping each odd offset and its neighbour,
  // then a duplicate of every even byte, then the in-order byte 0.
  TcpConfig cfg = config();
  cfg.rx_buffer_size = 1 << 16;
  cfg.rx_window_initial = 1 << 16;
  auto c = established(cfg);
  constexpr size_t kBlock = 64, kBlocks = 330;
  const auto d = pattern(kBlock * kBlocks);
  std::vector<uint8_t> got;
  uint64_t segs = 0;
  auto feed = [&](size_t off, size_t len) {
    send(*c, 1, {.seq = R + 1 + static_cast<uint32_t>(off), .ack = L + 1, .flags = ACK,
                 .window = 8192, .payload = std::span<const uint8_t>(d).subspan(off, len)});
    ++segs;
  };
  uint32_t max_ranges_seen = 0;
  for (size_t b = 0; b < kBlocks; ++b) {
    size_t base = b * kBlock;
    for (size_t i = kBlock - 2; i >= 2; i -= 2) feed(base + i, 1);
    max_ranges_seen = std::max(max_ranges_seen, c->info().ooo_ranges);
    for (size_t i = kBlock - 1; i >= 3; i -= 2) feed(base + i - 1, 2);
    for (size_t i = kBlock - 2; i >= 2; i -= 2) feed(base + i, 1);
    feed(base + 1, 1);
    feed(base, 1);
    std::vector<uint8_t> buf(kBlock);
    REQUIRE(c->recv(buf) == kBlock);
    got.insert(got.end(), buf.begin(), buf.end());
    drain(*c, 1);
  }
  TcpInfo i = c->info();
  INFO("segments " << segs << " steps " << i.reassembly_steps);
  CHECK(segs > 20000);
  CHECK(got == d);  // every byte intact and in order
  CHECK(i.dropped_segments == 0);
  CHECK(max_ranges_seen == kBlock / 2 - 1);  // the list really was fragmented
  // add() and pop_front() each touch at most max_ooo_ranges + 2 ranges, so
  // the work is linear in the segment count; a quadratic reassembler would
  // need ~segs^2 / 2 = 2e8 steps here.
  CHECK(i.reassembly_steps >= segs);
  CHECK(i.reassembly_steps <= segs * 4 * (cfg.max_ooo_ranges + 2u));
}

TEST_CASE("Out-of-order: the work per segment does not grow with the stream length", "[data][ooo][hardening]") {
  // The same hostile pattern (each segment a new range at the front) for
  // 2,000 and for 20,000 segments: the steps per segment stay the same.
  auto run = [](size_t blocks) {
    TcpConfig cfg = config();
    cfg.rx_buffer_size = 1 << 16;
    cfg.rx_window_initial = 1 << 16;
    auto c = established(cfg);
    auto d = pattern(32 * blocks);
    uint64_t segs = 0;
    std::vector<uint8_t> buf(32);
    for (size_t b = 0; b < blocks; ++b) {
      for (size_t i = 32; i-- > 0;) {  // descending: 31, 30, ... 0
        size_t off = b * 32 + i;
        send(*c, 1, {.seq = R + 1 + static_cast<uint32_t>(off), .ack = L + 1, .flags = ACK,
                     .window = 8192, .payload = std::span<const uint8_t>(d).subspan(off, 1)});
        ++segs;
      }
      REQUIRE(c->recv(buf) == 32);
      drain(*c, 1);
    }
    return static_cast<double>(c->info().reassembly_steps) / static_cast<double>(segs);
  };
  double small = run(63), large = run(630);
  INFO("steps/segment: " << small << " at 2016 segments, " << large << " at 20160");
  CHECK(small > 0);
  CHECK(large <= small * 1.05);
}

TEST_CASE("SACK sender: hostile disjoint blocks keep the scoreboard within its cap; the transfer completes", "[retransmit][sack][hardening]") {
  TcpConfig cfg = config();
  cfg.sack = true;
  cfg.max_sack_ranges = 8;
  auto c = established(cfg, {.mss = 1000, .sack_permitted = true});
  auto d = pattern(8000);
  REQUIRE(c->send(d) == 8000);
  std::vector<Sent> first = drain(*c, 10);
  REQUIRE(first.size() == 8);
  // 500 ACKs each SACKing four different 1-byte islands: 2000 disjoint
  // ranges if the scoreboard kept them all.
  uint32_t max_seen = 0;
  for (uint32_t k = 0; k < 500; ++k) {
    TcpOptions o{.sack_count = 4};
    for (uint32_t j = 0; j < 4; ++j) {
      uint32_t at = 1 + ((k * 4 + j) * 3 + 1) % 7990;
      o.sack[j] = {L + 1 + at, L + 2 + at};
    }
    send(*c, 20 + k / 50, {.seq = R + 1, .ack = L + 1, .flags = ACK, .window = 8192, .options = o});
    max_seen = std::max(max_seen, c->info().sack_ranges);
    drain(*c, 20 + k / 50);
  }
  CHECK(max_seen == 8);
  // The peer now acknowledges what it really has (the original segments
  // arrived after all); whatever was retransmitted meanwhile is harmless.
  send(*c, 40, {.seq = R + 1, .ack = L + 8001, .flags = ACK, .window = 8192});
  CHECK(c->send_queue_len() == 0);
  CHECK(c->info().sack_ranges == 0);
  CHECK(c->info().bytes_acked == 8000);
  CHECK(c->state() == State::kEstablished);
  // And the connection still works: new data goes out and is acknowledged.
  REQUIRE(c->send(bytes("after")) == 5);
  expect(*c, 41, {{.seq = L + 8001, .ack = R + 1, .flags = ACK | PSH, .window = 4096,
                   .payload = bytes("after")}});
  send(*c, 42, {.seq = R + 1, .ack = L + 8006, .flags = ACK, .window = 8192});
  CHECK(c->send_queue_len() == 0);
  CHECK_FALSE(c->info().in_recovery);
}

}  // namespace xtcp::tcp::test
