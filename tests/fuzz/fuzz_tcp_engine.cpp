// libFuzzer target for the TCP engine (issue 3, "Fuzzing"). The input is a
// program: a starting state and a sequence of operations played by a fake
// peer and a fake app against one Connection (or a Listener):
//
//   byte 0      start: 0 LISTEN (Listener), 1 SYN-SENT, 2 ESTABLISHED
//   byte 1      config bits: sack, timestamps, window scaling, nodelay, cc
//   then ops    opcode byte, operands from the following bytes (missing
//               bytes read as 0):
//     0 segment: flags, seq offset (i16, from the last ACK the engine sent),
//                ack offset (i16, from the highest sequence it sent),
//                window (u16), option bits, payload length (u16 % 1500),
//                two SACK offsets (i16 each)
//     1 time:    advance the clock by u16 << (byte % 24) microseconds
//     2 send:    app send of u16 % 20000 bytes
//     3 recv:    app recv of up to u16 bytes
//     4 shutdown_write   5 close   6 abort (only if byte % 8 == 0)
//     7 raw:     length byte, then that many bytes parsed by wire::tcp_parse
//                (checksum skipped) and delivered if they parse
//
// After every step the engine's output is drained and invariants are
// checked; a violation calls abort() so libFuzzer reports it:
//   * a bounded number of segments per step;
//   * after draining, poll_at() is not at or before now (it would spin);
//   * the engine ACKs no sequence space the peer never sent, and (except in
//     RSTs, whose SEQ echoes the peer's ACK) sends no sequence number outside
//     [ISS, ISS + 1 + bytes queued + FIN];
//   * payloads fit the configured MSS and the queues their capacity;
//   * bytes_in_flight never exceeds what the app queued plus SYN and FIN.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "tcp/connection.h"
#include "tcp/listener.h"
#include "wire/tcp.h"

namespace {

using namespace xtcp;
using tcp::Duration;
using tcp::Instant;
using wire::SeqNumber;
namespace f = wire::tcp_flags;

constexpr uint16_t kLocalPort = 5001, kPeerPort = 40000;
constexpr uint32_t kLocalIss = 0xfffff000;  // wraps during the run
constexpr uint32_t kPeerIss = 0x7ffff000;
constexpr uint32_t kBuf = 8192;
constexpr int kMaxOps = 4096;
constexpr size_t kMaxSegmentsPerStep = kBuf + 64;  // 1-byte segments, worst case

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_tcp_engine invariant violated: %s\n", what);
  std::abort();
}

class Reader {
 public:
  Reader(const uint8_t* d, size_t n) : d_(d), n_(n) {}
  bool done() const { return i_ >= n_; }
  uint8_t u8() { return i_ < n_ ? d_[i_++] : 0; }
  uint16_t u16() { return static_cast<uint16_t>(u8() | (u8() << 8)); }
  int16_t i16() { return static_cast<int16_t>(u16()); }

 private:
  const uint8_t* d_;
  size_t n_, i_ = 0;
};

struct Harness {
  tcp::TcpConfig cfg;
  tcp::FourTuple tuple{wire::IpAddress::v4(10, 0, 0, 2), kLocalPort, wire::IpAddress::v4(10, 0, 0, 1),
                       kPeerPort};
  std::unique_ptr<tcp::Listener> listener;
  std::unique_ptr<tcp::Connection> conn;
  Instant now = Instant::from_micros(1'000'000);
  uint64_t queued = 0;                  // bytes the app handed to send()
  SeqNumber peer_max{kPeerIss};         // highest peer sequence ever delivered
  SeqNumber engine_ack{kPeerIss};       // last ACK the engine sent
  SeqNumber engine_max{kLocalIss};      // highest sequence the engine sent
  bool engine_ack_seen = false;
  std::vector<uint8_t> payload = std::vector<uint8_t>(1500, 0xa5);
  std::vector<uint8_t> app = std::vector<uint8_t>(20000, 0x5a);

  void deliver(const wire::TcpRepr& seg) {
    SeqNumber end = seg.seq + seg.segment_len();
    if (end > peer_max) peer_max = end;
    if (conn) {
      conn->on_segment(seg, now);
    } else if (listener) {
      listener->on_segment(tuple, seg, now);
      conn = listener->accept();
    }
  }

  void check_out(const tcp::OutSegment& out) {
    const wire::TcpRepr& r = out.repr;
    if (out.payload_len() > cfg.mss) fail("payload larger than the configured MSS");
    if (r.has(f::kAck) && r.ack > peer_max) fail("ACK of sequence space the peer never sent");
    if (r.has(f::kAck)) {
      engine_ack = r.ack;
      engine_ack_seen = true;
    }
    uint32_t len = static_cast<uint32_t>(out.payload_len()) + r.has(f::kSyn) + r.has(f::kFin);
    if (r.has(f::kRst)) return;  // SEQ may echo the peer's ACK (RFC 9293 3.10.7.1)
    SeqNumber iss(kLocalIss);
    if (r.seq < iss - 1) fail("sequence number below ISS - 1");
    if (r.seq + len > iss + static_cast<uint32_t>(queued) + 2)
      fail("sequence number beyond the data queued plus SYN and FIN");
    if (r.seq + len > engine_max) engine_max = r.seq + len;
  }

