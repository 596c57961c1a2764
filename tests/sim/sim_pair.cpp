// The two-host event loop behind run_transfer() (see sim_pair.h).
#include "sim/sim_pair.h"

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "sim/sim_stream.h"
#include "tcp/connection.h"
#include "tcp/listener.h"
#include "wire/tcp.h"

namespace xtcp::sim {

using tcp::Connection;
using tcp::Instant;
using tcp::State;

namespace {

constexpr uint16_t kClientPort = 40000;
constexpr uint16_t kServerPort = 5001;
constexpr size_t kMaxSegment = 64 * 1024 + 60;
constexpr int kMaxTransmitsPerPoll = 100000;  // bounds a runaway poll_transmit

// SplitMix64 finalizer: independent sub-seeds from one test seed.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

uint64_t stream_hash(uint64_t seed, uint64_t len) {
  ByteStream s(seed);
  Fnv1a h;
  while (len > 0) {
    auto chunk = s.peek().first(std::min<uint64_t>(len, s.peek().size()));
    h.add(chunk);
    s.consume(chunk.size());
    len -= chunk.size();
  }
  return h.value();
}

// XTCP_SIM_TRACE: 1 = periodic per-side info lines, 2 = also every segment
// received, 3 = and every segment sent.
int trace_level() {
  static const int level = [] {
    const char* t = std::getenv("XTCP_SIM_TRACE");
    return t ? std::atoi(t) : 0;
  }();
  return level;
}

class Host {
 public:
  Host(const tcp::FourTuple& tuple, uint64_t out_seed, uint64_t in_seed, SideResult& r)
      : tuple_(tuple),
        pseudo_out_(wire::tcp_pseudo_sum(tuple.local, tuple.remote)),
        pseudo_in_(wire::tcp_pseudo_sum(tuple.remote, tuple.local)),
        out_(out_seed),
        expect_(in_seed),
        r_(r) {}

  std::unique_ptr<Connection> conn;
  std::unique_ptr<tcp::Listener> listener;

  void receive(std::span<const uint8_t> bytes, bool corrupted, Instant now);
  void app(Instant now);
  void transmit(Instant now, Link& link);
  Instant poll_at() const;
  State state() const { return conn ? conn->state() : State::kListen; }
  bool data_done() const { return r_.received == r_.to_receive && r_.sent == r_.to_send; }

 private:
  void app_send();
  void app_recv(Instant now);
  void emit(const tcp::OutSegment& out, Instant now, Link& link);
  void log_segment(const wire::TcpRepr& seg, Instant now) const;

