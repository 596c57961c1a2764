// FaultPacketIo (issue 6): every fault does what it says, frame ownership
// stays exact (each received frame released once, every TX frame back in
// the pool), and a corrupted frame never passes the TCP checksum.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <map>
#include <vector>

#include "stack/fault_packet_io.h"
#include "wire/frame.h"

using namespace xtcp;
using stack::FaultConfig;
using stack::FaultPacketIo;
using stack::RxFrame;
using stack::TxFrame;

namespace {

// A PacketIo double that checks ownership exactly: RX frames must be
// released once each (in any order), TX frames are a fixed pool.
class CheckedIo final : public stack::PacketIo {
 public:
  explicit CheckedIo(uint32_t tx_frames = 64) : tx_(tx_frames, std::vector<uint8_t>(2048)) {
    for (uint32_t i = 0; i < tx_frames; ++i) tx_free_.push_back(i);
  }
  void inject(std::vector<uint8_t> f) {
    rx_.push_back(std::move(f));
    state_.push_back(kQueued);
  }
  uint32_t rx_burst(RxFrame* out, uint32_t max) override {
    uint32_t n = 0;
    while (n < max && next_ < rx_.size()) {
      state_[next_] = kOut;
      out[n++] = RxFrame{rx_[next_].data(), static_cast<uint32_t>(rx_[next_].size()), next_};
      ++next_;
    }
    return n;
  }
  void rx_release(const RxFrame* frames, uint32_t n) override {
    for (uint32_t i = 0; i < n; ++i) {
      const uint64_t h = frames[i].handle;
      if (h >= state_.size() || state_[h] != kOut) {
        ++bad;
        continue;
      }
      state_[h] = kReleased;
      ++released;
    }
  }
  bool tx_alloc(TxFrame& out) override {
    if (tx_free_.empty()) return false;
    const uint32_t i = tx_free_.back();
    tx_free_.pop_back();
    out = TxFrame{tx_[i].data(), static_cast<uint32_t>(tx_[i].size()), i, 0};
    return true;
  }
  void tx_abandon(const TxFrame& f) override { tx_free_.push_back(static_cast<uint32_t>(f.handle)); }
  uint32_t tx_submit(const TxFrame* frames, uint32_t n) override {
    for (uint32_t i = 0; i < n; ++i) {
      wire.emplace_back(frames[i].data, frames[i].data + frames[i].len);
      tx_free_.push_back(static_cast<uint32_t>(frames[i].handle));  // sent at once
    }
    return n;
  }
  void kick() override {}
  uint32_t reap_completions() override { return 0; }
  uint32_t tx_free_frames() const override { return static_cast<uint32_t>(tx_free_.size()); }
  uint32_t tx_in_flight() const override { return 0; }

  bool all_released() const {
    return std::all_of(state_.begin(), state_.end(), [](State s) { return s == kReleased; });
  }

  uint64_t bad = 0, released = 0;
  std::vector<std::vector<uint8_t>> wire;

