// A Shard over MemoryPacketIo on a virtual clock, wired to a peer that is a
// plain tcp::Endpoint: every segment in either direction is a real
// Ethernet/IP/TCP frame built and parsed (checksums verified) by wire/.
// Tests drive both apps between steps; filters can drop frames either way.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "stack/connection_memory.h"
#include "stack/memory_packet_io.h"
#include "stack/neighbour_resolver.h"
#include "stack/shard.h"
#include "stack/steering_maps.h"
#include "tcp/endpoint.h"
#include "wire/frame.h"

namespace xtcp::shard_test {

using namespace xtcp::stack;
namespace tcp = xtcp::tcp;
namespace wire = xtcp::wire;
using tcp::Duration;
using tcp::FourTuple;
using tcp::Instant;
using wire::IpAddress;
using wire::MacAddress;

inline MacAddress mac(uint8_t last) {
  MacAddress m;
  m.bytes = {0x02, 0, 0, 0, 0, last};
  return m;
}

inline IpAddress v6(uint8_t last) {
  uint8_t b[16] = {0xfd, 0x77};
  b[15] = last;
  return IpAddress::v6_from_bytes(b);
}

// Records every callback; on_sync runs the test's app hook.
struct Events : ShardEvents {
  struct Done {
    uint64_t token;
    int err;
    ConnId conn;
  };
  std::vector<Done> done;
  std::vector<ConnId> accepted, established, closed;
  std::vector<tcp::TcpError> closed_err;
  uint64_t readable = 0, writable = 0;
  std::function<void(ConnId, tcp::Connection&)> sync;

  void on_command_done(uint64_t token, int err, ConnId conn) override {
    done.push_back({token, err, conn});
  }
  void on_accepted(const ListenerId&, ConnId conn, const FourTuple&) override {
    accepted.push_back(conn);
  }
  void on_established(ConnId conn) override { established.push_back(conn); }
  void on_sync(ConnId conn, tcp::Connection& c) override {
    if (sync) sync(conn, c);
  }
  void on_readable(ConnId) override { ++readable; }
  void on_writable(ConnId) override { ++writable; }
  void on_closed(ConnId conn, tcp::TcpError err) override {
    closed.push_back(conn);
    closed_err.push_back(err);
  }
};

// Records steering calls and the live map contents.
struct Steering : SteeringMaps {
  std::vector<std::string> calls;
  std::set<std::pair<std::array<uint8_t, 16>, uint16_t>> listeners;
  std::vector<FourTuple> flows;

  int add_listener(const IpAddress& a, uint16_t port) override {
    calls.push_back("add_listener:" + std::to_string(port));
    listeners.insert({a.bytes, port});
    return 0;
  }
  int remove_listener(const IpAddress& a, uint16_t port) override {
    calls.push_back("remove_listener:" + std::to_string(port));
    return listeners.erase({a.bytes, port}) ? 0 : -2;
  }
  int refuse_flows = 0;  // add_flow answers this (-E2BIG: map full) when set
  int add_flow(const FourTuple& t) override {
    calls.push_back("add_flow:" + std::to_string(t.remote_port));
    if (refuse_flows != 0) return refuse_flows;
    flows.push_back(t);
    return 0;
  }
  int remove_flow(const FourTuple& t) override {
    calls.push_back("remove_flow:" + std::to_string(t.remote_port));
    auto it = std::find(flows.begin(), flows.end(), t);
    if (it == flows.end()) return -2;
    flows.erase(it);
    return 0;
  }
};

struct HarnessOptions {
  bool ipv6 = false;
  uint32_t frame_count = 256;
  uint32_t tx_ring = 64;
  uint32_t max_connections = 64;
  uint32_t mem_size = 1u << 18;  // per ring, heap leases
  uint32_t syn_backlog = tcp::kDefaultSynBacklog;
  uint32_t max_time_wait = kDefaultMaxTimeWait;
  tcp::TcpConfig tcp;
};

class Harness {
 public:
  explicit Harness(HarnessOptions o = {})
      : opts(o),
        io(o.frame_count, 2048, o.tx_ring),
        mem(o.mem_size, o.mem_size) {
    shard_ip = o.ipv6 ? v6(2) : IpAddress::v4(10, 77, 0, 2);
    peer_ip = o.ipv6 ? v6(1) : IpAddress::v4(10, 77, 0, 1);
    neigh.add(peer_ip, peer_mac);
    ShardConfig cfg;
    cfg.local_mac = shard_mac;
    if (o.ipv6) cfg.local_v6 = shard_ip; else cfg.local_v4 = shard_ip;
    cfg.tcp = o.tcp;
    cfg.max_connections = o.max_connections;
    cfg.syn_backlog = o.syn_backlog;
    cfg.max_time_wait = o.max_time_wait;
    cfg.isn_secret = {1, 2, 3};
    shard = std::make_unique<Shard>(
        cfg, ShardDeps{io, neigh, steering, mem, events, [this] { return now; }});
  }

  // ---- frames ----
  // Builds the peer's segment as a frame from peer_mac to shard_mac.
  std::vector<uint8_t> peer_frame(const FourTuple& t, const wire::TcpRepr& r,
                                  wire::PayloadParts payload = {}) const {
    wire::FrameHeaders h;
    h.eth.src = peer_mac;
    h.eth.dst = shard_mac;
    h.src_ip = t.local;
    h.dst_ip = t.remote;
    std::vector<uint8_t> buf(wire::frame_header_len(h, r) + payload.size());
    const size_t n = wire::build_frame(h, r, payload, buf);
    buf.resize(n);
    return buf;
  }
  void inject(const FourTuple& peer_side, const wire::TcpRepr& r) {
    io.inject(peer_frame(peer_side, r, {r.payload, {}}));
  }

