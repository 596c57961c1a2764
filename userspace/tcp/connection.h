// One TCP connection, sans-IO (STYLE.md 1-6): fed (segment, now), asked
// (now) -> segment to send and poll_at() -> next deadline. It never reads a
// clock or makes a syscall; the ISN and all time come from the caller.
//
// Implements RFC 9293 (all eleven states, simultaneous open and close,
// half-close, TIME_WAIT), RFC 7323 (window scale, timestamps, PAWS), RFC 2018
// SACK, RFC 6298 RTO with Karn's rule, RFC 5681 fast retransmit with RFC 6675
// SACK recovery with RFC 8985 RACK-TLP loss detection and RFC 6937 PRR, or
// RFC 6582 NewReno with RFC 3042 limited transmit, RFC 5961 hardening, delayed ACKs,
// Nagle (with Minshall), SWS avoidance, zero-window probing and keepalive.
//
// Usage (the daemon or a test):
//   auto c = Connection::connect(cfg, tuple, isn, now);
//   loop: c->on_segment(seg, now) for each arriving segment;
//         while (c->poll_transmit(now, out)) emit(out);
//         sleep until c->poll_at().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>

#include "tcp/byte_spans.h"
#include "tcp/config.h"
#include "tcp/congestion/congestion_control.h"
#include "tcp/four_tuple.h"
#include "tcp/out_segment.h"
#include "tcp/rack.h"
#include "tcp/recv_buffer.h"
#include "tcp/rtt_estimator.h"
#include "tcp/sack_scoreboard.h"
#include "tcp/send_buffer.h"
#include "tcp/state.h"
#include "tcp/tcp_info.h"
#include "tcp/time.h"
#include "tcp/time_wait.h"
#include "tcp/timer.h"
#include "wire/seq.h"
#include "wire/tcp_repr.h"

namespace xtcp::tcp {

// Caller-provided ring memory (e.g. shared with the app). Empty spans mean
// "allocate config.rx_buffer_size / tx_buffer_size bytes".
struct BufferMemory {
  std::span<uint8_t> rx;
  std::span<uint8_t> tx;
};

class Connection {
 public:
  // Called on every state change (old => new). No tracing by default.
  using TraceHook = std::function<void(const Connection&, State from, State to)>;

  // Active open (RFC 9293 3.10.1): the connection starts in SYN-SENT and its
  // first poll_transmit() yields the SYN.
  static std::unique_ptr<Connection> connect(const TcpConfig& config, const FourTuple& tuple,
                                             wire::SeqNumber isn, Instant now,
                                             BufferMemory mem = {});
  // Passive open (used by Listener): `syn` arrived for a LISTEN socket
  // (RFC 9293 3.10.7.2); the connection starts in SYN-RECEIVED and its first
  // poll_transmit() yields the SYN-ACK.
  static std::unique_ptr<Connection> accept_syn(const TcpConfig& config, const FourTuple& tuple,
                                                const wire::TcpRepr& syn, wire::SeqNumber isn,
                                                Instant now, BufferMemory mem = {});

  // SYN-cookie completion (RFC 4987 3.6): `ack` is the handshake's final
  // ACK, whose SEG.ACK - 1 is the cookie ISN of our stateless SYN-ACK. The
  // connection starts ESTABLISHED with the MSS the cookie encoded and no
  // other options (the cookie SYN-ACK offered none); data or FIN on `ack`
  // is processed. `adv_window` is the window that SYN-ACK advertised.
  static std::unique_ptr<Connection> accept_cookie(const TcpConfig& config,
                                                   const FourTuple& tuple,
                                                   const wire::TcpRepr& ack, uint16_t peer_mss,
                                                   uint16_t adv_window, Instant now,
                                                   BufferMemory mem = {});

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // ---- input ----
  // A segment for this connection's four-tuple (checksum already verified).
  void on_segment(const wire::TcpRepr& seg, Instant now);

  // ---- output ----
  // Fills `out` with the next segment to send and returns true, or returns
  // false when nothing is due now. Call until false. Timers that expired by
  // `now` are handled here.
  bool poll_transmit(Instant now, OutSegment& out);
  // The next instant poll_transmit() has work: a past/current instant when a
  // segment is ready now, Instant::never() when nothing is pending.
  Instant poll_at() const;
  // True when poll_transmit(now) would produce a segment (the daemon's dirty
  // list test).
  bool wants_transmit(Instant now) const { return poll_at() <= now; }