  tcp::FourTuple tuple_;  // local = this host
  uint32_t pseudo_out_, pseudo_in_;
  ByteStream out_, expect_;
  Fnv1a out_hash_, in_hash_;
  bool close_called_ = false;
  SideResult& r_;
  std::array<uint8_t, kMaxSegment> scratch_{};
};

void Host::receive(std::span<const uint8_t> bytes, bool corrupted, Instant now) {
  wire::TcpRepr seg;
  wire::ParseError e = wire::tcp_parse(bytes, pseudo_in_, seg);
  r_.checksum_drops += e == wire::ParseError::kBadChecksum;
  if (corrupted) {
    // Usually the checksum; a flipped data-offset byte may fail earlier.
    // A corrupted segment that parses is counted and not fed to the engine.
    ++(e == wire::ParseError::kOk ? r_.corrupt_accepted : r_.corrupt_refused);
    return;
  }
  if (e != wire::ParseError::kOk) {
    ++r_.parse_errors;
    return;
  }
  if (trace_level() >= 2) log_segment(seg, now);
  tcp::FourTuple t{tuple_.local, seg.dst_port, tuple_.remote, seg.src_port};
  if (conn && conn->tuple() == t) {
    conn->on_segment(seg, now);
  } else if (listener) {
    listener->on_segment(t, seg, now);
    if (!conn) conn = listener->accept();
  }
}

void Host::log_segment(const wire::TcpRepr& seg, Instant now) const {
  namespace f = wire::tcp_flags;
  std::fprintf(stderr, "t=%.6f ->%s %s%s%s%s seq=%u ack=%u len=%zu win=%u", now.us / 1e6,
               tuple_.local_port == kClientPort ? "C" : "S", seg.has(f::kSyn) ? "S" : "",
               seg.has(f::kFin) ? "F" : "", seg.has(f::kRst) ? "R" : "",
               seg.has(f::kAck) ? "." : "", seg.seq.raw(), seg.ack.raw(), seg.payload.size(),
               seg.window);
  if (seg.options.timestamps)
    std::fprintf(stderr, " ts=%u/%u", seg.options.timestamps->tsval, seg.options.timestamps->tsecr);
  for (const wire::SackBlock& b : seg.options.sack_blocks())
    std::fprintf(stderr, " sack=%u-%u", b.left.raw(), b.right.raw());
  std::fprintf(stderr, "\n");
}

void Host::app_send() {
  while (r_.sent < r_.to_send) {
    std::span<const uint8_t> chunk = out_.peek();
    chunk = chunk.first(std::min<uint64_t>(chunk.size(), r_.to_send - r_.sent));
    size_t n = conn->send(chunk);
    if (n == 0) return;
    out_hash_.add(chunk.first(n));
    out_.consume(n);
    r_.sent += n;
  }
}

void Host::app_recv(Instant now) {
  std::array<uint8_t, 16384> buf;
  for (size_t n; (n = conn->recv(buf)) > 0;) {
    std::span<const uint8_t> got(buf.data(), n);
    in_hash_.add(got);
    for (size_t off = 0; off < n;) {  // compare against the peer's stream
      std::span<const uint8_t> want = expect_.peek();
      size_t k = std::min(want.size(), n - off);
      if (r_.first_mismatch < 0 && !std::equal(want.begin(), want.begin() + k, got.begin() + off))
        r_.first_mismatch = static_cast<int64_t>(r_.received + off);
      expect_.consume(k);
      off += k;
    }
    r_.received += n;
    if (r_.received >= r_.to_receive && r_.last_byte_at == Instant::never())
      r_.last_byte_at = now;
  }
}

void Host::app(Instant now) {
  if (!conn) return;
  app_recv(now);
  if (!tcp::is_synchronized(conn->state())) return;
  app_send();
  r_.sent_hash = out_hash_.value();
  r_.received_hash = in_hash_.value();
  if (close_called_ || r_.sent < r_.to_send) return;
  // The active closer closes once its data is queued; the other side waits
  // for the peer's FIN and reads everything first (RFC 9293 3.10.4).
  if (r_.active_closer || (conn->peer_closed() && conn->recv_queue_len() == 0)) {
    conn->close();
    close_called_ = true;
  }
}

void Host::emit(const tcp::OutSegment& out, Instant now, Link& link) {
  wire::PayloadParts parts{out.payload.first, out.payload.second};
  size_t n = wire::tcp_emit(out.repr, parts, scratch_, pseudo_out_);
  if (n == 0) {
    ++r_.emit_errors;
    return;
  }
  ++r_.segments_out;
  if (trace_level() >= 3) {
    std::fprintf(stderr, "t=%.6f %s-> emit ", now.us / 1e6, tuple_.local_port == kClientPort ? "C" : "S");
    log_segment(out.repr, now);
  }
  link.send({scratch_.data(), n}, now);
}

void Host::transmit(Instant now, Link& link) {
  tcp::OutSegment out;
  tcp::FourTuple t;
  for (int i = 0; i < kMaxTransmitsPerPoll && listener && listener->poll_transmit(now, t, out); ++i)
    emit(out, now, link);
  if (listener && !conn) conn = listener->accept();
  for (int i = 0; i < kMaxTransmitsPerPoll && conn && conn->poll_transmit(now, out); ++i)
    emit(out, now, link);
}

Instant Host::poll_at() const {
  Instant t = Instant::never();
  if (conn) t = std::min(t, conn->poll_at());
  if (listener) t = std::min(t, listener->poll_at());
  return t;
}

// at_finish: the moment both closes completed (info and state then);
// otherwise the end of the run (final state; info too if never finished).
void capture(const Host& h, SideResult& r, bool at_finish, bool finished) {
  r.final_state = h.state();
  if (!h.conn) return;
  r.error = h.conn->error();
  if (at_finish) r.state_at_finish = h.state();
  if (at_finish || !finished) r.info = h.conn->info();
}

}  // namespace

double TransferResult::goodput_bps(const SideResult& receiver) {
  if (receiver.last_byte_at == Instant::never() || receiver.last_byte_at.us <= 0) return 0.0;
  return static_cast<double>(receiver.received) * 8e6 /
         static_cast<double>(receiver.last_byte_at.us);
}

std::string TransferResult::summary() const {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "finished=%d why='%s' t=%.3fs steps=%" PRIu64 " spins=%" PRIu64
                " | c->s %.2fMbit/s rtx=%" PRIu64 " rto=%" PRIu64 " tlp=%" PRIu64 " rec=%" PRIu64
                " | s->c %.2fMbit/s rtx=%" PRIu64 " rto=%" PRIu64 " tlp=%" PRIu64 " rec=%" PRIu64
                " | fwd drops tail=%" PRIu64 " loss=%" PRIu64 "+%" PRIu64 " corrupt=%" PRIu64
                " | rev drops tail=%" PRIu64 " loss=%" PRIu64 "+%" PRIu64 " corrupt=%" PRIu64,
                finished, why.c_str(),
                finished_at == Instant::never() ? -1.0 : static_cast<double>(finished_at.us) / 1e6,
                steps, idle_spins, goodput_bps(server) / 1e6, client.info.retransmits,
                client.info.rto_count, client.info.tlp_probes, client.info.fast_retransmits,
                goodput_bps(client) / 1e6, server.info.retransmits, server.info.rto_count,
                server.info.tlp_probes, server.info.fast_retransmits, forward.tail_drops,
                forward.random_losses, forward.burst_losses, forward.corrupted,
                reverse.tail_drops, reverse.random_losses, reverse.burst_losses,
                reverse.corrupted);
  return buf;
}

