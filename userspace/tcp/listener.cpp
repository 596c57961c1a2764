// Passive open: LISTEN processing (RFC 9293 3.10.7.2) and the SYN and
// accept queues.
#include "tcp/listener.h"

#include <algorithm>
#include <bit>

#include "tcp/reset.h"

namespace xtcp::tcp {

namespace f = wire::tcp_flags;

namespace {
constexpr size_t kMaxPendingResets = 64;  // beyond this, RSTs are dropped
}

Listener::Listener(const TcpConfig& config, uint16_t local_port, IsnSource isn,
                   uint32_t syn_backlog, uint32_t accept_backlog)
    : cfg_(config),
      port_(local_port),
      isn_(std::move(isn)),
      syn_backlog_(std::max<uint32_t>(syn_backlog, 1)),
      accept_backlog_(std::max<uint32_t>(accept_backlog, 1)) {}

Listener::~Listener() = default;

Connection* Listener::find(const FourTuple& tuple) {
  for (auto& c : syn_queue_)
    if (c->tuple() == tuple) return c.get();
  for (auto& c : accept_queue_)
    if (c->tuple() == tuple) return c.get();
  return nullptr;
}

void Listener::on_segment(const FourTuple& tuple, const wire::TcpRepr& seg, Instant now) {
  if (Connection* c = find(tuple)) {
    c->on_segment(seg, now);
    promote_established();
    return;
  }
  // RFC 9293 3.10.7.2, LISTEN: first RST (ignore), second ACK (RST),
  // third SYN.
  if (seg.has(f::kRst)) return;
  if (seg.has(f::kAck)) {
    if (!seg.has(f::kSyn) && cookies_ && accept_cookie(tuple, seg, now)) return;
    queue_reset(tuple, seg);
    return;
  }
  if (!seg.has(f::kSyn)) return;
  ++stats_.syns_received;
  if (accept_queue_.size() >= accept_backlog_) {
    ++stats_.accept_queue_overflows;  // dropped: the peer's SYN retry comes back
    return;
  }
  if (syn_queue_.size() >= syn_backlog_) {
    ++stats_.syn_queue_overflows;
    if (cookies_) queue_cookie_syn_ack(tuple, seg, now);  // RFC 4987 3.6
    return;  // without cookies: dropped, the peer's SYN retry comes back
  }
  BufferMemory mem = buffers_ ? buffers_(tuple) : BufferMemory{};
  auto c = Connection::accept_syn(cfg_, tuple, seg, isn_(tuple, now), now, mem);
  if (trace_) c->set_trace(trace_);
  syn_queue_.push_back(std::move(c));
}

void Listener::queue_reset(const FourTuple& tuple, const wire::TcpRepr& seg) {
  std::optional<wire::TcpRepr> rst = reset_for(seg);
  if (!rst || resets_.size() >= kMaxPendingResets) return;
  resets_.push_back({tuple, *rst});
}

void Listener::enable_syn_cookies(const SecretKey& secret, SynCookieConfig config) {
  cookies_.emplace(secret, config);
  cookie_tokens_ = cookie_burst();
}

double Listener::cookie_burst() const {
  return std::max(1.0, cookies_->config().max_per_second / 10.0);
}

// The token bucket of SynCookieConfig::max_per_second.
bool Listener::take_cookie_token(Instant now) {
  const uint32_t rate = cookies_->config().max_per_second;
  if (rate == 0) return true;
  if (cookie_refill_at_ != Instant::never() && now > cookie_refill_at_) {
    const double s = static_cast<double>((now - cookie_refill_at_).us) / 1e6;
    cookie_tokens_ = std::min(cookie_burst(), cookie_tokens_ + s * rate);
  }
  cookie_refill_at_ = now;
  if (cookie_tokens_ < 1.0) return false;
  cookie_tokens_ -= 1.0;
  return true;
}

uint16_t Listener::cookie_window() const {
  // RFC 7323 2.2: unscaled, as in any SYN-ACK.
  uint32_t rx = std::bit_ceil(std::max<uint32_t>(cfg_.rx_buffer_size, 1));
  return static_cast<uint16_t>(std::min<uint32_t>({cfg_.rx_window_initial, rx, 65535}));
}

uint16_t Listener::cookie_mss(const FourTuple& tuple) const {
  // Our MSS option, clamped by the MTU as Connection does (RFC 9293 3.7.1).
  int headers = (tuple.local.family == wire::IpFamily::kV6 ? 40 : 20) + 20;
  int by_mtu = std::max(static_cast<int>(cfg_.mtu) - headers, 64);
  return static_cast<uint16_t>(std::min<int>(cfg_.mss, by_mtu));
}

void Listener::queue_cookie_syn_ack(const FourTuple& tuple, const wire::TcpRepr& syn,
                                    Instant now) {
  if (resets_.size() >= kMaxPendingResets) return;  // a flood: shed, stay bounded
  if (!take_cookie_token(now)) {
    ++stats_.syn_cookies_limited;  // dropped: the peer's SYN retry comes back
    return;
  }
  uint16_t peer_mss = syn.options.mss ? *syn.options.mss : kDefaultPeerMss;
  wire::TcpRepr r;
  r.src_port = syn.dst_port;
  r.dst_port = syn.src_port;
  r.seq = cookies_->make(tuple, syn.seq, peer_mss, now);
  r.ack = syn.seq + 1;
  r.flags = f::kSyn | f::kAck;
  r.window = cookie_window();
  r.options.mss = cookie_mss(tuple);  // the only option a cookie can honour
  resets_.push_back({tuple, r});
  ++stats_.syn_cookies_sent;
}

bool Listener::accept_cookie(const FourTuple& tuple, const wire::TcpRepr& ack, Instant now) {
  // RFC 4987 3.6: SEG.ACK - 1 must be a cookie for this tuple and SEG.SEQ - 1.
  std::optional<uint16_t> mss = cookies_->check(tuple, ack.seq - 1, ack.ack - 1, now);
  if (!mss) return false;
  if (accept_queue_.size() >= accept_backlog_) {
    ++stats_.accept_queue_overflows;  // dropped; the peer's retransmission retries
    return true;
  }
  BufferMemory mem = buffers_ ? buffers_(tuple) : BufferMemory{};
  uint16_t peer_mss = std::min(*mss, cookie_mss(tuple));
  auto c = Connection::accept_cookie(cfg_, tuple, ack, peer_mss, cookie_window(), now, mem);
  if (trace_) c->set_trace(trace_);
  accept_queue_.push_back(std::move(c));
  ++stats_.syn_cookies_accepted;
  return true;
}

void Listener::promote_established() {
  // Completed handshakes move to the accept queue while it has room;
  // entries that failed (RST, SYN-ACK retries exhausted) are dropped.
  for (size_t i = 0; i < syn_queue_.size();) {
    Connection& c = *syn_queue_[i];
    bool failed = c.state() == State::kClosed;
    bool done = c.state() != State::kSynReceived && !failed;
    if (failed && c.poll_at() == Instant::never()) {
      syn_queue_.erase(syn_queue_.begin() + static_cast<std::ptrdiff_t>(i));
      continue;
    }
    if (done && accept_queue_.size() < accept_backlog_) {
      accept_queue_.push_back(std::move(syn_queue_[i]));
      syn_queue_.erase(syn_queue_.begin() + static_cast<std::ptrdiff_t>(i));
      continue;
    }
    ++i;
  }
}

bool Listener::poll_transmit(Instant now, FourTuple& tuple, OutSegment& out) {
  if (!resets_.empty()) {
    tuple = resets_.front().tuple;
    out = OutSegment{};
    out.repr = resets_.front().rst;
    resets_.pop_front();
    if (out.repr.has(f::kRst)) ++stats_.resets_sent;
    return true;
  }
  for (auto& c : syn_queue_) {
    if (c->poll_transmit(now, out)) {
      tuple = c->tuple();
      return true;
    }
  }
  for (auto& c : accept_queue_) {
    if (c->poll_transmit(now, out)) {
      tuple = c->tuple();
      return true;
    }
  }
  promote_established();  // SYN-ACK retries may have given up
  return false;
}

Instant Listener::poll_at() const {
  if (!resets_.empty()) return Instant{};
  Instant t = Instant::never();
  for (const auto& c : syn_queue_) t = std::min(t, c->poll_at());
  for (const auto& c : accept_queue_) t = std::min(t, c->poll_at());
  return t;
}

std::unique_ptr<Connection> Listener::accept() {
  promote_established();
  if (accept_queue_.empty()) return nullptr;
  std::unique_ptr<Connection> c = std::move(accept_queue_.front());
  accept_queue_.pop_front();
  promote_established();
  return c;
}

}  // namespace xtcp::tcp