  // ---- app: sending ----
  // Copies as much of `data` as fits; returns bytes queued (0 when the
  // buffer is full or sending is no longer allowed).
  size_t send(std::span<const uint8_t> data);
  // Zero-copy: write into writable() (empty when sending is not allowed),
  // then commit(n).
  ByteSpans writable();
  size_t commit(size_t n);
  // Half-close: FIN after the queued data (RFC 9293 3.10.4).
  void shutdown_write();
  // close(): RFC 9293 CLOSE: shutdown_write(); reading stays possible
  // until the peer's FIN.
  void close();
  // The app is gone (a socket's close(2)): nothing will read again. With
  // received data unread, or when new data arrives later, the connection
  // is reset (RFC 1122 4.2.2.13); otherwise it closes like close().
  void close_discarding_input();
  // abort(): RST now, drop all data, go to CLOSED (RFC 9293 3.10.5).
  void abort();

  // ---- app: receiving ----
  size_t recv(std::span<uint8_t> out);
  ConstByteSpans readable() const { return rx_.readable(); }
  void consume(size_t n);

  // ---- options ----
  void set_no_delay(bool on) { cfg_.no_delay = on; }
  void set_keepalive(bool on, Duration idle, Duration interval, uint8_t count);
  // TCP_CONGESTION: a synchronized connection continues from its current
  // window under the new algorithm (CongestionControl::resume).
  void set_congestion(CcAlgorithm algo);
  // TCP_USER_TIMEOUT (RFC 5482, Linux semantics): abort with kTimedOut once
  // sent data has gone unacknowledged this long, or keepalive probes unanswered;
  // 0 restores the retry-count limits.
  void set_user_timeout(Duration timeout);
  void set_trace(TraceHook hook) { trace_ = std::move(hook); }

  // ---- readiness and info ----
  State state() const { return state_; }
  const FourTuple& tuple() const { return tuple_; }
  // Bytes to read, or the peer closed (recv then returns 0), or an error.
  bool can_read() const;
  // Room in the send buffer in a state that allows sending.
  bool can_write() const;
  bool peer_closed() const { return fin_received_; }
  TcpError error() const { return error_; }
  TcpInfo info() const;
  // RFC 6191: in TIME-WAIT, may this SYN reopen the tuple (timestamp or
  // sequence number above the old connection's)? The demux then drops this
  // connection and hands the SYN to the listener.
  bool accepts_new_syn(const wire::TcpRepr& syn) const;
  // The compact TIME-WAIT record that may replace this connection
  // (time_wait.h): set only in TIME-WAIT, after the app closed, with
  // nothing left to send (defined in time_wait.cpp).
  std::optional<TimeWaitRecord> time_wait_record() const;
  size_t send_queue_len() const { return tx_.size(); }
  size_t recv_queue_len() const { return rx_.readable_len(); }

 private:
  Connection(const TcpConfig& config, const FourTuple& tuple, wire::SeqNumber isn, Instant now,
             BufferMemory mem);

  // The one door for state changes (STYLE.md 2).
  void set_state(State next);
  void enter_closed(TcpError why);
  void enter_time_wait(Instant now);

  // Input, RFC 9293 3.10.7 (connection_input.cpp).
  void on_syn_sent(const wire::TcpRepr& seg, Instant now);
  void on_synchronized(const wire::TcpRepr& seg, Instant now);
  bool acceptable(const wire::TcpRepr& seg) const;
  void on_rst(const wire::TcpRepr& seg, Instant now);
  bool paws_rejects(const wire::TcpRepr& seg) const;
  bool on_ack_field(const wire::TcpRepr& seg, Instant now);
  void on_fin_acked(Instant now);
  void process_text(const wire::TcpRepr& seg, Instant now);
  void process_fin(Instant now);
  void challenge_ack(Instant now);
  void update_ts_recent(const wire::TcpRepr& seg, Instant now);
  void note_recent_sack(wire::SeqNumber seq);
  void owe_immediate_ack();

  // ACK processing and loss recovery (connection_ack.cpp).
  void on_new_ack(const wire::TcpRepr& seg, Instant now);
  void update_send_window(const wire::TcpRepr& seg);
  std::optional<Duration> rtt_sample(const wire::TcpRepr& seg, Instant now);
  void on_dup_ack(Instant now);
  void process_sack(const wire::TcpRepr& seg, Instant now);
  void enter_recovery(Instant now);
  uint32_t pipe() const;
  void skip_sacked();
  void detect_spurious_rto(const wire::TcpRepr& seg, uint32_t data, Instant now);

