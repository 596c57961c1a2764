// A hostile app writes whatever it likes into the fields it owns. The
// daemon must detect every impossible index, latch the violation, and never
// derive a delta that would reach outside its rings.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>

#include "channel_fixture.h"

using xtcp::daemon::AppIndices;
using xtcp::daemon::ChannelViolation;
using xtcp::daemon::DaemonChannel;
using xtcp::test::RawHeader;

namespace {

constexpr size_t kRing = 4096;
constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

DaemonChannel make() {
  auto ch = DaemonChannel::create(kRing, kRing);
  REQUIRE(ch);
  return std::move(*ch);
}

// What the daemon does with accepted deltas: copy the new tx bytes out of
// its ring. Under ASan an out-of-range delta would be caught here.
void drain_tx(DaemonChannel& ch, const AppIndices& in, uint8_t* sink) {
  REQUIRE(in.tx_new <= kRing);
  const uint64_t start = ch.tx_prod_seen() - in.tx_new;
  for (uint64_t i = 0; i < in.tx_new; ++i) sink[i] = ch.tx_ring()[(start + i) & (kRing - 1)];
}

}  // namespace

TEST_CASE("honest indices are accepted as deltas", "[channel][hostile]") {
  DaemonChannel ch = make();
  RawHeader h(ch.fd());
  REQUIRE(h.ok());
  h->tx.prod.value = 1000;
  AppIndices in = ch.read_app_indices();
  CHECK(in.violation == ChannelViolation::kNone);
  CHECK(in.tx_new == 1000);
  CHECK(in.rx_freed == 0);
  REQUIRE(ch.publish_tx_consumed(1000));
  h->tx.prod.value = 1000 + kRing;  // a full ring is legal
  in = ch.read_app_indices();
  CHECK(in.violation == ChannelViolation::kNone);
  CHECK(in.tx_new == kRing);

  REQUIRE(ch.publish_rx(300));
  h->rx.cons.value = 300;
  h->app_flags = XTCP_CHAN_APP_SHUTDOWN_WR;
  in = ch.read_app_indices();
  CHECK(in.violation == ChannelViolation::kNone);
  CHECK(in.rx_freed == 300);
  CHECK(in.app_flags == XTCP_CHAN_APP_SHUTDOWN_WR);
}

TEST_CASE("tx.prod beyond the ring is a violation", "[channel][hostile]") {
  DaemonChannel ch = make();
  RawHeader h(ch.fd());
  h->tx.prod.value = kRing + 1;
  AppIndices in = ch.read_app_indices();
  CHECK(in.violation == ChannelViolation::kTxProdOverrun);
  CHECK(in.tx_new == 0);
  CHECK(ch.violated());
}

TEST_CASE("huge indices are violations", "[channel][hostile]") {
  SECTION("tx.prod = 2^64-1") {
    DaemonChannel ch = make();
    RawHeader h(ch.fd());
    h->tx.prod.value = kMax;
    CHECK(ch.read_app_indices().violation == ChannelViolation::kTxProdOverrun);
  }
  SECTION("rx.cons = 2^64-1") {
    DaemonChannel ch = make();
    RawHeader h(ch.fd());
    h->rx.cons.value = kMax;
    CHECK(ch.read_app_indices().violation == ChannelViolation::kRxConsAhead);
  }
  SECTION("rx.cons ahead of what was delivered") {
    DaemonChannel ch = make();
    RawHeader h(ch.fd());
    REQUIRE(ch.publish_rx(10));
    h->rx.cons.value = 11;
    CHECK(ch.read_app_indices().violation == ChannelViolation::kRxConsAhead);
  }
}