  // ---- one step: the shard's pass, then the wire both ways ----
  void step() {
    shard->run_once(now);
    ++passes;
    io.take_sent([this](std::span<const uint8_t> f) { to_peer(f); });
    FourTuple t;
    tcp::OutSegment out;
    while (peer.poll_transmit(now, t, out)) {
      const std::vector<uint8_t> f = peer_frame(t, out.repr, {out.payload.first, out.payload.second});
      if (f.empty()) {
        ++peer_build_errors;
        continue;
      }
      if (drop_to_shard && drop_to_shard(f)) {
        ++dropped_to_shard;
        continue;
      }
      io.inject(f);
    }
  }

  // Steps until pred() holds; advances virtual time to the next deadline
  // when nothing is in flight. False after max_steps or when stuck.
  bool run_until(const std::function<bool()>& pred, int max_steps = 200000) {
    for (int i = 0; i < max_steps; ++i) {
      if (pred()) return true;
      step();
      if (pred()) return true;
      if (io.rx_pending() > 0 || io.wire_len() > 0) continue;
      Instant next = std::min(shard->next_deadline(), peer.poll_at());
      if (app_tick) next = std::min(next, now + Duration::millis(1));
      if (next == Instant::never()) return pred();
      if (next > now) now = next;
    }
    return false;
  }

  // ---- the shard's listener / connections ----
  int execute(Command c) {
    const size_t before = events.done.size();
    c.token = ++token;
    shard->execute(c, now);
    return events.done.size() > before ? events.done.back().err : 1;
  }
  int listen(uint16_t port, IpAddress local = {}) {
    if (local == IpAddress{}) local.family = shard_ip.family;
    return execute(Command{.kind = CommandKind::kListen, .local = local, .local_port = port});
  }
  FourTuple peer_tuple(uint16_t peer_port, uint16_t shard_port) const {
    return FourTuple{peer_ip, peer_port, shard_ip, shard_port};
  }

  HarnessOptions opts;
  Instant now = Instant::from_micros(1'000'000);
  MacAddress shard_mac = mac(2), peer_mac = mac(1);
  IpAddress shard_ip, peer_ip;
  MemoryPacketIo io;
  StaticNeighbours neigh;
  Steering steering;
  HeapConnectionMemory mem;
  Events events;
  std::unique_ptr<Shard> shard;
  tcp::Endpoint peer;
  std::function<bool(std::span<const uint8_t>)> drop_to_peer, drop_to_shard;
  bool app_tick = false;  // let time advance in 1 ms steps (apps that poll)
  uint64_t token = 0, passes = 0;
  uint64_t to_peer_parse_errors = 0, peer_build_errors = 0;
  uint64_t dropped_to_peer = 0, dropped_to_shard = 0;
  std::vector<wire::ParsedFrame> peer_saw;  // every frame the peer received
  bool keep_peer_saw = false;

 private:
  void to_peer(std::span<const uint8_t> f) {
    wire::ParsedFrame pf;
    if (wire::parse_frame(f, pf) != wire::ParseError::kOk || pf.hdr.eth.dst != peer_mac ||
        pf.hdr.eth.src != shard_mac) {
      ++to_peer_parse_errors;
      return;
    }
    if (keep_peer_saw) {
      peer_saw.push_back(pf);
      peer_saw.back().tcp.payload = {};  // the frame goes back to the pool
    }
    if (drop_to_peer && drop_to_peer(f)) {
      ++dropped_to_peer;
      return;
    }
    peer.on_segment(FourTuple{pf.hdr.dst_ip, pf.tcp.dst_port, pf.hdr.src_ip, pf.tcp.src_port},
                    pf.tcp, now);
  }
};

// A deterministic byte stream: byte i of stream `seed`.
inline uint8_t stream_byte(uint64_t seed, uint64_t i) {
  uint64_t z = (seed * 0x9e3779b97f4a7c15ULL) ^ (i / 8 * 0xbf58476d1ce4e5b9ULL);
  z ^= z >> 31;
  z *= 0x94d049bb133111ebULL;
  z ^= z >> 29;
  return static_cast<uint8_t>(z >> (8 * (i % 8)));
}

inline uint64_t fnv1a(uint64_t h, std::span<const uint8_t> b) {
  for (uint8_t x : b) h = (h ^ x) * 1099511628211ull;
  return h;
}
inline constexpr uint64_t kFnvBasis = 1469598103934665603ull;

inline uint64_t stream_hash(uint64_t seed, uint64_t len) {
  uint64_t h = kFnvBasis;
  for (uint64_t i = 0; i < len; ++i) {
    const uint8_t b = stream_byte(seed, i);
    h = fnv1a(h, {&b, 1});
  }
  return h;
}

// One side's app: writes `to_send` bytes of stream `seed`, reads and hashes
// everything that arrives.
struct App {
  uint64_t seed = 0;
  uint64_t to_send = 0;
  uint64_t sent = 0;
  uint64_t received = 0;
  uint64_t hash = kFnvBasis;
  bool close_when_sent = false;
  bool closed = false;

  void pump(tcp::Connection& c) {
    uint8_t buf[4096];
    while (sent < to_send) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(sizeof buf, to_send - sent));
      for (size_t i = 0; i < n; ++i) buf[i] = stream_byte(seed, sent + i);
      const size_t q = c.send({buf, n});
      sent += q;
      if (q < n) break;
    }
    for (;;) {
      const size_t n = c.recv(buf);
      if (n == 0) break;
      hash = fnv1a(hash, {buf, n});
      received += n;
    }
    if (close_when_sent && !closed && sent == to_send) {
      c.close();
      closed = true;
    }
  }
};

}  // namespace xtcp::shard_test