  // RACK-TLP (RFC 8985) and PRR (RFC 6937), SACK connections
  // (connection_rack.cpp).
  void rack_after_ack(const wire::TcpRepr& seg, Instant now);
  void rack_detect(Instant now);
  bool is_dsack(const wire::TcpRepr& seg) const;
  void prr_on_ack(uint32_t delivered);
  uint32_t send_room() const;
  void arm_retransmit_timer(Instant now);
  bool arm_probe_timer(Instant now);
  void on_probe_timeout(Instant now);
  void on_reorder_timeout(Instant now);
  bool emit_probe(Instant now, OutSegment& out);

  // Output (connection_output.cpp).
  bool emit_syn(Instant now, OutSegment& out);
  bool emit_retransmission(Instant now, OutSegment& out);
  bool emit_new_data(Instant now, OutSegment& out);
  void emit_ack(Instant now, OutSegment& out, wire::SeqNumber seq);
  bool next_retransmission(wire::SeqNumber* seq, uint32_t* len) const;
  uint32_t sendable_new_bytes() const;
  bool fin_sendable() const;
  void fill_header(OutSegment& out, wire::SeqNumber seq, uint8_t flags, Instant now);
  void fill_sack_blocks(wire::TcpOptions& o) const;
  uint16_t window_field(bool syn);
  uint32_t receive_window() const;
  wire::SeqNumber candidate_edge() const;
  uint32_t seg_mss() const;
  bool keepalive_exhausted(const timer::Idle& idle, Instant now) const;
  void after_send(Instant now, wire::SeqNumber seq, uint32_t seq_len, bool is_rtx);

  // Sequence bookkeeping of the send side.
  wire::SeqNumber data_base() const;  // sequence number of send-buffer byte 0
  wire::SeqNumber fin_seq() const { return data_base() + static_cast<uint32_t>(tx_.size()); }
  bool fin_sent() const { return fin_queued_ && snd_.max > fin_seq(); }
  uint32_t build_segment(Instant now, OutSegment& out, wire::SeqNumber seq, uint32_t max_len);
  bool syn_acked() const { return snd_.una > snd_.iss; }
  uint32_t unsent_bytes() const;
  bool can_send_data() const;

  // Timers (connection_timers.cpp).
  void on_timers(Instant now);
  void on_retransmit_timeout(Instant now);
  void refresh_timer(Instant now);
  bool ack_due(Instant now) const { return ack_now_ || ack_deadline_ <= now; }
  bool window_update_due() const;
  void schedule_ack(Instant now, uint32_t bytes);
  void autotune_window(Instant now, uint32_t bytes);

  // Options negotiation (connection_options.cpp).
  void negotiate(const wire::TcpRepr& syn);
  uint32_t tsval(Instant now) const;

  struct SendSeq {
    wire::SeqNumber una, nxt, max;  // max: highest sequence sent + 1
    wire::SeqNumber wl1, wl2, iss;
    uint32_t wnd = 0;      // scaled peer window
    uint32_t max_wnd = 0;  // largest window seen (RFC 5961 5.2)
    uint8_t wscale = 0;    // shift applied to the peer's window field
  };
  struct RecvSeq {
    wire::SeqNumber nxt, irs;
    uint32_t wnd = 0;          // last advertised, scaled
    wire::SeqNumber adv_edge;  // rcv.nxt + rcv.wnd last advertised: never shrinks
    uint8_t wscale = 0;        // shift applied to our window field
  };

  TcpConfig cfg_;
  FourTuple tuple_;
  State state_ = State::kClosed;
  TcpError error_ = TcpError::kNone;
  TraceHook trace_;

  SendSeq snd_;
  RecvSeq rcv_;
  SendBuffer tx_;
  RecvBuffer rx_;
  std::unique_ptr<CongestionControl> cc_;
  RttEstimator rtt_;
  Timer timer_ = timer::Idle{};
  Instant ack_deadline_ = Instant::never();
  Instant last_now_;
  Instant last_send_;  // last time data was sent (idle restart, RFC 5681 4.1)
  Instant last_recv_;  // last segment from the peer (keepalive)
  Instant last_data_rx_;  // last data from the peer (quick-ACK after idle)
  Instant first_rto_at_ = Instant::never();  // user_timeout reference

