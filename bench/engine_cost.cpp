// Deterministic driver for measuring the TCP engine's cost (issue 3,
// "Measure"): two engines joined in-process (reprs handed over directly, no
// serialization, no clock), with callgrind's collection switched on only
// around the engine calls being measured. bench/engine_cost.sh runs it
// under `valgrind --tool=callgrind --collect-atstart=no` and divides.
//
//   engine_cost rx N     N in-order full-size segments into an established
//                        connection, plus the ACKs it generates and the
//                        app's recv (receiver side only is measured)
//   engine_cost tx N     app send + poll_transmit of N full-size segments
//                        and the ACK input for them (sender side only)
//   engine_cost setup M  M connection set-ups: connect, SYN through a
//                        Listener, SYN-ACK, ACK, accept (both ends measured)
//
// Prints what it did ("rx segments=N ...") for the script to divide by.
#include <valgrind/callgrind.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "tcp/connection.h"
#include "tcp/listener.h"

namespace {

using namespace xtcp;
using tcp::Connection;
using tcp::Instant;

constexpr size_t kMss = 1460;

// Collects only while an instance lives.
struct Measure {
  Measure() { CALLGRIND_TOGGLE_COLLECT; }
  ~Measure() { CALLGRIND_TOGGLE_COLLECT; }
};

// A segment copied out of poll_transmit (its payload spans die on the next
// call), handed to the other end as a repr.
struct Wire {
  wire::TcpRepr repr;
  std::vector<uint8_t> bytes;
  void take(const tcp::OutSegment& out) {
    repr = out.repr;
    bytes.assign(out.payload.first.begin(), out.payload.first.end());
    bytes.insert(bytes.end(), out.payload.second.begin(), out.payload.second.end());
    repr.payload = bytes;
  }
};

const tcp::FourTuple kClient{wire::IpAddress::v4(10, 0, 0, 1), 40000, wire::IpAddress::v4(10, 0, 0, 2), 5001};
tcp::FourTuple server_side(const tcp::FourTuple& c) { return {c.remote, c.remote_port, c.local, c.local_port}; }

struct Pair {
  std::unique_ptr<tcp::Listener> listener;
  std::unique_ptr<Connection> client, server;
  Instant now = Instant::from_micros(1000);
  std::vector<Wire> queue;

  explicit Pair(const tcp::TcpConfig& cfg)
      : listener(std::make_unique<tcp::Listener>(
            cfg, 5001, [](const tcp::FourTuple&, Instant) { return wire::SeqNumber(777); })) {}

  // Everything `c` wants to send now, copied into `queue`.
  void drain(Connection& c) {
    tcp::OutSegment out;
    while (c.poll_transmit(now, out)) queue.emplace_back().take(out);
  }
  void to(Connection& c) {
    for (auto& w : queue) c.on_segment(w.repr, now);
    queue.clear();
  }
  void handshake(const tcp::TcpConfig& cfg, const tcp::FourTuple& t) {
    client = Connection::connect(cfg, t, wire::SeqNumber(12345), now);
    drain(*client);  // SYN
    for (auto& w : queue) listener->on_segment(server_side(t), w.repr, now);
    queue.clear();
    tcp::OutSegment out;
    tcp::FourTuple st;
    while (listener->poll_transmit(now, st, out)) queue.emplace_back().take(out);  // SYN-ACK
    to(*client);
    drain(*client);  // ACK
    for (auto& w : queue) listener->on_segment(server_side(t), w.repr, now);
    queue.clear();
    server = listener->accept();
  }
};

int fail(const char* what) {
  std::fprintf(stderr, "engine_cost: %s\n", what);
  return 1;
}

int run_rx(long n) {
  tcp::TcpConfig cfg;
  cfg.no_delay = true;
  Pair p(cfg);
  p.handshake(cfg, kClient);
  if (!p.server) return fail("handshake did not complete");
  std::vector<uint8_t> data(kMss, 0x42), buf(64 * 1024);
  long acks = 0;
  for (long i = 0; i < n; ++i) {
    p.now = p.now + tcp::Duration::micros(120);  // 1460 B at ~100 Mbit/s
    if (p.client->send(data) != kMss) return fail("sender buffer full");
    p.drain(*p.client);
    size_t first_ack = p.queue.size();
    {
      Measure m;
      for (size_t k = 0; k < first_ack; ++k) p.server->on_segment(p.queue[k].repr, p.now);
      tcp::OutSegment out;
      while (p.server->poll_transmit(p.now, out)) p.queue.emplace_back().take(out);
      while (p.server->recv(buf) > 0) {
      }
    }
    p.queue.erase(p.queue.begin(), p.queue.begin() + static_cast<long>(first_ack));
    acks += static_cast<long>(p.queue.size());
    p.to(*p.client);
  }
  std::printf("rx segments=%ld acks=%ld bytes=%llu\n", n, acks,
              static_cast<unsigned long long>(p.server->info().bytes_received));
  return p.server->info().bytes_received == static_cast<uint64_t>(n) * kMss ? 0 : fail("bytes lost");
}

int run_tx(long n) {
  tcp::TcpConfig cfg;
  cfg.no_delay = true;
  Pair p(cfg);
  p.handshake(cfg, kClient);
  if (!p.server) return fail("handshake did not complete");
  std::vector<uint8_t> data(kMss, 0x42), buf(64 * 1024);
  long segs = 0;
  for (long i = 0; i < n; ++i) {
    p.now = p.now + tcp::Duration::micros(120);
    {
      Measure m;
      if (p.client->send(data) != kMss) return fail("sender buffer full");
      tcp::OutSegment out;
      while (p.client->poll_transmit(p.now, out)) {
        p.queue.emplace_back().take(out);
        ++segs;
      }
    }
    p.to(*p.server);
    while (p.server->recv(buf) > 0) {
    }
    p.drain(*p.server);
    {
      Measure m;
      for (auto& w : p.queue) p.client->on_segment(w.repr, p.now);
    }
    p.queue.clear();
  }
  std::printf("tx segments=%ld bytes_acked=%llu\n", segs,
              static_cast<unsigned long long>(p.client->info().bytes_acked));
  return segs >= n ? 0 : fail("fewer segments than sends");
}

int run_setup(long m) {
  tcp::TcpConfig cfg;
  Pair p(cfg);
  long ok = 0;
  for (long i = 0; i < m; ++i) {
    tcp::FourTuple t = kClient;
    t.local_port = static_cast<uint16_t>(10000 + i % 50000);
    {
      Measure meas;
      p.handshake(cfg, t);
    }
    ok += p.server && p.server->state() == tcp::State::kEstablished &&
          p.client->state() == tcp::State::kEstablished;
    p.client.reset();
    p.server.reset();
  }
  std::printf("setup connections=%ld established=%ld\n", m, ok);
  return ok == m ? 0 : fail("a set-up failed");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s rx|tx|setup COUNT\n", argv[0]);
    return 2;
  }
  long n = std::strtol(argv[2], nullptr, 10);
  if (n <= 0) return fail("COUNT must be a positive number");
  std::string what = argv[1];
  if (what == "rx") return run_rx(n);
  if (what == "tx") return run_tx(n);
  if (what == "setup") return run_setup(n);
  return fail("the first argument must be rx, tx or setup");
}