  void drain() {
    tcp::OutSegment out;
    tcp::FourTuple t;
    size_t n = 0;
    while (listener && listener->poll_transmit(now, t, out)) {
      check_out(out);
      if (++n > kMaxSegmentsPerStep) fail("too many segments in one step (listener)");
    }
    if (listener && !conn) conn = listener->accept();
    while (conn && conn->poll_transmit(now, out)) {
      check_out(out);
      if (++n > kMaxSegmentsPerStep) fail("too many segments in one step");
    }
    if (conn && conn->poll_at() <= now) fail("poll_at() at or before now after draining");
    if (listener && listener->poll_at() <= now) fail("listener poll_at() at or before now");
    if (!conn) return;
    if (conn->send_queue_len() > kBuf) fail("send queue beyond its capacity");
    if (conn->recv_queue_len() > kBuf) fail("receive queue beyond its capacity");
    if (conn->info().bytes_in_flight > queued + 2) fail("bytes in flight beyond what was queued");
  }

  void op_segment(Reader& in) {
    wire::TcpRepr s;
    s.src_port = kPeerPort;
    s.dst_port = kLocalPort;
    s.flags = in.u8();
    SeqNumber seq_base = engine_ack_seen ? engine_ack : SeqNumber(kPeerIss);
    s.seq = seq_base + static_cast<uint32_t>(static_cast<int32_t>(in.i16()));
    s.ack = engine_max + static_cast<uint32_t>(static_cast<int32_t>(in.i16()));
    s.window = in.u16();
    uint8_t opt = in.u8();
    size_t len = in.u16() % (payload.size() + 1);
    int16_t sack_l = in.i16(), sack_r = in.i16();
    if (opt & 1) s.options.mss = static_cast<uint16_t>(in.u16());
    if (opt & 2) s.options.window_scale = static_cast<uint8_t>(opt >> 4);
    if (opt & 4) s.options.sack_permitted = true;
    if (opt & 8) s.options.timestamps = wire::Timestamps{static_cast<uint32_t>(now.us / 1000) + sack_l, 0};
    if (opt & 0x80) {
      s.options.sack_count = 1;
      s.options.sack[0] = {engine_max + static_cast<uint32_t>(static_cast<int32_t>(sack_l)),
                           engine_max + static_cast<uint32_t>(static_cast<int32_t>(sack_r))};
    }
    s.payload = std::span<const uint8_t>(payload.data(), len);
    deliver(s);
  }

  void op_raw(Reader& in) {
    std::vector<uint8_t> bytes(in.u8());
    for (auto& b : bytes) b = in.u8();
    wire::TcpRepr s;
    if (wire::tcp_parse(bytes, tuple.remote, tuple.local, s, wire::ChecksumCheck::kSkip) !=
        wire::ParseError::kOk)
      return;
    // Keep the parsed flags, window, options and payload, but reach our
    // connection and stay near its sequence space (offsets, as for op 0).
    s.src_port = kPeerPort;
    s.dst_port = kLocalPort;
    SeqNumber seq_base = engine_ack_seen ? engine_ack : SeqNumber(kPeerIss);
    s.seq = seq_base + static_cast<uint32_t>(static_cast<int32_t>(static_cast<int16_t>(s.seq.raw())));
    s.ack = engine_max + static_cast<uint32_t>(static_cast<int32_t>(static_cast<int16_t>(s.ack.raw())));
    deliver(s);
  }

  void step(Reader& in) {
    switch (in.u8() % 8) {
      case 0: op_segment(in); break;
      case 1: now = now + Duration::micros(static_cast<int64_t>(in.u16()) << (in.u8() % 24)); break;
      case 2:
        if (conn) queued += conn->send({app.data(), in.u16() % app.size()});
        break;
      case 3:
        if (conn) {
          std::vector<uint8_t> buf(in.u16());
          conn->recv(buf);
        }
        break;
      case 4: if (conn) conn->shutdown_write(); break;
      case 5: if (conn) conn->close(); break;
      case 6: if (conn && in.u8() % 8 == 0) conn->abort(); break;
      case 7: op_raw(in); break;
    }
    drain();
  }

  // The peer's SYN-ACK for a connection in SYN-SENT: full options.
  void complete_handshake() {
    wire::TcpRepr s;
    s.src_port = kPeerPort;
    s.dst_port = kLocalPort;
    s.flags = f::kSyn | f::kAck;
    s.seq = SeqNumber(kPeerIss);
    s.ack = SeqNumber(kLocalIss) + 1;
    s.window = 65535;
    s.options.mss = 1460;
    s.options.window_scale = 7;
    s.options.sack_permitted = cfg.sack;
    if (cfg.timestamps) s.options.timestamps = wire::Timestamps{1, 0};
    now = now + Duration::millis(1);
    deliver(s);
    drain();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader in(data, size);
  Harness h;
  uint8_t start = in.u8() % 3, bits = in.u8();
  h.cfg.rx_buffer_size = h.cfg.tx_buffer_size = kBuf;
  h.cfg.rx_window_initial = h.cfg.rx_window_max = kBuf;
  h.cfg.sack = bits & 1;
  h.cfg.timestamps = bits & 2;
  h.cfg.window_scaling = bits & 4;
  h.cfg.no_delay = bits & 8;
  h.cfg.cc = (bits & 16) ? tcp::CcAlgorithm::kNewReno : tcp::CcAlgorithm::kCubic;
  if (start == 0) {
    h.listener = std::make_unique<tcp::Listener>(
        h.cfg, kLocalPort, [](const tcp::FourTuple&, Instant) { return SeqNumber(kLocalIss); });
  } else {
    h.conn = tcp::Connection::connect(h.cfg, h.tuple, SeqNumber(kLocalIss), h.now);
    h.drain();
    if (start == 2) h.complete_handshake();
  }
  for (int i = 0; i < kMaxOps && !in.done(); ++i) h.step(in);
  return 0;
}
