// Passive open (RFC 9293 3.10.7.2): a LISTEN socket on one local port.
// SYNs create SYN-RECEIVED connections in a bounded SYN queue; when the
// handshake completes the connection moves to a bounded accept queue, from
// which accept() hands it to the caller. Segments for tuples in either queue
// go to their connection, so the caller routes to the Listener every segment
// for the port that matches no accepted connection.
//
// Overflow: a SYN arriving while the accept queue is full is dropped
// silently (the peer's SYN retransmission retries later). A SYN arriving
// while the SYN queue is full is answered with a SYN cookie (RFC 4987 3.6)
// when enable_syn_cookies() was called, so a SYN flood cannot deny service:
// no state is kept until the final ACK returns a valid cookie, which then
// creates an ESTABLISHED connection in the accept queue (MSS only; no window
// scale, SACK or timestamps). Without cookies such a SYN is dropped. A handshake that completes
// while the accept queue is full stays in the SYN queue and is retried on
// the peer's next ACK.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "tcp/config.h"
#include "tcp/connection.h"
#include "tcp/four_tuple.h"
#include "tcp/out_segment.h"
#include "tcp/syn_cookie.h"
#include "tcp/time.h"
#include "wire/tcp_repr.h"

namespace xtcp::tcp {

// Where ISNs come from (e.g. an IsnGenerator, RFC 6528); deterministic in tests.
using IsnSource = std::function<wire::SeqNumber(const FourTuple&, Instant)>;

inline constexpr uint32_t kDefaultSynBacklog = 128;
inline constexpr uint32_t kDefaultAcceptBacklog = 128;

struct ListenerStats {
  uint64_t syns_received = 0;
  uint64_t syn_queue_overflows = 0;
  uint64_t accept_queue_overflows = 0;
  uint64_t resets_sent = 0;
  uint64_t syn_cookies_sent = 0;      // SYN-ACKs carrying a cookie
  uint64_t syn_cookies_accepted = 0;  // final ACKs with a valid cookie
  uint64_t syn_cookies_limited = 0;   // overflow SYNs dropped: cookie rate limit

  ListenerStats& operator+=(const ListenerStats& o) {
    syns_received += o.syns_received;
    syn_queue_overflows += o.syn_queue_overflows;
    accept_queue_overflows += o.accept_queue_overflows;
    resets_sent += o.resets_sent;
    syn_cookies_sent += o.syn_cookies_sent;
    syn_cookies_accepted += o.syn_cookies_accepted;
    syn_cookies_limited += o.syn_cookies_limited;
    return *this;
  }
};

class Listener {
 public:
  Listener(const TcpConfig& config, uint16_t local_port, IsnSource isn,
           uint32_t syn_backlog = kDefaultSynBacklog,
           uint32_t accept_backlog = kDefaultAcceptBacklog);
  ~Listener();

  // A segment to our port for `tuple` (local = us) that matches no accepted
  // connection.
  void on_segment(const FourTuple& tuple, const wire::TcpRepr& seg, Instant now);
  // Next segment to send (SYN-ACKs, their retransmissions, RSTs, ACKs of
  // queued connections); `tuple` says for which connection.
  bool poll_transmit(Instant now, FourTuple& tuple, OutSegment& out);
  Instant poll_at() const;

  // Answer SYNs that overflow the SYN queue with SYN cookies under `secret`
  // (keep it secret and per host, like the ISN key).
  void enable_syn_cookies(const SecretKey& secret, SynCookieConfig config = {});
  bool syn_cookies_enabled() const { return cookies_.has_value(); }

  // The oldest established connection, or nullptr.
  std::unique_ptr<Connection> accept();
  // A queued (SYN or accept queue) connection for tuple, or nullptr.
  Connection* find(const FourTuple& tuple);

  // Ring memory for each new connection (e.g. a shared-memory slot); empty
  // spans or no provider: the connection allocates its own.
  using BufferProvider = std::function<BufferMemory(const FourTuple&)>;
  void set_buffer_provider(BufferProvider p) { buffers_ = std::move(p); }
  // Installed on every connection this listener creates.
  void set_trace(Connection::TraceHook hook) { trace_ = std::move(hook); }

  uint16_t port() const { return port_; }
  size_t syn_queue_len() const { return syn_queue_.size(); }
  size_t accept_queue_len() const { return accept_queue_.size(); }
  const ListenerStats& stats() const { return stats_; }

 private:
  void promote_established();
  void queue_reset(const FourTuple& tuple, const wire::TcpRepr& seg);
  void queue_cookie_syn_ack(const FourTuple& tuple, const wire::TcpRepr& syn, Instant now);
  bool take_cookie_token(Instant now);
  double cookie_burst() const;
  bool accept_cookie(const FourTuple& tuple, const wire::TcpRepr& ack, Instant now);
  uint16_t cookie_window() const;
  uint16_t cookie_mss(const FourTuple& tuple) const;

  TcpConfig cfg_;
  uint16_t port_;
  IsnSource isn_;
  uint32_t syn_backlog_;
  uint32_t accept_backlog_;
  std::vector<std::unique_ptr<Connection>> syn_queue_;
  std::deque<std::unique_ptr<Connection>> accept_queue_;
  // Stateless replies (RSTs and cookie SYN-ACKs) waiting for poll_transmit.
  struct PendingReset {
    FourTuple tuple;
    wire::TcpRepr rst;  // or a cookie SYN-ACK
  };
  std::deque<PendingReset> resets_;  // bounded by kMaxPendingResets
  std::optional<SynCookies> cookies_;
  double cookie_tokens_ = 0;             // SynCookieConfig::max_per_second bucket
  Instant cookie_refill_at_ = Instant::never();
  BufferProvider buffers_;
  Connection::TraceHook trace_;
  ListenerStats stats_;
};

}  // namespace xtcp::tcp