  // End of the last sub-MSS segment sent (Linux snd_sml): Nagle with
  // Minshall's refinement holds a small segment only while this is unacked.
  wire::SeqNumber snd_sml_;
  bool fin_queued_ = false;      // shutdown_write(): FIN after queued data
  bool fin_acked_ = false;       // our FIN is acknowledged
  bool sws_override_ = false;    // RFC 9293 3.8.6.2.1 override timeout fired
  bool closed_by_app_ = false;   // close(): FIN_WAIT_2 may time out
  bool discard_input_ = false;   // close_discarding_input(): new data resets
  bool fin_received_ = false;    // peer's FIN accepted (rcv.nxt covers it)
  std::optional<wire::SeqNumber> peer_fin_;  // FIN seen beyond a gap
  bool rst_pending_ = false;     // a RST is owed: <SEQ=rst_seq_><CTL=RST>
  wire::SeqNumber rst_seq_;
  bool passive_ = false;         // opened by a Listener

  // ACK generation.
  bool ack_now_ = false;
  bool probe_now_ = false;  // zero-window or keepalive probe owed
  static constexpr uint16_t kMaxExtraAcks = 64;
  uint16_t extra_acks_ = 0;  // further duplicate ACKs owed (batched input)
  uint16_t quick_acks_ = 0;
  uint32_t unacked_bytes_ = 0;  // received since our last ACK
  uint32_t rcv_mss_est_ = 0;    // largest payload seen (full-size segment)
  Instant challenge_epoch_;
  uint32_t challenge_count_ = 0;

  // Negotiated options.
  uint16_t our_mss_ = kDefaultMss;
  uint16_t snd_mss_ = kDefaultPeerMss;
  bool sack_ok_ = false;
  bool ts_ok_ = false;
  bool wscale_ok_ = false;
  uint32_t ts_recent_ = 0;
  Instant ts_recent_age_;
  uint32_t ts_offset_ = 0;
  wire::SeqNumber last_ack_sent_;

  // RTT timing by sequence number, one segment at a time (Karn's rule).
  bool rtt_timing_ = false;
  wire::SeqNumber rtt_seq_;
  Instant rtt_sent_at_;

  // Retransmission and recovery.
  uint8_t retries_ = 0;
  uint32_t dupacks_ = 0;
  bool in_recovery_ = false;
  wire::SeqNumber recover_;   // RFC 6582 / RFC 6675 recovery point
  wire::SeqNumber high_rxt_;  // RFC 6675 HighRxt
  bool rtx_una_ = false;      // NewReno: retransmit the segment at snd.una
  // Eifel detection (RFC 3522): TSval at the first RTO of an episode; an
  // ACK echoing an older TSval proves the RTO spurious (RFC 4015).
  bool eifel_armed_ = false;
  uint32_t rto_tsval_ = 0;
  SackScoreboard scoreboard_;
  // RACK-TLP (RFC 8985): the send-time log, the probe and the reorder timer.
  Rack rack_;
  Duration rack_timeout_{};     // > 0: a record becomes lost this much later
  bool tlp_owed_ = false;       // the PTO fired: send a probe
  bool tlp_in_flight_ = false;  // RFC 8985 7.4 TLP episode
  bool tlp_retrans_ = false;    // the probe was a retransmission
  bool tlp_in_recovery_ = false;  // sent in recovery: no response owed
  bool tlp_lone_ = false;         // probed a flight of one segment
  // RFC 8985 7.2 WCDelAckT as learnt from D-SACKs (connection_rack.cpp),
  // from Linux's 40 ms delayed-ACK minimum.
  Duration peer_delack_ = Duration::millis(40);
  wire::SeqNumber tlp_end_;     // SND.NXT after the probe
  wire::SeqNumber tlp_seq_;     // the probe's first sequence number
  uint32_t ack_delivered_ = 0;  // bytes this ACK acknowledged or SACKed
  // PRR (RFC 6937 3): RecoverFS, prr_delivered, prr_out, and what this
  // ACK's sndcnt still allows.
  uint32_t recover_fs_ = 0;
  uint32_t prr_delivered_ = 0;
  uint32_t prr_out_ = 0;
  uint32_t prr_room_ = 0;

  // Receiver SACK blocks, most recent first (RFC 2018 4).
  std::array<wire::SeqNumber, 4> recent_sack_{};
  uint8_t recent_sack_count_ = 0;

  // Receive-window auto-tuning (bounded by the config).
  uint32_t rcv_wnd_limit_ = 0;
  Instant tune_epoch_;
  uint64_t tune_bytes_ = 0;

  TcpInfo stats_;
};

}  // namespace xtcp::tcp
