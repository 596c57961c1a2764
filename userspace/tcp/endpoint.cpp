#include "tcp/endpoint.h"

#include <algorithm>
#include <functional>

#include "tcp/reset.h"

namespace xtcp::tcp {

namespace f = wire::tcp_flags;

size_t FourTupleHash::operator()(const FourTuple& t) const {
  // FNV-1a over the tuple's bytes; good enough for tests.
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](const uint8_t* p, size_t n) {
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  };
  mix(t.local.bytes.data(), t.local.bytes.size());
  mix(t.remote.bytes.data(), t.remote.bytes.size());
  uint16_t ports[2] = {t.local_port, t.remote_port};
  mix(reinterpret_cast<const uint8_t*>(ports), sizeof(ports));
  return static_cast<size_t>(h);
}

Connection* Endpoint::connect(const TcpConfig& config, const FourTuple& tuple,
                              wire::SeqNumber isn, Instant now) {
  auto c = Connection::connect(config, tuple, isn, now);
  Connection* p = c.get();
  conns_[tuple] = std::move(c);
  return p;
}

Listener* Endpoint::listen(const TcpConfig& config, uint16_t port, IsnSource isn,
                           uint32_t syn_backlog, uint32_t accept_backlog) {
  auto l = std::make_unique<Listener>(config, port, std::move(isn), syn_backlog, accept_backlog);
  Listener* p = l.get();
  listeners_[port] = std::move(l);
  return p;
}

Connection* Endpoint::accept(uint16_t port) {
  auto it = listeners_.find(port);
  if (it == listeners_.end()) return nullptr;
  std::unique_ptr<Connection> c = it->second->accept();
  if (!c) return nullptr;
  Connection* p = c.get();
  conns_[c->tuple()] = std::move(c);
  return p;
}

Connection* Endpoint::find(const FourTuple& tuple) {
  auto it = conns_.find(tuple);
  return it == conns_.end() ? nullptr : it->second.get();
}

void Endpoint::reap() {
  std::erase_if(conns_, [](const auto& kv) {
    return kv.second->state() == State::kClosed && kv.second->poll_at() == Instant::never();
  });
}

void Endpoint::on_segment(const FourTuple& tuple, const wire::TcpRepr& seg, Instant now) {
  auto it = conns_.find(tuple);
  if (it != conns_.end()) {
    Connection& c = *it->second;
    auto l = listeners_.find(tuple.local_port);
    if (c.accepts_new_syn(seg) && l != listeners_.end()) {
      conns_.erase(it);  // RFC 6191: TIME-WAIT yields to a newer SYN
      l->second->on_segment(tuple, seg, now);
      return;
    }
    if (c.state() != State::kClosed) {
      c.on_segment(seg, now);
      return;
    }
  }
  auto l = listeners_.find(tuple.local_port);
  if (l != listeners_.end()) {
    l->second->on_segment(tuple, seg, now);
    return;
  }
  // RFC 9293 3.10.7.1: no connection, no listener: answer with a RST.
  if (auto rst = reset_for(seg); rst && resets_.size() < 64) resets_.emplace_back(tuple, *rst);
}

bool Endpoint::poll_transmit(Instant now, FourTuple& tuple, OutSegment& out) {
  if (!resets_.empty()) {
    tuple = resets_.back().first;
    out = OutSegment{};
    out.repr = resets_.back().second;
    resets_.pop_back();
    return true;
  }
  for (auto& [t, c] : conns_) {
    if (c->poll_transmit(now, out)) {
      tuple = t;
      return true;
    }
  }
  for (auto& [port, l] : listeners_) {
    if (l->poll_transmit(now, tuple, out)) return true;
  }
  return false;
}

Instant Endpoint::poll_at() const {
  if (!resets_.empty()) return Instant{};
  Instant t = Instant::never();
  for (const auto& [tuple, c] : conns_) t = std::min(t, c->poll_at());
  for (const auto& [port, l] : listeners_) t = std::min(t, l->poll_at());
  return t;
}

}  // namespace xtcp::tcp
