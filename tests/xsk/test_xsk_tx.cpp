// XskSocket::tx_burst and setup/teardown against a real AF_XDP socket (copy mode, veth of
// netns_run.sh): what goes on the TX ring always comes back through the
// completion ring, and what would not is refused before it gets there.
#include <linux/if_xdp.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "root_env.h"
#include "xsk/netlink.h"
#include "xsk/steer_program.h"
#include "xsk/xsk_socket.h"

using namespace xtcp::xsk;
using xsktest::env;

namespace {

constexpr uint32_t kLen = 60;        // a minimum-size Ethernet frame
constexpr uint32_t kPktContd = 1u;   // XDP_PKT_CONTD (linux/if_xdp.h, Linux 6.6)

std::unique_ptr<XskSocket> tx_socket() {
  XskConfig c;
  c.frame_count = 64;
  c.fill_size = c.comp_size = c.rx_size = c.tx_size = 32;
  c.mode = BindMode::kCopy;
  auto s = XskSocket::create(env().dut_if, 0, c);
  INFO((s.ok() ? std::string() : s.message()));
  REQUIRE(s.ok());
  return std::move(s).value();
}

// An IEEE 802 "local experimental" EtherType frame to the peer: its kernel
// drops it, nothing answers.
uint64_t frame_to_peer(XskSocket& s) {
  const uint64_t a = s.alloc_tx_frame();
  REQUIRE(a != FramePool::kNoFrame);
  uint8_t* f = s.data(a);
  std::memset(f, 0, s.umem().frame_size());
  const auto mac = parse_mac(env().peer_mac);
  REQUIRE(mac.has_value());
  std::memcpy(f, mac->data(), 6);
  f[12] = 0x88;
  f[13] = 0xb5;
  return a;
}

// Kicks and reaps until nothing is in flight (bounded by 2 s).
void drain_tx(XskSocket& s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (s.pool().in_tx() > 0 && std::chrono::steady_clock::now() < deadline) {
    REQUIRE(s.kick_tx() == 0);
    s.reap_completions(64);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// One batch: descriptors built from two fresh app frames a and b, a frame
// the fill ring holds, and the frame size.
struct Row {
  std::string what;
  std::vector<xdp_desc> (*batch)(uint64_t a, uint64_t b, uint64_t in_fill, uint32_t fs, uint32_t count);
  uint32_t accepted;  // how many tx_burst may put on the ring
};

using Batch = std::vector<xdp_desc>;

}  // namespace

TEST_CASE("tx_burst puts only completable, app-owned frames on the TX ring", "[xsk][socket][root]") {
  auto sock = tx_socket();
  XskSocket& s = *sock;
  const uint32_t fs = s.umem().frame_size();
  REQUIRE(s.refill(1) == 1);  // some frame now belongs to the kernel's fill ring
  uint64_t in_fill = FramePool::kNoFrame;
  for (uint64_t f = 0; f < uint64_t(s.pool().count()) * fs; f += fs)
    if (s.pool().place(f) == FramePool::Place::kFill) in_fill = f;
  REQUIRE(in_fill != FramePool::kNoFrame);

  const Row rows[] = {
      {"two good frames", [](uint64_t a, uint64_t b, uint64_t, uint32_t, uint32_t) {
         return Batch{{a, kLen, 0}, {b, kLen, 0}}; }, 2},
      {"empty descriptor", [](uint64_t a, uint64_t, uint64_t, uint32_t, uint32_t) {
         return Batch{{a, 0, 0}}; }, 0},
      {"crosses the end of its frame", [](uint64_t a, uint64_t, uint64_t, uint32_t size, uint32_t) {
         return Batch{{a + 100, size - 99, 0}}; }, 0},
      {"multi-buffer option on a socket bound without it",
       [](uint64_t a, uint64_t, uint64_t, uint32_t, uint32_t) {
         return Batch{{a, kLen, kPktContd}}; }, 0},
      {"the same frame twice in one batch", [](uint64_t a, uint64_t, uint64_t, uint32_t, uint32_t) {
         return Batch{{a, kLen, 0}, {a + 64, kLen, 0}}; }, 1},
      {"good frame, then a frame the fill ring holds",
       [](uint64_t a, uint64_t, uint64_t fill, uint32_t, uint32_t) {
         return Batch{{a, kLen, 0}, {fill, kLen, 0}}; }, 1},
      {"a frame outside the UMEM", [](uint64_t, uint64_t, uint64_t, uint32_t size, uint32_t count) {
         return Batch{{uint64_t(count) * size, kLen, 0}}; }, 0},
  };
  for (const Row& row : rows) {
    INFO(row.what);
    const uint64_t a = frame_to_peer(s);
    const uint64_t b = frame_to_peer(s);
    const Batch batch = row.batch(a, b, in_fill, fs, s.pool().count());
    const uint32_t sent = s.tx_burst(batch.data(), static_cast<uint32_t>(batch.size()));
    CHECK(sent == row.accepted);
    CHECK(s.pool().in_tx() == sent);
    drain_tx(s);
    // Everything that went on the ring came back; refused frames are still
    // the app's, the fill ring's frame is untouched.
    CHECK(s.pool().in_tx() == 0);
    CHECK(s.pool().in_app() == 2 - sent);
    CHECK(s.pool().place(in_fill) == FramePool::Place::kFill);
    CHECK(s.pool().free() + s.pool().in_fill() + s.pool().in_app() == s.pool().count());
    auto st = s.stats();
    REQUIRE(st.ok());
    CHECK(st->tx_invalid_descs == 0);
    for (uint64_t f : {a, b})
      if (s.pool().place(f) == FramePool::Place::kApp) REQUIRE(s.release(f));
  }
}

// The kernel frees a closed socket's queue from a workqueue
// (xp_release_deferred), so a restart that binds at once can meet EBUSY.
TEST_CASE("a queue can be bound again right after its socket is destroyed", "[xsk][socket][root]") {
  for (int round = 0; round < 10; ++round) {
    INFO("round " << round);
    auto s = tx_socket();
    CHECK(s->fd() >= 0);
  }
}

namespace {

size_t open_fds() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

}  // namespace

// Failed binds (the zero-copy try of auto mode, a queue that does not
// exist, a busy XDP hook) and destruction give back every fd they opened.
TEST_CASE("setup failures and teardown leak no file descriptors", "[xsk][socket][steer][root]") {
  const std::string dif = env().dut_if;
  XskConfig c;
  c.frame_count = 64;
  c.fill_size = c.comp_size = c.rx_size = c.tx_size = 32;
  const size_t before = open_fds();
  for (int round = 0; round < 3; ++round) {
    {
      c.mode = BindMode::kAuto;  // zero-copy fails on veth, copy succeeds
      auto s = XskSocket::create(dif, 0, c);
      REQUIRE(s.ok());
      c.mode = BindMode::kCopy;
      CHECK(XskSocket::create(dif, 7, c).code() == -EINVAL);
      c.mode = BindMode::kZeroCopy;
      CHECK_FALSE(XskSocket::create(dif, 1, c).ok());
    }
    auto prog = SteerProgram::attach(dif);
    REQUIRE(prog.ok());
    CHECK(SteerProgram::attach(dif).code() == -EBUSY);
  }
  CHECK(open_fds() == before);
}
