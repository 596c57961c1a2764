// Test harness for the sans-IO engine: we play the remote peer. Segments
// are TcpRepr templates written with designated initializers; send() feeds
// one to the connection, expect() polls and compares, expect_nothing()
// checks that nothing is due. Times are milliseconds of a virtual clock.
#pragma once

#include <catch2/catch.hpp>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "tcp/connection.h"
#include "tcp/listener.h"
#include "tcp/reset.h"

namespace xtcp::tcp::test {

using wire::SeqNumber;
using wire::TcpOptions;
using wire::TcpRepr;
namespace f = wire::tcp_flags;

inline constexpr uint8_t SYN = f::kSyn;
inline constexpr uint8_t ACK = f::kAck;
inline constexpr uint8_t FIN = f::kFin;
inline constexpr uint8_t RST = f::kRst;
inline constexpr uint8_t PSH = f::kPsh;

// Our ISN and the peer's; the peer's sits just below 2^32 so every test
// crosses the sequence-number wrap (RFC 9293 3.4).
inline const SeqNumber L{10000};
inline const SeqNumber R{0xFFFFFF00u};

inline constexpr uint16_t kLocalPort = 80;
inline constexpr uint16_t kRemotePort = 49500;

inline FourTuple tuple() {
  return {wire::IpAddress::v4(10, 0, 0, 1), kLocalPort, wire::IpAddress::v4(10, 0, 0, 2),
          kRemotePort};
}

inline Instant ms(int64_t v) { return Instant::from_micros(v * 1000); }

// Small, option-free defaults so expected windows are easy to write:
// a 4096-byte receive ring advertises 4096, MSS 1000.
inline TcpConfig config() {
  TcpConfig c;
  c.mss = 1000;
  c.rx_buffer_size = 4096;
  c.tx_buffer_size = 8192;
  c.rx_window_initial = 4096;
  c.window_scaling = false;
  c.sack = false;
  c.timestamps = false;
  c.cc = CcAlgorithm::kNewReno;
  c.quick_acks = 0;
  c.delayed_ack = Duration::millis(40);
  c.no_delay = true;
  return c;
}

inline std::span<const uint8_t> bytes(const char* s) {
  return {reinterpret_cast<const uint8_t*>(s), std::strlen(s)};
}

// What the connection sent, with the payload copied out of the ring.
struct Sent {
  TcpRepr repr;
  std::vector<uint8_t> payload;
};

inline void send(Connection& c, int64_t t, TcpRepr seg) {
  seg.src_port = kRemotePort;
  seg.dst_port = kLocalPort;
  c.on_segment(seg, ms(t));
}

inline bool poll(Connection& c, int64_t t, Sent& s) {
  OutSegment out;
  if (!c.poll_transmit(ms(t), out)) return false;
  s.repr = out.repr;
  s.payload.assign(out.payload.first.begin(), out.payload.first.end());
  s.payload.insert(s.payload.end(), out.payload.second.begin(), out.payload.second.end());
  return true;
}

inline std::string describe(const TcpRepr& r, size_t len) {
  std::string s = "seq=" + std::to_string(r.seq.raw()) + " ack=" + std::to_string(r.ack.raw()) +
                  " flags=";
  const char* names = "FSRPAUEC";
  for (int i = 0; i < 8; ++i)
    if (r.flags & (1 << i)) s += names[i];
  s += " win=" + std::to_string(r.window) + " len=" + std::to_string(len);
  if (r.options.mss) s += " mss=" + std::to_string(*r.options.mss);
  if (r.options.window_scale) s += " ws=" + std::to_string(*r.options.window_scale);
  if (r.options.sack_permitted) s += " sackok";
  if (r.options.timestamps)
    s += " ts=" + std::to_string(r.options.timestamps->tsval) + "/" +
         std::to_string(r.options.timestamps->tsecr);
  for (auto b : r.options.sack_blocks())
    s += " sack=" + std::to_string(b.left.raw()) + "-" + std::to_string(b.right.raw());
  return s;
}

// Compares the fields a peer sees: seq, ack (when ACK is set), flags,
// window, options and payload bytes. Timestamps are compared only when the
// expectation has them.
inline void check(const Sent& got, const TcpRepr& want) {
  INFO("got:  " << describe(got.repr, got.payload.size()));
  INFO("want: " << describe(want, want.payload.size()));
  CHECK(got.repr.src_port == kLocalPort);
  CHECK(got.repr.dst_port == kRemotePort);
  CHECK(got.repr.seq == want.seq);
  CHECK(got.repr.flags == want.flags);
  if (want.flags & ACK) CHECK(got.repr.ack == want.ack);
  CHECK(got.repr.window == want.window);
  TcpOptions go = got.repr.options;
  if (!want.options.timestamps) go.timestamps.reset();
  CHECK(go == want.options);
  CHECK(std::vector<uint8_t>(want.payload.begin(), want.payload.end()) == got.payload);
}

inline void expect(Connection& c, int64_t t, std::initializer_list<TcpRepr> segs) {
  for (const TcpRepr& want : segs) {
    Sent got;
    INFO("expected: " << describe(want, want.payload.size()));
    REQUIRE(poll(c, t, got));
    check(got, want);
  }
}

inline void expect_nothing(Connection& c, int64_t t) {
  Sent got;
  bool any = poll(c, t, got);
  INFO("unexpected: " << describe(got.repr, got.payload.size()));
  CHECK_FALSE(any);
}

// Poll until nothing is due; returns what was sent.
inline std::vector<Sent> drain(Connection& c, int64_t t, size_t limit = 1000) {
  std::vector<Sent> v;
  Sent s;
  while (v.size() < limit && poll(c, t, s)) v.push_back(s);
  return v;
}

// ---- fixtures, one per state (RFC 9293 3.3.2) ----

// SYN-SENT: connect() and the SYN it sent.
inline std::unique_ptr<Connection> syn_sent(TcpConfig cfg = config()) {
  auto c = Connection::connect(cfg, tuple(), L, ms(0));
  REQUIRE(c->state() == State::kSynSent);
  drain(*c, 0);
  return c;
}

// SYN-RECEIVED (passive): the peer's SYN arrived, our SYN-ACK went out.
inline std::unique_ptr<Connection> syn_received(TcpConfig cfg = config(),
                                                TcpOptions peer_opts = {.mss = 1000}) {
  TcpRepr syn{.src_port = kRemotePort, .dst_port = kLocalPort, .seq = R, .flags = SYN,
              .window = 8192, .options = peer_opts};
  auto c = Connection::accept_syn(cfg, tuple(), syn, L, ms(0));
  REQUIRE(c->state() == State::kSynReceived);
  drain(*c, 0);
  return c;
}

// ESTABLISHED (active open), peer window 8192, both MSS 1000.
inline std::unique_ptr<Connection> established(TcpConfig cfg = config(),
                                               TcpOptions peer_opts = {.mss = 1000}) {
  auto c = syn_sent(cfg);
  send(*c, 0, {.seq = R, .ack = L + 1, .flags = SYN | ACK, .window = 8192, .options = peer_opts});
  REQUIRE(c->state() == State::kEstablished);
  drain(*c, 0);
  return c;
}

// FIN-WAIT-1: close() sent our FIN (seq L+1), not yet acknowledged.
inline std::unique_ptr<Connection> fin_wait_1(TcpConfig cfg = config()) {
  auto c = established(cfg);
  c->close();
  expect(*c, 0, {{.seq = L + 1, .ack = R + 1, .flags = FIN | ACK, .window = 4096}});
  REQUIRE(c->state() == State::kFinWait1);
  return c;
}

inline std::unique_ptr<Connection> fin_wait_2(TcpConfig cfg = config()) {
  auto c = fin_wait_1(cfg);
  send(*c, 0, {.seq = R + 1, .ack = L + 2, .flags = ACK, .window = 8192});
  REQUIRE(c->state() == State::kFinWait2);
  return c;
}

// After the peer's FIN our window reads 4095: the FIN took one sequence
// number and a 1-byte move of the right edge is not worth advertising
// (receiver SWS avoidance, RFC 9293 3.8.6.2.2).
inline std::unique_ptr<Connection> close_wait(TcpConfig cfg = config()) {
  auto c = established(cfg);
  send(*c, 0, {.seq = R + 1, .ack = L + 1, .flags = FIN | ACK, .window = 8192});
  expect(*c, 0, {{.seq = L + 1, .ack = R + 2, .flags = ACK, .window = 4095}});
  REQUIRE(c->state() == State::kCloseWait);
  return c;
}

inline std::unique_ptr<Connection> last_ack(TcpConfig cfg = config()) {
  auto c = close_wait(cfg);
  c->close();
  expect(*c, 0, {{.seq = L + 1, .ack = R + 2, .flags = FIN | ACK, .window = 4095}});
  REQUIRE(c->state() == State::kLastAck);
  return c;
}

inline std::unique_ptr<Connection> closing(TcpConfig cfg = config()) {
  auto c = fin_wait_1(cfg);
  send(*c, 0, {.seq = R + 1, .ack = L + 1, .flags = FIN | ACK, .window = 8192});
  expect(*c, 0, {{.seq = L + 2, .ack = R + 2, .flags = ACK, .window = 4095}});
  REQUIRE(c->state() == State::kClosing);
  return c;
}

inline std::unique_ptr<Connection> time_wait(TcpConfig cfg = config()) {
  auto c = fin_wait_2(cfg);
  send(*c, 0, {.seq = R + 1, .ack = L + 2, .flags = FIN | ACK, .window = 8192});
  expect(*c, 0, {{.seq = L + 2, .ack = R + 2, .flags = ACK, .window = 4095}});
  REQUIRE(c->state() == State::kTimeWait);
  return c;
}

// A connection in TIME-WAIT with timestamps on both sides: the peer's last
// TSval was 1001.
inline std::unique_ptr<Connection> time_wait_with_timestamps() {
  TcpConfig cfg = config();
  cfg.timestamps = true;
  auto c = syn_sent(cfg);
  send(*c, 0, {.seq = R, .ack = L + 1, .flags = SYN | ACK, .window = 8192,
               .options = {.mss = 1000, .timestamps = wire::Timestamps{1000, 0}}});
  REQUIRE(c->info().timestamps);
  c->close();
  drain(*c, 0);
  send(*c, 1, {.seq = R + 1, .ack = L + 2, .flags = FIN | ACK, .window = 8192,
               .options = {.timestamps = wire::Timestamps{1001, 0}}});
  drain(*c, 1);
  REQUIRE(c->state() == State::kTimeWait);
  return c;
}

}  // namespace xtcp::tcp::test