uint64_t sim_seed(uint64_t fallback) {
  const char* s = std::getenv("XTCP_SIM_SEED");
  return s && *s ? std::strtoull(s, nullptr, 0) : fallback;
}

namespace {

struct Loop {
  const TransferSpec& spec;
  TransferResult& res;
  Host& client;
  Host& server;
  Link forward, reverse;  // client -> server, server -> client
  Instant next_trace{};

  bool finished() const {
    const Host& ah = res.client.active_closer ? client : server;
    const Host& ph = res.client.active_closer ? server : client;
    return client.data_done() && server.data_done() && ah.state() == State::kTimeWait &&
           ph.state() == State::kClosed;
  }

  // XTCP_SIM_TRACE=1: one line per side every virtual 100 ms, to see where
  // a slow transfer spends its time (2: every segment as well).
  void trace(Instant now) {
    if (trace_level() < 1 || now < next_trace) return;
    next_trace = now + tcp::Duration::millis(100);
    for (const Host* h : {&client, &server}) {
      if (!h->conn) continue;
      tcp::TcpInfo i = h->conn->info();
      std::fprintf(stderr,
                   "t=%.3f %s %s acked=%" PRIu64 " rcvd=%" PRIu64 " cwnd=%u ssth=%u infl=%u "
                   "wnd=%u rto=%lldms srtt=%lldms rtx=%" PRIu64 " rtos=%" PRIu64 " fr=%" PRIu64
                   " rec=%d\n",
                   static_cast<double>(now.us) / 1e6, h == &client ? "C" : "S",
                   tcp::to_string(i.state), i.bytes_acked, i.bytes_received, i.cwnd, i.ssthresh,
                   i.bytes_in_flight, i.snd_wnd, static_cast<long long>(i.rto.millis()),
                   static_cast<long long>(i.srtt.millis()), i.retransmits, i.rto_count,
                   i.fast_retransmits, i.in_recovery);
    }
  }

