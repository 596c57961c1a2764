// Loss recovery on the simulated link (issue 13): random loss in both
// directions, a lost retransmission, a lost tail, ACK loss, loss with
// reordering. Each asserts the bytes arrive intact, a goodput floor
// relative to the link and that RTOs are rare, all in virtual time (the sim
// is deterministic: these are not timed assertions).
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>

#include "sim/sim_pair.h"

using namespace xtcp;
using sim::LinkParams;
using sim::TransferResult;
using sim::TransferSpec;
using tcp::Duration;

namespace {

constexpr uint64_t kMB = 1'000'000;

// 10 Mbit/s, 5 ms one way, a queue of ~100 ms: the RTT stays near the
// path's so that losses, not bufferbloat, decide the recovery.
LinkParams link() {
  return LinkParams{.bandwidth_bps = 10'000'000, .delay = Duration::millis(5),
                    .queue_limit_bytes = 128 * 1024};
}

struct Expect {
  double min_goodput;       // fraction of the link's bandwidth
  double max_rtos_per_mb;   // sender RTOs per MB sent
};

TransferResult run(const char* name, uint64_t bytes, LinkParams fwd, LinkParams rev,
                   uint64_t seed, Expect e) {
  TransferSpec spec;
  spec.client_to_server = bytes;
  spec.forward = fwd;
  spec.reverse = rev;
  spec.seed = sim::sim_seed(seed);
  spec.wait_time_wait = false;
  INFO(name << " seed " << spec.seed << " (replay with XTCP_SIM_SEED=" << spec.seed << ")");
  INFO("forward " << sim::describe(fwd) << " / reverse " << sim::describe(rev));
  TransferResult r = sim::run_transfer(spec);
  INFO(r.summary());
  const char* v = std::getenv("XTCP_SIM_VERBOSE");
  if (v && *v == '1') std::printf("%-22s %s\n", name, r.summary().c_str());
  REQUIRE(r.finished);
  // Integrity: every byte, in order, hashed at both ends.
  CHECK(r.server.received == bytes);
  CHECK(r.server.first_mismatch == -1);
  CHECK(r.server.received_hash == r.server.expected_hash);
  CHECK(r.client.sent_hash == r.server.received_hash);
  double goodput = TransferResult::goodput_bps(r.server);
  CHECK(goodput >= e.min_goodput * static_cast<double>(fwd.bandwidth_bps));
  double rtos_per_mb = static_cast<double>(r.client.info.rto_count) /
                       (static_cast<double>(bytes) / static_cast<double>(kMB));
  CHECK(rtos_per_mb <= e.max_rtos_per_mb);
  return r;
}

}  // namespace

TEST_CASE("sim loss recovery: random loss both ways at 1, 3 and 5 %", "[sim][rack]") {
  struct Row {
    double loss;
    Expect e;
  };
  // Floors: what a Reno-style sender keeps at that loss over this path
  // (Mathis: MSS/RTT * 1.22/sqrt(p)), with margin; RTOs only exceptionally.
  for (Row row : {Row{0.01, {0.70, 1.0}}, Row{0.03, {0.35, 1.5}}, Row{0.05, {0.25, 2.0}}}) {
    DYNAMIC_SECTION("loss " << row.loss * 100 << " %") {
      LinkParams l = link();
      l.loss = row.loss;
      run("random-loss", 4 * kMB, l, l, 1300 + static_cast<uint64_t>(row.loss * 100), row.e);
    }
  }
}

TEST_CASE("sim loss recovery: a lost retransmission is repaired without an RTO", "[sim][rack]") {
  // Data segment 200 and its first retransmission are lost (RFC 8985 6.2:
  // RACK sees data sent after the retransmission arrive).
  LinkParams fwd = link();
  fwd.drop_nth_data = 200;
  fwd.drop_copies = 2;
  TransferResult r = run("lost-retransmission", 2 * kMB, fwd, link(), 1310, {0.80, 0.0});
  CHECK(r.forward.targeted_losses == 2);
  CHECK(r.client.info.rto_count == 0);
}

TEST_CASE("sim loss recovery: a lost tail segment is probed, not timed out", "[sim][rack][tlp]") {
  // 100 full segments of 1448 bytes: the last one is lost (RFC 8985 7).
  LinkParams fwd = link();
  fwd.drop_nth_data = 100;
  TransferResult r = run("lost-tail", 100 * 1448, fwd, link(), 1320, {0.30, 0.0});
  CHECK(r.forward.targeted_losses == 1);
  CHECK(r.client.info.rto_count == 0);
  CHECK(r.client.info.tlp_probes >= 1);
}

TEST_CASE("sim loss recovery: ACK loss", "[sim][rack]") {
  // 10 % of the receiver's ACKs are lost: cumulative ACKs cover for them.
  LinkParams rev = link();
  rev.loss = 0.10;
  run("ack-loss", 4 * kMB, link(), rev, 1330, {0.85, 0.5});
}

TEST_CASE("sim loss recovery: loss plus reordering", "[sim][rack]") {
  // 1 % loss both ways, 3 % of segments held back 2 ms (less than an RTT):
  // the reordering window keeps reordering from looking like loss.
  LinkParams l = link();
  l.loss = 0.01;
  l.reorder = 0.03;
  l.reorder_extra = Duration::millis(2);
  run("loss+reorder", 4 * kMB, l, l, 1340, {0.55, 1.0});
}
