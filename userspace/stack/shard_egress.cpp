// Egress pass (daemon-design.md "Shard loop" step 4): visit only the dirty
// connections and listeners, let each build its segments straight into TX
// frames (the payload copied once, from the send ring), submit in batches
// with one kick per batch, then re-arm the entry's timer at poll_at().
//
// Back-pressure: a frame is allocated before poll_transmit is asked, so a
// segment is never taken from the engine without a frame to put it in. When
// no frame is free the pass stops, the entry stays dirty, and the next pass
// (after completions are reaped) resumes it.
#include "stack/shard.h"

namespace xtcp::stack {

bool Shard::egress(tcp::Instant now) {
  const uint64_t frames_before = stats_.tx_frames;
  const uint64_t visits_before = stats_.egress_visits;
  if (!batch_.empty()) submit_batch();
  if (batch_.empty()) tx_blocked_ = false;
  send_resets();
  // Only the entries dirty now: one re-marked during the pass waits for the
  // next pass, so the pass is bounded.
  for (size_t n = dirty_.size(); n > 0 && !tx_blocked_; --n) {
    Egress* e = dirty_.pop();
    if (e == nullptr) break;
    ++stats_.egress_visits;
    if (e->is_listener) {
      visit_listener(static_cast<ListenerSlot&>(*e), now);
    } else {
      visit_conn(static_cast<ConnSlot&>(*e), now);
    }
  }
  submit_batch();
  // A pass stalled on frames is not progress: the loop may sleep until
  // next_deadline() instead of spinning.
  return stats_.tx_frames != frames_before ||
         (stats_.egress_visits != visits_before && !tx_blocked_);
}

void Shard::visit_conn(ConnSlot& s, tcp::Instant now) {
  tcp::Connection& c = *s.conn;
  events_.on_sync(id_of(s), c);
  const wire::MacAddress* mac = c.wants_transmit(now) ? next_hop(s, now) : nullptr;
  uint32_t built = 0;
  while (mac != nullptr && built < cfg_.segments_per_visit) {
    TxFrame f;
    if (batch_.size() >= cfg_.tx_batch || !io_.tx_alloc(f)) {
      ++stats_.tx_no_frame;
      tx_blocked_ = true;
      break;
    }
    tcp::OutSegment out;
    if (!c.poll_transmit(now, out)) {
      io_.tx_abandon(f);
      break;
    }
    emit(c.tuple(), *mac, out, f);
    ++built;
  }
  report(s);
  if (retire_to_time_wait(s, now)) return;
  if (c.state() == tcp::State::kClosed && c.poll_at() == tcp::Instant::never()) {
    release_conn(s);
    return;
  }
  if (tx_blocked_ || built == cfg_.segments_per_visit) {
    dirty_.mark(s);  // more to send: the next pass continues
  } else if (s.mac_wait_since == tcp::Instant::never()) {
    wheel_.arm(s, c.poll_at());
  }
}

// The MAC to send to, or nullptr while the resolver waits for the kernel
// (the connection is retried after neighbour_retry, given up after
// neighbour_timeout).
const wire::MacAddress* Shard::next_hop(ConnSlot& s, tcp::Instant now) {
  const uint64_t generation = neighbours_.generation(now);
  if (s.has_mac && s.mac_generation != generation) s.has_mac = false;  // look again
  if (!s.has_mac) {
    std::optional<wire::MacAddress> mac = neighbours_.lookup(s.conn->tuple().remote, now);
    if (mac) {
      s.mac = *mac;
      s.has_mac = true;
      s.mac_generation = neighbours_.generation(now);
    }
  }
  if (s.has_mac) {
    s.mac_wait_since = tcp::Instant::never();
    return &s.mac;
  }
  ++stats_.neighbour_pending;
  if (s.mac_wait_since == tcp::Instant::never()) s.mac_wait_since = now;
  // An open that never reached the wire fails; a synchronized connection
  // keeps trying (its own retransmission timeout ends it, as in the kernel).
  if (!tcp::is_synchronized(s.conn->state()) && now - s.mac_wait_since >= cfg_.neighbour_timeout) {
    ++stats_.neighbour_failed;
    s.conn->abort();  // nothing reached the wire; CLOSED, released below
    while (s.conn->poll_at() <= now) {
      tcp::OutSegment drop;
      if (!s.conn->poll_transmit(now, drop)) break;
    }
  } else {
    wheel_.arm(s, now + cfg_.neighbour_retry);
  }
  return nullptr;
}

void Shard::visit_listener(ListenerSlot& l, tcp::Instant now) {
  tcp::Listener& L = *l.listener;
  uint32_t built = 0;
  while (built < cfg_.segments_per_visit) {
    TxFrame f;
    if (batch_.size() >= cfg_.tx_batch || !io_.tx_alloc(f)) {
      ++stats_.tx_no_frame;
      tx_blocked_ = true;
      break;
    }
    tcp::FourTuple t;
    tcp::OutSegment out;
    if (!L.poll_transmit(now, t, out)) {
      io_.tx_abandon(f);
      break;
    }
    std::optional<wire::MacAddress> mac = neighbours_.lookup(t.remote, now);
    if (!mac) {
      // The SYN-ACK is lost; the listener's retransmission tries again.
      ++stats_.neighbour_pending;
      io_.tx_abandon(f);
      continue;
    }
    emit(t, *mac, out, f);
    ++built;
  }
  sweep_leases(l);
  if (tx_blocked_ || built == cfg_.segments_per_visit) {
    dirty_.mark(l);
  } else {
    wheel_.arm(l, L.poll_at());
  }
}

// Lifecycle events, compared with what was last reported.
void Shard::report(ConnSlot& s) {
  tcp::Connection& c = *s.conn;
  const ConnId id = id_of(s);
  if (!s.established_reported && tcp::is_synchronized(c.state())) {
    s.established_reported = true;
    if (s.active) events_.on_established(id);
  }
  const tcp::TcpInfo info = c.info();
  if (info.bytes_received != s.seen_received || (c.peer_closed() && !s.seen_peer_fin)) {
    s.seen_received = info.bytes_received;
    s.seen_peer_fin = c.peer_closed();
    events_.on_readable(id);
  }
  if (info.bytes_acked != s.seen_acked) {
    s.seen_acked = info.bytes_acked;
    events_.on_writable(id);  // the daemon publishes tx.cons and may wake the app
  }
}

void Shard::send_resets() {
  size_t sent = 0;
  for (; sent < resets_.size(); ++sent) {
    TxFrame f;
    if (batch_.size() >= cfg_.tx_batch || !io_.tx_alloc(f)) {
      ++stats_.tx_no_frame;
      tx_blocked_ = true;
      break;
    }
    tcp::OutSegment out;
    out.repr = resets_[sent].rst;
    emit(resets_[sent].tuple, resets_[sent].mac, out, f);
    if (out.repr.has(wire::tcp_flags::kRst)) {
      ++stats_.resets_sent;
    } else {
      ++stats_.time_wait_acks;
    }
  }
  resets_.erase(resets_.begin(), resets_.begin() + static_cast<std::ptrdiff_t>(sent));
}

bool Shard::emit(const tcp::FourTuple& t, const wire::MacAddress& mac, const tcp::OutSegment& out,
                 TxFrame& f) {
  wire::FrameHeaders h;
  h.eth.dst = mac;
  h.eth.src = cfg_.local_mac;
  h.src_ip = t.local;
  h.dst_ip = t.remote;
  h.ttl = cfg_.ttl;
  h.ip_id = ip_id_++;
  const wire::PayloadParts payload{out.payload.first, out.payload.second};
  const size_t len = wire::build_frame(h, out.repr, payload, {f.data, f.capacity});
  if (len == 0) {
    ++stats_.tx_build_failed;  // MSS and MTU disagree with the frame size
    io_.tx_abandon(f);
    return false;
  }
  f.len = static_cast<uint32_t>(len);
  batch_.push_back(f);
  if (batch_.size() >= cfg_.tx_batch) submit_batch();
  return true;
}

// Submits the batch and kicks once. Frames the device did not take stay at
// the front of the batch for the next pass.
void Shard::submit_batch() {
  if (batch_.empty()) return;
  const uint32_t n = static_cast<uint32_t>(batch_.size());
  const uint32_t taken = io_.tx_submit(batch_.data(), n);
  for (uint32_t i = 0; i < taken; ++i) stats_.tx_bytes += batch_[i].len;
  stats_.tx_frames += taken;
  if (taken < n) ++stats_.tx_ring_full;
  batch_.erase(batch_.begin(), batch_.begin() + taken);
  io_.kick();
  ++stats_.tx_kicks;
}

}  // namespace xtcp::stack
