// Ingress pass (daemon-design.md "Shard loop" step 1): take a burst of
// frames, parse each in place with checksum verification, hand the segment
// to its connection (flow table, O(1)), else to a listener, else answer with
// a RST (RFC 9293 3.10.7.1); release the frames. The engine copies payload
// into its receive ring, so frames go back right after the burst.
#include <cerrno>

#include "stack/shard.h"
#include "tcp/reset.h"

namespace xtcp::stack {

namespace f = wire::tcp_flags;

bool Shard::ingress(tcp::Instant now) {
  const uint32_t n = io_.rx_burst(rx_.data(), static_cast<uint32_t>(rx_.size()));
  for (uint32_t i = 0; i < n; ++i) on_frame(rx_[i], now);
  if (n > 0) io_.rx_release(rx_.data(), n);
  return foreign_ingress(now) || n > 0;
}

// Frames other shards copied to us (bounded per pass).
bool Shard::foreign_ingress(tcp::Instant now) {
  uint32_t n = 0;
  while (n < cfg_.rx_batch && inbox_.try_pop(foreign_)) {
    ++n;
    ++stats_.rx_foreign;
    on_frame(RxFrame{foreign_.data.data(), foreign_.len, 0}, now, true);
  }
  return n > 0;
}

// A segment that matches no connection and no listener here may belong to
// a flow of another shard (an active open's SYN-ACK arriving on another
// receive queue): the BPF flow map names the owner; hand it a copy.
bool Shard::forward(const RxFrame& f, const tcp::FourTuple& t) {
  if (!forward_) return false;
  const int owner = steering_.flow_owner(t);
  if (owner < 0 || static_cast<uint32_t>(owner) == cfg_.queue) return false;
  if (forward_(static_cast<uint32_t>(owner), f.data, f.len)) {
    ++stats_.rx_forwarded;
  } else {
    ++stats_.rx_forward_dropped;  // the peer retransmits
  }
  return true;
}

void Shard::on_frame(const RxFrame& frame, tcp::Instant now, bool from_other_shard) {
  ++stats_.rx_frames;
  stats_.rx_bytes += frame.len;
  wire::ParsedFrame pf;
  const wire::ParseError e =
      wire::parse_frame({frame.data, frame.len}, pf, cfg_.rx_checksum);
  if (e != wire::ParseError::kOk) {
    ++stats_.rx_malformed[static_cast<size_t>(e)];
    return;
  }
  const tcp::FourTuple t{pf.hdr.dst_ip, pf.tcp.dst_port, pf.hdr.src_ip, pf.tcp.src_port};
  if (const uint32_t* index = flows_.find(t)) {
    ConnSlot& s = slots_[*index];
    tcp::Connection& c = *s.conn;
    // RFC 6191: a TIME-WAIT connection yields its tuple to a newer SYN.
    const bool reopen = c.accepts_new_syn(pf.tcp) &&
                        listeners_.match(t.local, t.local_port) != nullptr;
    if (reopen) {
      release_conn(s);
    } else if (c.state() != tcp::State::kClosed) {
      c.on_segment(pf.tcp, now);
      dirty_.mark(s);
      return;
    }
  } else if (tcp::TimeWaitRecord* rec = time_wait_.find(t)) {
    if (on_time_wait(*rec, pf, now)) return;
  }
  if (!from_other_shard && listeners_.match(t.local, t.local_port) == nullptr &&
      forward(frame, t))
    return;
  to_listener(pf, t, now);
}

void Shard::to_listener(const wire::ParsedFrame& pf, const tcp::FourTuple& t, tcp::Instant now) {
  const uint32_t* index = listeners_.match(t.local, t.local_port);
  if (index == nullptr) {
    ++stats_.rx_no_socket;
    queue_reset(pf, t);
    return;
  }
  ListenerSlot& l = lslots_[*index];
  ++stats_.rx_to_listener;
  l.listener->on_segment(t, pf.tcp, now);
  accept_ready(l, now);
  dirty_.mark(l);
}

// RFC 9293 3.10.7.4 from a TIME-WAIT record (tcp/time_wait.h decides).
bool Shard::on_time_wait(tcp::TimeWaitRecord& rec, const wire::ParsedFrame& pf, tcp::Instant now) {
  const tcp::FourTuple t = rec.tuple;
  switch (tcp::time_wait_segment(rec, pf.tcp, now, cfg_.tcp.time_wait)) {
    case tcp::TimeWaitVerdict::kDrop:
      return true;
    case tcp::TimeWaitVerdict::kAck:
      time_wait_.rearm(rec);  // a retransmitted FIN restarted 2*MSL
      queue_control(t, tcp::time_wait_ack(rec, now), pf.hdr.eth.src);
      return true;
    case tcp::TimeWaitVerdict::kClose:
      ++stats_.time_wait_reset;
      break;
    case tcp::TimeWaitVerdict::kReopen:
      // RFC 6191: only a listener can take the new incarnation; without
      // one the SYN is answered as in TIME-WAIT (Linux: TCP_TW_SYN -> ACK).
      if (listeners_.match(t.local, t.local_port) == nullptr) {
        queue_control(t, tcp::time_wait_ack(rec, now), pf.hdr.eth.src);
        return true;
      }
      ++stats_.time_wait_reopened;
      time_wait_.remove(t);
      // The listener's steering brings the handshake; accept adds the flow back.
      if (steering_.remove_flow(t) != 0) ++stats_.steering_errors;
      return false;
  }
  time_wait_.remove(t);
  if (steering_.remove_flow(t) != 0) ++stats_.steering_errors;
  return true;
}

void Shard::queue_control(const tcp::FourTuple& t, const wire::TcpRepr& seg,
                          const wire::MacAddress& mac) {
  if (resets_.size() >= cfg_.max_pending_resets) {
    ++stats_.resets_dropped;  // the peer retransmits and gets another chance
    return;
  }
  resets_.push_back({t, seg, mac});
}

// The RST goes back to the MAC the segment came from: an answer to that
// frame alone, which changes nothing about where anything else is sent, and
// asks the kernel nothing per spoofed source. Bounded queue, overflow
// counted (the peer retransmits and gets another chance).
void Shard::queue_reset(const wire::ParsedFrame& pf, const tcp::FourTuple& t) {
  std::optional<wire::TcpRepr> rst = tcp::reset_for(pf.tcp);
  if (!rst) return;  // never answer a RST
  queue_control(t, *rst, pf.hdr.eth.src);
}

}  // namespace xtcp::stack
