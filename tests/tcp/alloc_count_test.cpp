// "No allocation per segment on the hot path" (issue 3, hardening), checked:
// this binary replaces the global operator new with a counting one, sets up
// two engines (handshake, rings, congestion control: allocations allowed),
// then counts every allocation during an established bulk transfer both
// ways, clean and with periodic loss (SACK/NewReno recovery, RTOs). The
// harness around the engines is preallocated so that any count is the
// engine's. Own binary: the replaced operator new must not leak into others.
#include <array>
#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "harness.h"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<uint64_t> g_allocs{0};

void* counted_alloc(std::size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocs.fetch_add(1);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
}  // namespace

void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new[](std::size_t n) { return counted_alloc(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  if (g_counting.load(std::memory_order_relaxed)) g_allocs.fetch_add(1);
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept {
  return operator new(n, t);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace xtcp::tcp::test {
namespace {

// A fixed-size delay line: slots and payload storage exist before counting.
struct Slot {
  Instant at;
  bool to_server = false;
  TcpRepr repr;
  std::array<uint8_t, 2048> data{};
  size_t len = 0;
};

struct FixedLink {
  static constexpr size_t kSlots = 4096;
  std::vector<Slot> slots = std::vector<Slot>(kSlots);
  size_t head = 0, count = 0;
  uint64_t pushed = 0, dropped = 0, overflow = 0;
  uint32_t drop_every = 0;  // drop every Nth segment (0: none)

  void push(Instant now, bool to_server, const OutSegment& out) {
    ++pushed;
    if (drop_every != 0 && pushed % drop_every == 0) { ++dropped; return; }
    if (count == kSlots || out.payload_len() > 2048) { ++overflow; return; }
    Slot& s = slots[(head + count++) % kSlots];
    s.at = now + Duration::millis(2);
    s.to_server = to_server;
    s.repr = out.repr;
    std::copy(out.payload.first.begin(), out.payload.first.end(), s.data.begin());
    std::copy(out.payload.second.begin(), out.payload.second.end(),
              s.data.begin() + static_cast<std::ptrdiff_t>(out.payload.first.size()));
    s.len = out.payload_len();
  }
  Slot& front() { return slots[head]; }
  void pop() { head = (head + 1) % kSlots; --count; }
};

struct Outcome {
  uint64_t setup_allocs = 0;  // shows the counter works: set-up allocates
  uint64_t allocs = 0;
  uint64_t segments = 0;  // segments handed across the link while counting
  uint64_t up = 0, down = 0;
  uint64_t dropped = 0, overflow = 0;
  uint64_t retransmits = 0;
  bool both_established = false;
};

Outcome bulk(TcpConfig cfg, uint64_t bytes_each_way, uint32_t drop_every) {
  g_counting = false;
  FourTuple ct{wire::IpAddress::v4(10, 0, 0, 2), 49500, wire::IpAddress::v4(10, 0, 0, 1), 80};
  FourTuple st{ct.remote, ct.remote_port, ct.local, ct.local_port};
  auto link = std::make_unique<FixedLink>();
  Listener listener(cfg, 80, [](const FourTuple&, Instant) { return SeqNumber(0x1000u); });
  auto client = Connection::connect(cfg, ct, SeqNumber(0x7FFFFFF0u), Instant{});
  std::unique_ptr<Connection> server;
  Instant now{};
  OutSegment out;
  FourTuple tup;
  std::array<uint8_t, 16384> chunk{};
  for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<uint8_t>(i * 7);
  std::array<uint8_t, 65536> sink{};
  Outcome o;
  g_allocs = 0;
  g_counting = true;
  bool counting = false;
  uint64_t sent_up = 0, sent_down = 0;
  for (int iter = 0; iter < 2'000'000; ++iter) {
    if (server && !counting) {  // set-up is over: from here on, count
      o.both_established = client->state() == State::kEstablished &&
                           server->state() == State::kEstablished;
      link->drop_every = drop_every;
      link->pushed = 0;
      counting = true;
      o.setup_allocs = g_allocs.exchange(0);
      g_counting = true;
    }
    if (sent_up < bytes_each_way)
      sent_up += client->send(std::span(chunk).first(std::min<uint64_t>(chunk.size(), bytes_each_way - sent_up)));
    o.down += client->recv(sink);
    if (server) {
      if (sent_down < bytes_each_way)
        sent_down += server->send(std::span(chunk).first(std::min<uint64_t>(chunk.size(), bytes_each_way - sent_down)));
      o.up += server->recv(sink);
    }
    if (o.up == bytes_each_way && o.down == bytes_each_way) break;
    while (client->poll_transmit(now, out)) link->push(now, true, out);
    while (listener.poll_transmit(now, tup, out)) link->push(now, false, out);
    if (server)
      while (server->poll_transmit(now, out)) link->push(now, false, out);
    if (!server) server = listener.accept();
    Instant next = std::min(client->poll_at(), listener.poll_at());
    if (server) next = std::min(next, server->poll_at());
    if (link->count) next = std::min(next, link->front().at);
    if (next == Instant::never()) break;
    now = std::max(now, next);
    while (link->count && link->front().at <= now) {
      Slot& s = link->front();
      s.repr.payload = std::span<const uint8_t>(s.data.data(), s.len);
      if (counting) ++o.segments;
      if (s.to_server) {
        if (server && server->tuple() == st) server->on_segment(s.repr, now);
        else listener.on_segment(st, s.repr, now);
      } else {
        client->on_segment(s.repr, now);
      }
      link->pop();
    }
  }
  g_counting = false;
  o.allocs = g_allocs;
  o.dropped = link->dropped;
  o.overflow = link->overflow;
  o.retransmits = client->info().retransmits + (server ? server->info().retransmits : 0);
  return o;
}

void check(const Outcome& o, uint64_t n) {
  INFO("segments " << o.segments << " dropped " << o.dropped << " overflow " << o.overflow
                   << " retransmits " << o.retransmits);
  CHECK(o.both_established);
  CHECK(o.setup_allocs > 0);  // the replaced operator new does count
  REQUIRE(o.up == n);
  REQUIRE(o.down == n);
  CHECK(o.segments > 2 * n / 1460);
  CHECK(o.allocs == 0);
}

TcpConfig full_options() {
  TcpConfig cfg;  // defaults: CUBIC, SACK, timestamps, window scaling, 1 MB rings
  cfg.no_delay = true;
  return cfg;
}

TEST_CASE("No allocation per segment: 8 MB each way, all options, clean link", "[alloc][hardening]") {
  check(bulk(full_options(), 8u << 20, 0), 8u << 20);
}

TEST_CASE("No allocation per segment: 4 MB each way with loss, SACK recovery and RTOs", "[alloc][hardening]") {
  Outcome o = bulk(full_options(), 4u << 20, 97);
  CHECK(o.retransmits > 0);
  check(o, 4u << 20);
}

TEST_CASE("No allocation per segment: NewReno without SACK or timestamps, with loss", "[alloc][hardening]") {
  TcpConfig cfg = full_options();
  cfg.cc = CcAlgorithm::kNewReno;
  cfg.sack = false;
  cfg.timestamps = false;
  Outcome o = bulk(cfg, 2u << 20, 61);
  CHECK(o.retransmits > 0);
  check(o, 2u << 20);
}

}  // namespace
}  // namespace xtcp::tcp::test
