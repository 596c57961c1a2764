// FramePool accounting and XskConfig validation: no root, no kernel.
#include <catch2/catch.hpp>

#include <set>

#include "xsk/config.h"
#include "xsk/frame_pool.h"

using xtcp::xsk::FramePool;
using Place = FramePool::Place;

namespace {

FramePool make_pool(uint32_t n, uint32_t size = 2048) {
  auto p = FramePool::create(n, size);
  REQUIRE(p.ok());
  return std::move(p).value();
}

// The invariant every user relies on: each frame is in exactly one place.
void check_sum(const FramePool& p) {
  CHECK(p.free() + p.in_fill() + p.in_app() + p.in_tx() == p.count());
}

}  // namespace

TEST_CASE("a new pool has every frame free, at distinct aligned addresses", "[xsk][pool]") {
  FramePool p = make_pool(16, 4096);
  CHECK(p.free() == 16);
  std::set<uint64_t> seen;
  for (int i = 0; i < 16; ++i) {
    const uint64_t a = p.alloc();
    REQUIRE(a != FramePool::kNoFrame);
    CHECK(a % 4096 == 0);
    CHECK(a < 16u * 4096);
    seen.insert(a);
  }
  CHECK(seen.size() == 16);
  CHECK(p.alloc() == FramePool::kNoFrame);  // empty: no frame invented
  CHECK(p.in_app() == 16);
  check_sum(p);
}

TEST_CASE("frames move fill -> rx(app) -> tx -> completion -> free", "[xsk][pool]") {
  FramePool p = make_pool(8);
  const uint64_t a = p.alloc_for_fill();
  CHECK(p.in_fill() == 1);
  CHECK(p.place(a) == Place::kFill);
  // RX descriptors carry an offset inside the frame; frame_base strips it.
  CHECK(p.frame_base(a + 256) == a);
  CHECK(p.on_rx(p.frame_base(a + 256)));
  CHECK(p.in_fill() == 0);
  CHECK(p.in_app() == 1);
  CHECK(p.on_tx_submit(a));
  CHECK(p.in_tx() == 1);
  CHECK(p.on_completion(a));
  CHECK(p.in_tx() == 0);
  CHECK(p.free() == 8);
  CHECK(p.bad_transitions() == 0);
  check_sum(p);
}

TEST_CASE("a received frame can be recycled straight to the fill ring", "[xsk][pool]") {
  FramePool p = make_pool(4);
  const uint64_t a = p.alloc_for_fill();
  REQUIRE(p.on_rx(a));
  CHECK(p.recycle_to_fill(a));
  CHECK(p.in_fill() == 1);
  CHECK(p.free() == 3);
  check_sum(p);
}

TEST_CASE("wrong transitions are refused and counted, the stack stays intact", "[xsk][pool]") {
  FramePool p = make_pool(4);
  const uint64_t a = p.alloc();
  CHECK(p.release(a));
  CHECK_FALSE(p.release(a));         // double free
  CHECK_FALSE(p.on_completion(a));   // completion of a frame never sent
  CHECK_FALSE(p.on_rx(a));           // RX of a frame never given to the kernel
  CHECK_FALSE(p.release(4 * 2048));  // outside the UMEM
  CHECK(p.bad_transitions() == 4);
  CHECK(p.free() == 4);  // no duplicate pushed: exactly 4 distinct frames
  std::set<uint64_t> seen;
  for (int i = 0; i < 4; ++i) seen.insert(p.alloc());
  CHECK(seen.size() == 4);
  CHECK(seen.count(FramePool::kNoFrame) == 0);
  check_sum(p);
}

TEST_CASE("tx_undo returns a submitted frame to the app", "[xsk][pool]") {
  FramePool p = make_pool(2);
  const uint64_t a = p.alloc();
  REQUIRE(p.on_tx_submit(a));
  CHECK(p.tx_undo(a));
  CHECK(p.place(a) == Place::kApp);
  check_sum(p);
}