TEST_CASE("indices going backwards are violations", "[channel][hostile]") {
  SECTION("tx.prod") {
    DaemonChannel ch = make();
    RawHeader h(ch.fd());
    h->tx.prod.value = 100;
    REQUIRE(ch.read_app_indices().violation == ChannelViolation::kNone);
    h->tx.prod.value = 99;
    CHECK(ch.read_app_indices().violation == ChannelViolation::kTxProdBackwards);
  }
  SECTION("rx.cons") {
    DaemonChannel ch = make();
    RawHeader h(ch.fd());
    REQUIRE(ch.publish_rx(100));
    h->rx.cons.value = 50;
    REQUIRE(ch.read_app_indices().violation == ChannelViolation::kNone);
    h->rx.cons.value = 49;
    CHECK(ch.read_app_indices().violation == ChannelViolation::kRxConsBackwards);
  }
}

TEST_CASE("a violation latches even if the app repairs its index", "[channel][hostile]") {
  DaemonChannel ch = make();
  RawHeader h(ch.fd());
  h->tx.prod.value = kMax;
  REQUIRE(ch.read_app_indices().violation == ChannelViolation::kTxProdOverrun);
  h->tx.prod.value = 10;
  const AppIndices in = ch.read_app_indices();
  CHECK(in.violation == ChannelViolation::kTxProdOverrun);
  CHECK(in.tx_new == 0);
  CHECK(in.rx_freed == 0);
  CHECK(ch.tx_prod_seen() == 0);
}

TEST_CASE("the daemon ignores what the app writes into daemon-owned fields",
          "[channel][hostile]") {
  DaemonChannel ch = make();
  RawHeader h(ch.fd());
  // The app forges tx.cons and rx.prod to make the daemon think there is
  // room or data; the daemon keeps its own copies.
  h->tx.cons.value = kMax;
  h->rx.prod.value = kMax;
  h->tx.prod.value = kRing;
  const AppIndices in = ch.read_app_indices();
  CHECK(in.violation == ChannelViolation::kNone);
  CHECK(in.tx_new == kRing);
  CHECK(ch.tx_cons() == 0);
  CHECK(ch.rx_prod() == 0);
  // Publishing past the app's real rx.cons + ring is refused (daemon bug).
  CHECK_FALSE(ch.publish_rx(kRing + 1));
  CHECK(ch.publish_rx(kRing));
  CHECK_FALSE(ch.publish_tx_consumed(kRing + 1));
  CHECK_FALSE(ch.publish_rx(kRing - 1));  // backwards
}

TEST_CASE("random tampering never yields an out-of-ring delta", "[channel][hostile]") {
  std::mt19937_64 rng(0x5eed);
  uint8_t sink[kRing];
  int violations = 0;
  for (int round = 0; round < 200; ++round) {
    DaemonChannel ch = make();
    RawHeader h(ch.fd());
    REQUIRE(h.ok());
    for (int step = 0; step < 50 && !ch.violated(); ++step) {
      // Mostly plausible moves, sometimes garbage.
      const uint64_t r = rng();
      const uint64_t tx_prod = (r & 7) == 0 ? rng() : ch.tx_prod_seen() + rng() % (kRing + 64);
      const uint64_t rx_cons = (r & 0x38) == 0 ? rng() : ch.rx_cons_seen() + rng() % 64;
      h->tx.prod.value = tx_prod;
      h->rx.cons.value = rx_cons;
      const uint64_t rx_prod_before = ch.rx_prod();
      const AppIndices in = ch.read_app_indices();
      if (in.violation != ChannelViolation::kNone) {
        ++violations;
        CHECK(in.tx_new == 0);
        CHECK(in.rx_freed == 0);
        continue;
      }
      // Accepted: every invariant the daemon relies on holds.
      REQUIRE(ch.tx_prod_seen() - ch.tx_cons() <= kRing);
      REQUIRE(ch.rx_cons_seen() <= rx_prod_before);
      REQUIRE(in.rx_freed <= kRing);
      drain_tx(ch, in, sink);
      REQUIRE(ch.publish_tx_consumed(ch.tx_prod_seen()));
      REQUIRE(ch.publish_rx(std::max(ch.rx_prod(), ch.rx_cons_seen() + rng() % (kRing + 1))));
    }
  }
  CHECK(violations > 50);  // the generator did produce hostile values
}