 private:
  enum State { kQueued, kOut, kReleased };
  std::vector<std::vector<uint8_t>> rx_;
  std::vector<State> state_;
  uint32_t next_ = 0;
  std::vector<std::vector<uint8_t>> tx_;
  std::vector<uint32_t> tx_free_;
};

// A valid Ethernet/IPv4 (or IPv6)/TCP frame whose payload starts with `id`.
std::vector<uint8_t> tcp_frame(uint32_t id, bool v6 = false, size_t payload = 100) {
  wire::FrameHeaders h;
  if (v6) {
    uint8_t a[16] = {0xfd, 0x60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    uint8_t b[16] = {0xfd, 0x60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    h.src_ip = wire::IpAddress::v6_from_bytes(a);
    h.dst_ip = wire::IpAddress::v6_from_bytes(b);
  } else {
    h.src_ip = wire::IpAddress::v4(10, 60, 0, 1);
    h.dst_ip = wire::IpAddress::v4(10, 60, 0, 2);
  }
  std::vector<uint8_t> data(payload);
  for (size_t i = 0; i < payload; ++i) data[i] = static_cast<uint8_t>(i * 7 + id);
  std::memcpy(data.data(), &id, std::min(sizeof id, payload));  // payloads may be shorter than id
  wire::TcpRepr r;
  r.src_port = 40000;
  r.dst_port = 5001;
  r.seq = wire::SeqNumber(1000 + id * 100);
  r.flags = wire::tcp_flags::kAck;
  r.window = 1000;
  r.payload = data;
  std::vector<uint8_t> out(wire::frame_header_len(h, r) + payload);
  REQUIRE(wire::build_frame(h, r, out) == out.size());
  return out;
}

uint32_t id_of(const RxFrame& f) {
  wire::ParsedFrame p;
  REQUIRE(wire::parse_frame({f.data, f.len}, p) == wire::ParseError::kOk);
  uint32_t id = 0;
  std::memcpy(&id, p.tcp.payload.data(), sizeof id);
  return id;
}

struct Clock {
  tcp::Instant now = tcp::Instant::from_micros(1000000);
  std::function<tcp::Instant()> fn() {
    return [this] { return now; };
  }
};

// The injector under test over a CheckedIo, on a virtual clock.
struct Rig {
  explicit Rig(const FaultConfig& c, uint32_t tx_frames = 64) : inner(tx_frames), io(inner, c, clock.fn()) {}
  CheckedIo inner;
  Clock clock;
  FaultPacketIo io;
};

// Pulls everything through in bursts of `burst`, releasing after each one
// (as the shard does), and advancing the clock by `step` per burst until
// nothing is held. Returns the ids in the order they came out.
std::vector<uint32_t> drain(FaultPacketIo& io, Clock& clock, uint32_t burst,
                            tcp::Duration step = tcp::Duration::micros(100)) {
  std::vector<uint32_t> ids;
  std::vector<RxFrame> out(burst);
  for (int pass = 0; pass < 100000; ++pass) {
    const uint32_t n = io.rx_burst(out.data(), burst);
    for (uint32_t i = 0; i < n; ++i) ids.push_back(id_of(out[i]));
    io.rx_release(out.data(), n);
    clock.now = clock.now + step;
    if (n == 0 && io.held() == 0 && pass > 10) break;
  }
  return ids;
}

}  // namespace

TEST_CASE("faults off: every frame passes once, in order, unchanged", "[faults]") {
  CheckedIo inner;
  Clock clock;
  for (uint32_t i = 0; i < 50; ++i) inner.inject(tcp_frame(i));
  FaultPacketIo io(inner, FaultConfig{}, clock.fn());
  const std::vector<uint32_t> ids = drain(io, clock, 8);
  REQUIRE(ids.size() == 50);
  for (uint32_t i = 0; i < 50; ++i) CHECK(ids[i] == i);
  CHECK(inner.all_released());
  CHECK(inner.bad == 0);
}

TEST_CASE("rx-drop: dropped frames go straight back to the device", "[faults]") {
  CheckedIo inner;
  Clock clock;
  for (uint32_t i = 0; i < 1000; ++i) inner.inject(tcp_frame(i));
  FaultConfig c;
  c.rx_drop_ppm = 100000;  // 10 %
  FaultPacketIo io(inner, c, clock.fn());
  const std::vector<uint32_t> ids = drain(io, clock, 32);
  CHECK(ids.size() + io.stats().rx_dropped == 1000);
  CHECK(io.stats().rx_dropped > 50);
  CHECK(io.stats().rx_dropped < 150);
  CHECK(std::is_sorted(ids.begin(), ids.end()));
  CHECK(inner.all_released());
  CHECK(inner.bad == 0);
}

TEST_CASE("the same seed gives the same faults, another seed others", "[faults]") {
  auto run = [](uint64_t seed) {
    CheckedIo inner;
    Clock clock;
    for (uint32_t i = 0; i < 300; ++i) inner.inject(tcp_frame(i));
    FaultConfig c;
    c.rx_drop_ppm = 50000;
    c.rx_reorder_ppm = 50000;
    c.seed = seed;
    FaultPacketIo io(inner, c, clock.fn());
    return drain(io, clock, 16);
  };
  CHECK(run(7) == run(7));
  CHECK(run(7) != run(8));
}

TEST_CASE("rx-dup: each frame twice, copies come back to the injector", "[faults]") {
  CheckedIo inner;
  Clock clock;
  // More frames than the injector has copy buffers: copies must be reused.
  const uint32_t n = FaultPacketIo::kCopies * 4;
  for (uint32_t i = 0; i < n; ++i) inner.inject(tcp_frame(i));
  FaultConfig c;
  c.rx_dup_ppm = 1000000;
  FaultPacketIo io(inner, c, clock.fn());
  const std::vector<uint32_t> ids = drain(io, clock, 8);
  REQUIRE(ids.size() == 2 * n);
  for (uint32_t i = 0; i < n; ++i) {
    CHECK(ids[2 * i] == i);
    CHECK(ids[2 * i + 1] == i);
  }
  CHECK(io.stats().rx_duplicated == n);
  CHECK(inner.all_released());
  CHECK(inner.bad == 0);
}

TEST_CASE("rx-dup never overfills the caller's burst", "[faults]") {
  Rig r(FaultConfig{.rx_dup_ppm = 1000000});
  for (uint32_t i = 0; i < 10; ++i) r.inner.inject(tcp_frame(i));
  RxFrame out[4];
  std::vector<uint32_t> ids;
  for (int pass = 0; pass < 20; ++pass) {
    const uint32_t got = r.io.rx_burst(out, 1);
    REQUIRE(got <= 1);
    for (uint32_t i = 0; i < got; ++i) ids.push_back(id_of(out[i]));
    r.io.rx_release(out, got);
  }
  std::vector<uint32_t> want;
  for (uint32_t i = 0; i < 10; ++i) want.push_back(i);
  CHECK(ids == want);  // no room for copies: originals only, none lost
  CHECK(r.inner.all_released());
}

TEST_CASE("rx-reorder: frames come out late but each exactly once", "[faults]") {
  Rig r(FaultConfig{.rx_reorder_ppm = 200000, .reorder_depth = 3});
  for (uint32_t i = 0; i < 500; ++i) r.inner.inject(tcp_frame(i));
  std::vector<uint32_t> ids = drain(r.io, r.clock, 4);
  CHECK(r.io.stats().rx_reordered > 50);
  CHECK_FALSE(std::is_sorted(ids.begin(), ids.end()));
  std::vector<uint32_t> sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  REQUIRE(sorted.size() == 500);
  for (uint32_t i = 0; i < 500; ++i) CHECK(sorted[i] == i);
  CHECK(r.inner.all_released());
  CHECK(r.inner.bad == 0);
}

TEST_CASE("a reordered frame waits for K followers, or max_hold on an idle link", "[faults]") {
  CheckedIo inner;
  Clock clock;
  inner.inject(tcp_frame(0));
  FaultConfig c;
  c.rx_reorder_ppm = 1000000;
  FaultPacketIo io(inner, c, clock.fn());
  RxFrame out[8];
  CHECK(io.rx_burst(out, 8) == 0);
  CHECK(io.held() == 1);
  CHECK(io.tx_in_flight() == 1);  // keeps the shard waking to collect it
  clock.now = clock.now + c.max_hold - tcp::Duration::micros(1);
  CHECK(io.rx_burst(out, 8) == 0);
  clock.now = clock.now + tcp::Duration::micros(1);
  REQUIRE(io.rx_burst(out, 8) == 1);
  CHECK(id_of(out[0]) == 0);
  io.rx_release(out, 1);
  CHECK(io.held() == 0);
  CHECK(io.tx_in_flight() == 0);
  CHECK(inner.all_released());
}

TEST_CASE("rx-delay: frames are handed out after the delay", "[faults]") {
  Rig r(FaultConfig{.rx_delay_ppm = 1000000, .delay = tcp::Duration::millis(5)});
  for (uint32_t i = 0; i < 3; ++i) r.inner.inject(tcp_frame(i));
  RxFrame out[8];
  CHECK(r.io.rx_burst(out, 8) == 0);
  r.clock.now = r.clock.now + tcp::Duration::millis(4);
  CHECK(r.io.rx_burst(out, 8) == 0);
  r.clock.now = r.clock.now + tcp::Duration::millis(1);
  REQUIRE(r.io.rx_burst(out, 8) == 3);
  for (uint32_t i = 0; i < 3; ++i) CHECK(id_of(out[i]) == i);
  r.io.rx_release(out, 3);
  CHECK(r.io.stats().rx_delayed == 3);
  CHECK(r.inner.all_released());
}

TEST_CASE("held frames go back to the device when the injector goes", "[faults]") {
  CheckedIo inner;
  Clock clock;
  for (uint32_t i = 0; i < 5; ++i) inner.inject(tcp_frame(i));
  FaultConfig c;
  c.rx_delay_ppm = 1000000;
  {
    FaultPacketIo io(inner, c, clock.fn());
    RxFrame out[8];
    CHECK(io.rx_burst(out, 8) == 0);
    CHECK(io.held() == 5);
  }
  CHECK(inner.all_released());
  CHECK(inner.bad == 0);
}

TEST_CASE("rx-corrupt: the TCP checksum catches every corrupted frame", "[faults]") {
  const bool v6 = GENERATE(false, true);
  Rig r(FaultConfig{.rx_corrupt_ppm = 1000000});
  for (uint32_t i = 0; i < 2000; ++i) r.inner.inject(tcp_frame(i, v6, 1 + i % 1400));
  RxFrame out[16];
  uint32_t seen = 0, bad_checksum = 0;
  for (int pass = 0; pass < 1000; ++pass) {
    const uint32_t n = r.io.rx_burst(out, 16);
    for (uint32_t i = 0; i < n; ++i) {
      wire::ParsedFrame p;
      bad_checksum += wire::parse_frame({out[i].data, out[i].len}, p) == wire::ParseError::kBadChecksum;
    }
    seen += n;
    r.io.rx_release(out, n);
  }
  CHECK(seen == 2000);
  CHECK(r.io.stats().rx_corrupted == 2000);
  CHECK(bad_checksum == 2000);
}

TEST_CASE("corrupt_tcp_byte leaves non-TCP frames alone", "[faults]") {
  std::vector<uint8_t> arp(60, 0);
  arp[12] = 0x08;
  arp[13] = 0x06;
  const std::vector<uint8_t> before = arp;
  stack::FaultRng rng(1);
  CHECK_FALSE(stack::corrupt_tcp_byte(arp.data(), static_cast<uint32_t>(arp.size()), rng));
  CHECK(arp == before);
}

namespace {
// Builds each frame into a frame from tx_alloc and submits them.
uint32_t send(FaultPacketIo& io, uint32_t first, uint32_t count) {
  std::vector<TxFrame> fs;
  for (uint32_t i = 0; i < count; ++i) {
    TxFrame f;
    REQUIRE(io.tx_alloc(f));
    const std::vector<uint8_t> b = tcp_frame(first + i);
    std::memcpy(f.data, b.data(), b.size());
    f.len = static_cast<uint32_t>(b.size());
    fs.push_back(f);
  }
  return io.tx_submit(fs.data(), count);
}

uint32_t wire_id(const std::vector<uint8_t>& b) {
  RxFrame f{b.data(), static_cast<uint32_t>(b.size()), 0};
  return id_of(f);
}
}  // namespace

TEST_CASE("tx-drop: dropped frames count as taken and return to the pool", "[faults]") {
  Rig r(FaultConfig{.tx_drop_ppm = 1000000});
  CHECK(send(r.io, 0, 32) == 32);
  CHECK(r.inner.wire.empty());
  CHECK(r.io.tx_free_frames() == 64);
  CHECK(r.io.stats().tx_dropped == 32);
}

TEST_CASE("tx-dup: each frame is on the wire twice, no frame leaks", "[faults]") {
  Rig r(FaultConfig{.tx_dup_ppm = 1000000});
  CHECK(send(r.io, 0, 16) == 16);
  REQUIRE(r.inner.wire.size() == 32);
  for (uint32_t i = 0; i < 16; ++i) {
    CHECK(wire_id(r.inner.wire[2 * i]) == i);
    CHECK(r.inner.wire[2 * i] == r.inner.wire[2 * i + 1]);
  }
  CHECK(r.io.tx_free_frames() == 64);
  CHECK(r.io.stats().tx_duplicated == 16);
}

TEST_CASE("tx-corrupt: frames on the wire fail the TCP checksum", "[faults]") {
  Rig r(FaultConfig{.tx_corrupt_ppm = 1000000});
  CHECK(send(r.io, 0, 32) == 32);
  REQUIRE(r.inner.wire.size() == 32);
  for (const auto& b : r.inner.wire) {
    wire::ParsedFrame p;
    CHECK(wire::parse_frame(b, p) == wire::ParseError::kBadChecksum);
  }
  CHECK(r.io.stats().tx_corrupted == 32);
}