TEST_CASE("random walk keeps the accounting exact", "[xsk][pool]") {
  FramePool p = make_pool(64);
  std::vector<uint64_t> fill, app, tx;
  uint32_t rng = 12345;
  for (int step = 0; step < 20000; ++step) {
    rng = rng * 1103515245u + 12345u;
    auto take = [&](std::vector<uint64_t>& v) {
      const uint64_t a = v[(rng >> 8) % v.size()];
      v.erase(std::find(v.begin(), v.end(), a));
      return a;
    };
    switch ((rng >> 16) % 6) {
      case 0: if (uint64_t a = p.alloc_for_fill(); a != FramePool::kNoFrame) fill.push_back(a); break;
      case 1: if (!fill.empty()) { uint64_t a = take(fill); REQUIRE(p.on_rx(a)); app.push_back(a); } break;
      case 2: if (!app.empty()) { uint64_t a = take(app); REQUIRE(p.on_tx_submit(a)); tx.push_back(a); } break;
      case 3: if (!tx.empty()) REQUIRE(p.on_completion(take(tx))); break;
      case 4: if (!app.empty()) REQUIRE(p.release(take(app))); break;
      case 5: if (uint64_t a = p.alloc(); a != FramePool::kNoFrame) app.push_back(a); break;
    }
    REQUIRE(p.in_fill() == fill.size());
    REQUIRE(p.in_app() == app.size());
    REQUIRE(p.in_tx() == tx.size());
    REQUIRE(p.free() + fill.size() + app.size() + tx.size() == 64);
  }
  CHECK(p.bad_transitions() == 0);
}

TEST_CASE("pool creation rejects nonsense sizes", "[xsk][pool]") {
  CHECK_FALSE(FramePool::create(0, 2048).ok());
  CHECK(FramePool::create(0, 2048).code() == -EINVAL);
  CHECK_FALSE(FramePool::create(8, 3000).ok());
}

TEST_CASE("XskConfig defaults are valid and named", "[xsk][config]") {
  xtcp::xsk::XskConfig c;
  CHECK(xtcp::xsk::validate(c).ok());
  CHECK(c.frame_size == xtcp::xsk::XskConfig::kDefaultFrameSize);
  CHECK(c.mode == xtcp::xsk::BindMode::kAuto);
  c.frame_size = 2048;
  CHECK(xtcp::xsk::validate(c).ok());
}

TEST_CASE("XskConfig validation names the bad field", "[xsk][config]") {
  using xtcp::xsk::XskConfig;
  XskConfig c;
  c.frame_size = 3000;
  auto s = xtcp::xsk::validate(c);
  CHECK(s.code() == -EINVAL);
  CHECK_THAT(s.message(), Catch::Contains("frame_size 3000"));

  c = XskConfig{};
  c.rx_size = 1000;
  s = xtcp::xsk::validate(c);
  CHECK_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("rx_size"));

  c = XskConfig{};
  c.fill_size = 0;
  CHECK_FALSE(xtcp::xsk::validate(c).ok());

  c = XskConfig{};
  c.frame_count = 0;
  CHECK_THAT(xtcp::xsk::validate(c).message(), Catch::Contains("frame_count"));

  c = XskConfig{};
  c.frame_size = 2048;
  c.frame_headroom = 1024;  // 1024 + 1514 > 2048
  CHECK_THAT(xtcp::xsk::validate(c).message(), Catch::Contains("frame_headroom"));
}

TEST_CASE("XskConfig headroom counts the kernel's XDP_PACKET_HEADROOM too", "[xsk][config]") {
  // RX data starts 256 + frame_headroom bytes into a chunk; the kernel drops
  // frames longer than the rest, so 2048 - 256 - 300 = 1492 bytes would
  // silently lose every full-size frame.
  xtcp::xsk::XskConfig c;
  c.frame_size = 2048;
  c.frame_headroom = 300;
  CHECK(xtcp::xsk::validate(c).code() == -EINVAL);
  c.frame_headroom = 2048 - 256 - 1518;  // exactly a VLAN-tagged 1500-byte frame left
  CHECK(xtcp::xsk::validate(c).ok());
  c.frame_headroom += 1;
  CHECK_FALSE(xtcp::xsk::validate(c).ok());
}

TEST_CASE("bind modes parse and print", "[xsk][config]") {
  using xtcp::xsk::BindMode;
  BindMode m = BindMode::kAuto;
  CHECK(xtcp::xsk::parse_bind_mode("copy", &m));
  CHECK(m == BindMode::kCopy);
  CHECK(xtcp::xsk::parse_bind_mode("zerocopy", &m));
  CHECK(m == BindMode::kZeroCopy);
  CHECK_FALSE(xtcp::xsk::parse_bind_mode("fast", &m));
  CHECK(std::string(xtcp::xsk::bind_mode_name(BindMode::kAuto)) == "auto");
}
