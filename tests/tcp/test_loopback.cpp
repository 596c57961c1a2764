// Two engines joined back to back: an active-open Connection and a
// Listener-accepted one exchange segments through a delay line (optionally
// lossy), transfer a few MB both ways and compare hashes (STYLE.md 18).
#include <deque>
#include <random>

#include "harness.h"

namespace xtcp::tcp::test {

namespace {

uint64_t fnv1a(uint64_t h, std::span<const uint8_t> d) {
  for (uint8_t b : d) h = (h ^ b) * 1099511628211ull;
  return h;
}
constexpr uint64_t kFnvInit = 1469598103934665603ull;

struct Packet {
  Instant at;
  bool to_server;
  TcpRepr repr;
  std::vector<uint8_t> data;
};

struct Stream {  // one direction's app side: a deterministic byte source
  uint64_t total = 0;
  uint64_t sent = 0;
  uint64_t received = 0;
  uint64_t tx_hash = kFnvInit;
  uint64_t rx_hash = kFnvInit;
  std::mt19937_64 gen;
  void fill(Connection& c) {
    while (sent < total) {
      ByteSpans w = c.writable();
      size_t n = std::min<uint64_t>(w.first.size(), total - sent);
      if (n == 0) return;
      for (size_t i = 0; i < n; ++i) w.first[i] = static_cast<uint8_t>(gen());
      tx_hash = fnv1a(tx_hash, w.first.first(n));
      c.commit(n);
      sent += n;
    }
  }
  void drain(Connection& c) {
    for (;;) {
      ConstByteSpans r = c.readable();
      if (r.empty()) return;
      rx_hash = fnv1a(rx_hash, r.first);
      rx_hash = fnv1a(rx_hash, r.second);
      received += r.size();
      c.consume(r.size());
    }
  }
};

struct Link {
  Duration delay = Duration::millis(5);
  double loss = 0;
  std::mt19937_64 rng{7};
  std::deque<Packet> q;
  uint64_t dropped = 0;
  void push(Instant now, bool to_server, const OutSegment& out) {
    if (loss > 0 && std::uniform_real_distribution<>(0, 1)(rng) < loss) {
      ++dropped;
      return;
    }
    Packet p{now + delay, to_server, out.repr, {}};
    p.data.assign(out.payload.first.begin(), out.payload.first.end());
    p.data.insert(p.data.end(), out.payload.second.begin(), out.payload.second.end());
    q.push_back(std::move(p));
  }
};

struct Result {
  State client_state, server_state;
  Stream up, down;
  TcpInfo client, server;
  Instant end;
  uint64_t dropped;
};

Result run(TcpConfig cfg, uint64_t bytes_each_way, double loss, bool both_ways = true) {
  FourTuple ct{wire::IpAddress::v4(10, 0, 0, 2), 49500, wire::IpAddress::v4(10, 0, 0, 1), 80};
  FourTuple st{ct.remote, ct.remote_port, ct.local, ct.local_port};
  Link link;
  link.loss = loss;
  Listener listener(cfg, 80, [](const FourTuple&, Instant) { return SeqNumber(0xFFFF0000u); });
  auto client = Connection::connect(cfg, ct, SeqNumber(0x7FFFFFF0u), Instant{});
  std::unique_ptr<Connection> server;
  Result res;
  res.up.total = bytes_each_way;
  res.down.total = both_ways ? bytes_each_way : 0;
  res.up.gen.seed(1);
  res.down.gen.seed(2);
  Instant now{};
  OutSegment out;
  FourTuple tup;
  bool client_closed = false, server_closed = false;
  for (int iter = 0; iter < 5'000'000; ++iter) {
    // Apps: write, read, close once everything is through.
    res.up.fill(*client);
    res.down.drain(*client);
    if (server) {
      res.down.fill(*server);
      res.up.drain(*server);
    }
    if (!client_closed && res.up.sent == res.up.total && res.down.received == res.down.total) {
      client->close();
      client_closed = true;
    }
    if (server && !server_closed && res.down.sent == res.down.total &&
        res.up.received == res.up.total && server->peer_closed()) {
      server->close();
      server_closed = true;
    }
    // Transmit everything due now.
    while (client->poll_transmit(now, out)) link.push(now, true, out);
    while (listener.poll_transmit(now, tup, out)) link.push(now, false, out);
    if (server)
      while (server->poll_transmit(now, out)) link.push(now, false, out);
    if (!server) server = listener.accept();
    bool done = client->state() == State::kTimeWait && server &&
                server->state() == State::kClosed && link.q.empty();
    if (done) break;
    // Advance to the next event.
    Instant next = std::min(client->poll_at(), listener.poll_at());
    if (server) next = std::min(next, server->poll_at());
    if (!link.q.empty()) next = std::min(next, link.q.front().at);
    if (next == Instant::never()) break;  // stalled
    now = std::max(now, next);
    while (!link.q.empty() && link.q.front().at <= now) {
      Packet p = std::move(link.q.front());
      link.q.pop_front();
      p.repr.payload = p.data;
      if (p.to_server) {
        if (server && server->tuple() == st) server->on_segment(p.repr, now);
        else listener.on_segment(st, p.repr, now);
      } else {
        client->on_segment(p.repr, now);
      }
    }
  }
  res.client_state = client->state();
  res.server_state = server ? server->state() : State::kListen;
  res.client = client->info();
  if (server) res.server = server->info();
  res.end = now;
  res.dropped = link.dropped;
  return res;
}

void check_transfer(const Result& r, uint64_t n, uint64_t n_down) {
  INFO("virtual time " << r.end.us / 1000 << " ms, dropped " << r.dropped);
  INFO("client: rto " << r.client.rto_count << " fr " << r.client.fast_retransmits << " rtx "
                      << r.client.retransmits << " cwnd " << r.client.cwnd);
  INFO("server: rto " << r.server.rto_count << " fr " << r.server.fast_retransmits << " rtx "
                      << r.server.retransmits << " cwnd " << r.server.cwnd);
  INFO("client " << to_string(r.client_state) << " server " << to_string(r.server_state));
  CHECK(r.up.received == n);
  CHECK(r.down.received == n_down);
  CHECK(r.up.rx_hash == r.up.tx_hash);
  CHECK(r.down.rx_hash == r.down.tx_hash);
  CHECK(r.client_state == State::kTimeWait);  // the active closer
  CHECK(r.server_state == State::kClosed);
}

}  // namespace

TEST_CASE("Loopback: 4 MB each way, all options, clean link", "[loopback]") {
  TcpConfig cfg;  // defaults: SACK, timestamps, window scaling, CUBIC
  cfg.time_wait = Duration::seconds(1);
  Result r = run(cfg, 4 << 20, 0);
  check_transfer(r, 4 << 20, 4 << 20);
  CHECK(r.client.retransmits == 0);
  CHECK(r.server.retransmits == 0);
  CHECK(r.client.sack);
  CHECK(r.client.timestamps);
  CHECK(r.client.snd_wscale == 7);
}

TEST_CASE("Loopback: 2 MB each way with 2% loss, SACK recovery (RFC 6675)", "[loopback][sack][retransmit]") {
  TcpConfig cfg;
  Result r = run(cfg, 2 << 20, 0.02);
  check_transfer(r, 2 << 20, 2 << 20);
  CHECK(r.dropped > 0);
  CHECK(r.client.retransmits + r.server.retransmits > 0);
  CHECK(r.client.fast_retransmits + r.server.fast_retransmits > 0);
}

TEST_CASE("Loopback: 2 MB one way with 2% loss, NewReno without SACK or timestamps (RFC 6582)", "[loopback][newreno][retransmit]") {
  // One way: ACKs that carry data are never duplicate ACKs (RFC 5681 2), so
  // dup-ACK-driven recovery needs a receiver with nothing to send.
  TcpConfig cfg;
  cfg.sack = false;
  cfg.timestamps = false;
  cfg.cc = CcAlgorithm::kNewReno;
  Result r = run(cfg, 2 << 20, 0.02, false);
  check_transfer(r, 2 << 20, 0);
  INFO("client: rto " << r.client.rto_count << " fr " << r.client.fast_retransmits << " rtx "
                      << r.client.retransmits);
  INFO("server: rto " << r.server.rto_count << " fr " << r.server.fast_retransmits << " rtx "
                      << r.server.retransmits << " time " << r.end.us / 1000 << " ms");
  CHECK(r.client.fast_retransmits + r.server.fast_retransmits > 0);
}

TEST_CASE("Loopback: small buffers and no window scaling", "[loopback][window]") {
  TcpConfig cfg = config();
  cfg.rx_buffer_size = 2048;
  cfg.tx_buffer_size = 2048;
  Result r = run(cfg, 256 << 10, 0);
  check_transfer(r, 256 << 10, 256 << 10);
}

}  // namespace xtcp::tcp::test
