// The simulated link itself: timing, tail drop, impairment rates, replay.
#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "sim/sim_link.h"

using xtcp::sim::Link;
using xtcp::sim::LinkParams;
using xtcp::tcp::Duration;
using xtcp::tcp::Instant;

namespace {

std::vector<uint8_t> packet(size_t n, uint8_t fill) { return std::vector<uint8_t>(n, fill); }

}  // namespace

TEST_CASE("link: serialization plus propagation delay, FIFO", "[sim][link]") {
  LinkParams p{.bandwidth_bps = 8'000'000, .delay = Duration::millis(10)};
  Link link(p, 1);
  // 1000 B at 8 Mbit/s = 1 ms each; sent together they leave back to back.
  link.send(packet(1000, 1), Instant{});
  link.send(packet(1000, 2), Instant{});
  CHECK(link.next_delivery() == Instant::from_micros(11000));
  std::vector<uint8_t> out;
  bool bad = false;
  CHECK_FALSE(link.deliver(Instant::from_micros(10999), out, bad));
  REQUIRE(link.deliver(Instant::from_micros(11000), out, bad));
  CHECK(out[0] == 1);
  CHECK(link.next_delivery() == Instant::from_micros(12000));
  REQUIRE(link.deliver(Instant::from_micros(20000), out, bad));
  CHECK(out[0] == 2);
  CHECK(link.next_delivery() == Instant::never());
}

TEST_CASE("link: tail drop beyond the queue limit", "[sim][link]") {
  LinkParams p{.bandwidth_bps = 8'000'000, .queue_limit_bytes = 3000};
  Link link(p, 1);
  for (int i = 0; i < 10; ++i) link.send(packet(1000, 0), Instant{});
  // The limit counts every byte not yet serialized, the arriving segment's
  // included: three 1000 B segments fit, the other seven are dropped.
  CHECK(link.stats().tail_drops == 7);
  CHECK(link.stats().max_backlog_bytes == 2000);
}

TEST_CASE("link: loss, burst loss, duplication, corruption rates", "[sim][link]") {
  LinkParams p{.bandwidth_bps = 0, .loss = 0.05, .duplicate = 0.1, .corrupt = 0.1};
  p.burst = {.p_good_to_bad = 0.01, .p_bad_to_good = 0.25, .loss_good = 0, .loss_bad = 1};
  Link link(p, 7);
  constexpr int kN = 100000;
  for (int i = 0; i < kN; ++i) link.send(packet(100, 0), Instant::from_micros(i));
  const auto& s = link.stats();
  CHECK(s.random_losses == Approx(kN * 0.05 * (1 - p.burst.mean_loss())).epsilon(0.1));
  CHECK(s.burst_losses == Approx(kN * p.burst.mean_loss()).epsilon(0.15));
  CHECK(s.duplicated == Approx(kN * 0.1 * 0.91).epsilon(0.1));
  // Every corrupted copy differs from what was sent.
  std::vector<uint8_t> out;
  uint64_t changed = 0, flagged = 0;
  bool bad = false;
  while (link.deliver(Instant::from_micros(kN + 10000), out, bad)) {
    bool differs = false;
    for (uint8_t b : out) differs |= b != 0;
    changed += differs;
    flagged += bad;
    CHECK(differs == bad);
  }
  CHECK(changed == s.corrupted);
  CHECK(flagged == s.corrupted);
  CHECK(s.delivered == kN - s.random_losses - s.burst_losses + s.duplicated);
}

TEST_CASE("link: Gilbert-Elliott bursts have the configured mean and cap", "[sim][link]") {
  LinkParams p{.bandwidth_bps = 0};
  p.burst = {.p_good_to_bad = 0.02, .p_bad_to_good = 0.25, .loss_good = 0, .loss_bad = 1};
  auto bursts = [&](uint32_t cap) {
    p.burst.max_bad = cap;
    Link link(p, 11);
    std::vector<int> runs;
    int run = 0;
    for (int i = 0; i < 200000; ++i) {
      uint64_t before = link.stats().burst_losses;
      link.send(packet(1, 0), Instant::from_micros(i));
      if (link.stats().burst_losses > before) {
        ++run;
      } else if (run > 0) {
        runs.push_back(run);
        run = 0;
      }
    }
    return runs;
  };
  std::vector<int> free_runs = bursts(0);
  double mean = 0;
  for (int r : free_runs) mean += r;
  mean /= static_cast<double>(free_runs.size());
  CHECK(mean == Approx(4.0).epsilon(0.1));  // 1 / p_bad_to_good
  int longest = 0;
  for (int r : bursts(6)) longest = std::max(longest, r);
  CHECK(longest == 6);
}

TEST_CASE("link: reordering holds some segments back", "[sim][link]") {
  LinkParams p{.bandwidth_bps = 0, .reorder = 0.2, .reorder_extra = Duration::micros(50)};
  Link link(p, 3);
  for (uint8_t i = 0; i < 200; ++i) link.send(packet(1, i), Instant::from_micros(i * 10));
  std::vector<uint8_t> out;
  int inversions = 0, last = -1, n = 0;
  bool bad = false;
  while (link.deliver(Instant::from_micros(100000), out, bad)) {
    inversions += out[0] < last;
    last = out[0];
    ++n;
  }
  CHECK(n == 200);
  CHECK(link.stats().reordered > 20);
  CHECK(inversions > 10);
}

TEST_CASE("link: a seed replays exactly", "[sim][link]") {
  LinkParams p{.loss = 0.1, .reorder = 0.1, .duplicate = 0.1, .corrupt = 0.1};
  auto trace = [&](uint64_t seed) {
    Link link(p, seed);
    std::vector<uint8_t> all, out;
    bool bad = false;
    for (int i = 0; i < 1000; ++i)
      link.send(packet(50, static_cast<uint8_t>(i)), Instant::from_micros(i * 100));
    while (link.deliver(Instant::from_micros(10'000'000), out, bad))
      all.insert(all.end(), out.begin(), out.end());
    return all;
  };
  CHECK(trace(5) == trace(5));
  CHECK(trace(5) != trace(6));
}