  void step(Instant now) {
    trace(now);
    std::vector<uint8_t> pkt;
    bool bad = false;
    while (forward.deliver(now, pkt, bad)) {
      server.receive(pkt, bad, now);
      forward.recycle(std::move(pkt));
    }
    while (reverse.deliver(now, pkt, bad)) {
      client.receive(pkt, bad, now);
      reverse.recycle(std::move(pkt));
    }
    client.app(now);
    server.app(now);
    client.transmit(now, forward);
    server.transmit(now, reverse);
  }

  Instant next_event() const {
    return std::min({forward.next_delivery(), reverse.next_delivery(), client.poll_at(),
                     server.poll_at()});
  }

  // Runs until done(now) or a limit; false with res.why set on a limit.
  template <class Done>
  bool run(Instant& now, Done done) {
    Instant limit = Instant{} + spec.time_limit;
    while (!done()) {
      if (++res.steps > spec.max_steps) return fail("step limit reached");
      Instant next = next_event();
      if (next == Instant::never()) return fail("nothing scheduled: the transfer stalled");
      if (next <= now) {
        ++res.idle_spins;  // a deadline at or before now that produced nothing
        next = now + tcp::Duration::micros(1);
        if (next_event() <= now && res.idle_spins > 10'000'000) return fail("spinning");
      }
      now = next;
      if (now > limit) return fail("virtual time limit reached");
      step(now);
      if (failed_connection()) return fail("a connection ended with an error");
    }
    return true;
  }

  bool failed_connection() const {
    return (client.conn && client.conn->error() != tcp::TcpError::kNone) ||
           (server.conn && server.conn->error() != tcp::TcpError::kNone);
  }

  bool fail(const char* why) {
    res.why = why;
    return false;
  }
};

}  // namespace

TransferResult run_transfer(const TransferSpec& spec) {
  TransferResult res;
  const auto client_ip = wire::IpAddress::v4(10, 77, 0, 1);
  const auto server_ip = wire::IpAddress::v4(10, 77, 0, 2);
  tcp::FourTuple ct{client_ip, kClientPort, server_ip, kServerPort};
  tcp::FourTuple st{server_ip, kServerPort, client_ip, kClientPort};
  uint64_t c2s_seed = mix(spec.seed ^ 0xc25), s2c_seed = mix(spec.seed ^ 0x52c);

  res.client.to_send = res.server.to_receive = spec.client_to_server;
  res.server.to_send = res.client.to_receive = spec.server_to_client;
  res.client.expected_hash = stream_hash(s2c_seed, spec.server_to_client);
  res.server.expected_hash = stream_hash(c2s_seed, spec.client_to_server);
  res.client.active_closer = spec.client_to_server > 0 || spec.server_to_client == 0;
  res.server.active_closer = !res.client.active_closer;

  Host client(ct, c2s_seed, s2c_seed, res.client);
  Host server(st, s2c_seed, c2s_seed, res.server);
  auto server_isn = wire::SeqNumber(static_cast<uint32_t>(mix(spec.seed ^ 0x15)));
  server.listener = std::make_unique<tcp::Listener>(
      spec.server_cfg, kServerPort,
      [server_isn](const tcp::FourTuple&, Instant) { return server_isn; });
  Instant now{};
  client.conn = Connection::connect(spec.client_cfg, ct,
                                    wire::SeqNumber(static_cast<uint32_t>(mix(spec.seed))), now);

  Loop loop{spec, res, client, server, Link(spec.forward, mix(spec.seed ^ 0xf0)),
            Link(spec.reverse, mix(spec.seed ^ 0x0f))};
  loop.step(now);
  if (loop.run(now, [&] { return loop.finished(); })) {
    res.finished = true;
    res.finished_at = now;
    capture(client, res.client, true, true);
    capture(server, res.server, true, true);
    if (spec.wait_time_wait) {
      Host& active = res.client.active_closer ? client : server;
      if (loop.run(now, [&] { return active.state() == State::kClosed; }))
        res.time_wait_end = now;
    }
  }
  capture(client, res.client, false, res.finished);
  capture(server, res.server, false, res.finished);
  res.forward = loop.forward.stats();
  res.reverse = loop.reverse.stats();
  return res;
}

}  // namespace xtcp::sim
