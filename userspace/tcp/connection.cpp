// Connection: creation, the state door, the app-facing operations and info.
#include "tcp/connection.h"

#include <algorithm>

namespace xtcp::tcp {

using wire::SeqNumber;

namespace {

// Our MSS option: the config's, clamped by the MTU minus IP and TCP headers.
uint16_t local_mss(const TcpConfig& cfg, const FourTuple& t) {
  int headers = (t.local.family == wire::IpFamily::kV6 ? 40 : 20) + 20;
  int by_mtu = std::max(static_cast<int>(cfg.mtu) - headers, 64);
  return static_cast<uint16_t>(std::min<int>(cfg.mss, by_mtu));
}

// RACK's send-time log (rack.h): one record per segment the send buffer can
// hold at 512 bytes each, within [64, 8192]; a handful without SACK.
size_t rack_capacity(const TcpConfig& cfg) {
  if (!cfg.sack) return 4;
  return std::clamp<size_t>(cfg.tx_buffer_size / 512, 64, 8192);
}

RttConfig rtt_config(const TcpConfig& cfg) {
  RttConfig r;
  r.initial_rto = cfg.initial_rto;
  r.min_rto = cfg.min_rto;
  r.max_rto = cfg.max_rto;
  return r;
}

SendBuffer make_tx(const TcpConfig& cfg, std::span<uint8_t> mem) {
  return mem.empty() ? SendBuffer(cfg.tx_buffer_size) : SendBuffer(mem);
}

RecvBuffer make_rx(const TcpConfig& cfg, std::span<uint8_t> mem) {
  return mem.empty() ? RecvBuffer(cfg.rx_buffer_size, cfg.max_ooo_ranges)
                     : RecvBuffer(mem, cfg.max_ooo_ranges);
}

}  // namespace

Connection::Connection(const TcpConfig& config, const FourTuple& tuple, SeqNumber isn,
                       Instant now, BufferMemory mem)
    : cfg_(config),
      tuple_(tuple),
      tx_(make_tx(config, mem.tx)),
      rx_(make_rx(config, mem.rx)),
      cc_(make_congestion_control(config.cc, local_mss(config, tuple))),
      rtt_(rtt_config(config)),
      last_now_(now),
      last_send_(now),
      last_recv_(now),
      last_data_rx_(now),
      challenge_epoch_(now),
      scoreboard_(config.max_sack_ranges),
      rack_(rack_capacity(config)),
      tune_epoch_(now) {
  cfg_.window_scale = std::min<uint8_t>(cfg_.window_scale, 14);  // RFC 7323 2.3
  snd_.iss = snd_.una = snd_.nxt = snd_.max = isn;
  snd_sml_ = isn;
  recover_ = high_rxt_ = isn;
  our_mss_ = local_mss(cfg_, tuple_);
  quick_acks_ = cfg_.quick_acks;
  // Until a full-sized segment shows the peer's size, assume 536 (as Linux
  // does) so two small messages do not count as two full segments.
  rcv_mss_est_ = std::min<uint32_t>(our_mss_, kDefaultPeerMss);
  // A per-connection timestamp offset derived from the ISN (RFC 7323 7.1
  // asks for one; the ISN is already unpredictable).
  ts_offset_ = isn.raw() * 2654435761u;
  uint32_t cap = static_cast<uint32_t>(std::min<size_t>(rx_.capacity(), 1u << 30));
  rcv_wnd_limit_ = std::min(std::max(cfg_.rx_window_initial, 1u), cap);
}

Connection::~Connection() = default;

std::unique_ptr<Connection> Connection::connect(const TcpConfig& config, const FourTuple& tuple,
                                                SeqNumber isn, Instant now, BufferMemory mem) {
  std::unique_ptr<Connection> c(new Connection(config, tuple, isn, now, mem));
  c->set_state(State::kSynSent);  // RFC 9293 3.10.1: the SYN goes out on poll
  return c;
}

std::unique_ptr<Connection> Connection::accept_syn(const TcpConfig& config,
                                                   const FourTuple& tuple,
                                                   const wire::TcpRepr& syn, SeqNumber isn,
                                                   Instant now, BufferMemory mem) {
  std::unique_ptr<Connection> c(new Connection(config, tuple, isn, now, mem));
  c->passive_ = true;
  c->state_ = State::kListen;
  // RFC 9293 3.10.7.2: RCV.NXT = SEG.SEQ+1, IRS = SEG.SEQ; SYN-ACK follows.
  c->rcv_.irs = syn.seq;
  c->rcv_.nxt = syn.seq + 1;
  c->rcv_.adv_edge = c->rcv_.nxt;
  c->negotiate(syn);
  c->snd_.wnd = syn.window;  // RFC 7323 2.2: never scaled in a SYN
  c->snd_.max_wnd = syn.window;
  c->snd_.wl1 = syn.seq;
  c->snd_.wl2 = isn;
  c->last_ack_sent_ = c->rcv_.nxt;
  if (syn.options.timestamps) {
    c->ts_recent_ = syn.options.timestamps->tsval;
    c->ts_recent_age_ = now;
  }
  c->set_state(State::kSynReceived);
  return c;
}

std::unique_ptr<Connection> Connection::accept_cookie(const TcpConfig& config,
                                                      const FourTuple& tuple,
                                                      const wire::TcpRepr& ack, uint16_t peer_mss,
                                                      uint16_t adv_window, Instant now,
                                                      BufferMemory mem) {
  SeqNumber isn = ack.ack - 1;
  std::unique_ptr<Connection> c(new Connection(config, tuple, isn, now, mem));
  c->passive_ = true;
  c->state_ = State::kListen;
  // The SYN we never stored: IRS = SEG.SEQ - 1, offering only the MSS.
  wire::TcpRepr syn;
  syn.options.mss = peer_mss;
  c->negotiate(syn);
  c->rcv_.irs = ack.seq - 1;
  c->rcv_.nxt = ack.seq;
  c->rcv_.wnd = adv_window;
  c->rcv_.adv_edge = c->rcv_.nxt + adv_window;
  c->snd_.una = c->snd_.nxt = c->snd_.max = isn + 1;
  c->high_rxt_ = c->recover_ = c->snd_sml_ = c->snd_.una;
  c->snd_.wnd = c->snd_.max_wnd = ack.window;  // unscaled: no window scale
  c->snd_.wl1 = ack.seq;
  c->snd_.wl2 = ack.ack;
  c->last_ack_sent_ = c->rcv_.nxt;
  c->set_state(State::kSynReceived);
  c->set_state(State::kEstablished);  // RFC 9293 3.10.7.4: the ACK is acceptable
  if (ack.segment_len() > 0) c->on_segment(ack, now);
  return c;
}

void Connection::set_state(State next) {
  if (next == state_) return;
  State old = state_;
  state_ = next;
  if (trace_) trace_(*this, old, next);
}

void Connection::enter_closed(TcpError why) {
  if (error_ == TcpError::kNone) error_ = why;
  timer_ = timer::Idle{};
  ack_deadline_ = Instant::never();
  ack_now_ = probe_now_ = false;
  extra_acks_ = 0;
  set_state(State::kClosed);
}

void Connection::enter_time_wait(Instant now) {
  // RFC 9293 3.10.7.4: TIME-WAIT holds the tuple for 2 MSL (configurable).
  timer_ = timer::Close{now + cfg_.time_wait};
  set_state(State::kTimeWait);
}

bool Connection::can_send_data() const {
  return state_ == State::kSynSent || state_ == State::kSynReceived ||
         state_ == State::kEstablished || state_ == State::kCloseWait;
}

size_t Connection::send(std::span<const uint8_t> data) {
  if (!can_send_data() || fin_queued_) return 0;
  size_t n = tx_.write(data);
  refresh_timer(last_now_);  // a zero window now needs the persist timer
  return n;
}

ByteSpans Connection::writable() {
  if (!can_send_data() || fin_queued_) return {};
  return tx_.writable();
}

size_t Connection::commit(size_t n) {
  if (!can_send_data() || fin_queued_) return 0;
  size_t k = tx_.commit(n);
  refresh_timer(last_now_);
  return k;
}

void Connection::shutdown_write() {
  if (fin_queued_) return;
  switch (state_) {
    case State::kSynSent:
    case State::kSynReceived:
      // RFC 9293 3.10.4: queued until ESTABLISHED is reached.
      fin_queued_ = true;
      break;
    case State::kEstablished:
      fin_queued_ = true;
      set_state(State::kFinWait1);  // FIN follows the queued data
      break;
    case State::kCloseWait:
      fin_queued_ = true;
      set_state(State::kLastAck);
      break;
    default:
      break;  // already closing, or closed
  }
}

void Connection::close() {
  closed_by_app_ = true;
  if (state_ == State::kSynSent) {
    enter_closed(TcpError::kNone);  // RFC 9293 3.10.4: delete the TCB
    return;
  }
  // Shut down for writing earlier and already in FIN-WAIT-2: now orphaned,
  // so a peer that never sends its FIN must not hold us forever.
  if (state_ == State::kFinWait2 && !std::holds_alternative<timer::Close>(timer_))
    timer_ = timer::Close{last_now_ + cfg_.fin_wait2_timeout};
  shutdown_write();
}

void Connection::close_discarding_input() {
  // RFC 1122 4.2.2.13 (RFC 2525 2.17): closing with received data still
  // unread loses it; the peer learns so from a RST instead of a FIN, and
  // the connection does not linger with a full receive window.
  if (rx_.readable_len() > 0 && (state_ == State::kSynReceived || is_synchronized(state_))) {
    closed_by_app_ = true;
    abort();
    return;
  }
  discard_input_ = true;
  close();
}

void Connection::abort() {
  // RFC 9293 3.10.5: <SEQ=SND.NXT><CTL=RST> in synchronized states.
  if (state_ == State::kSynReceived || is_synchronized(state_)) {
    rst_pending_ = true;
    rst_seq_ = snd_.nxt;
  }
  rx_.clear_out_of_order();
  enter_closed(TcpError::kConnectionAborted);
}

size_t Connection::recv(std::span<uint8_t> out) {
  size_t n = rx_.read(out);
  if (n > 0 && window_update_due()) ack_now_ = true;
  return n;
}

void Connection::consume(size_t n) {
  rx_.consume(n);
  if (n > 0 && window_update_due()) ack_now_ = true;
}

void Connection::set_keepalive(bool on, Duration idle, Duration interval, uint8_t count) {
  cfg_.keepalive = on;
  cfg_.keepalive_idle = idle;
  cfg_.keepalive_interval = interval;
  cfg_.keepalive_count = count;
  refresh_timer(last_now_);
}

void Connection::set_congestion(CcAlgorithm algo) {
  if (parse_cc_algorithm(cc_->name()) == algo) return;  // already this one
  // Before the handshake seg_mss() is a guess; the SYN's options call
  // set_mss on whichever controller is in place then.
  auto next = make_congestion_control(algo, seg_mss());
  if (is_synchronized(state_)) next->resume(cc_->cwnd(), cc_->ssthresh());
  cc_ = std::move(next);
}

void Connection::set_user_timeout(Duration timeout) {
  cfg_.user_timeout = timeout;
}

bool Connection::can_read() const {
  return rx_.readable_len() > 0 || fin_received_ || error_ != TcpError::kNone;
}

bool Connection::can_write() const {
  return can_send_data() && !fin_queued_ && tx_.free() > 0;
}

bool Connection::accepts_new_syn(const wire::TcpRepr& syn) const {
  using namespace wire::tcp_flags;
  if (state_ != State::kTimeWait || !syn.has(kSyn) || syn.has(kAck) || syn.has(kRst)) return false;
  // RFC 6191 2: timestamps decide when both sides used them, else the
  // sequence number must be beyond what the old connection used.
  if (ts_ok_ && syn.options.timestamps)
    return static_cast<int32_t>(syn.options.timestamps->tsval - ts_recent_) > 0;
  return syn.seq > rcv_.nxt;
}

TcpInfo Connection::info() const {
  TcpInfo i = stats_;
  i.state = state_;
  i.error = error_;
  i.srtt = rtt_.srtt();
  i.rttvar = rtt_.rttvar();
  i.rto = rtt_.rto();
  i.min_rtt = rtt_.min_rtt();
  i.cwnd = cc_->cwnd();
  i.ssthresh = cc_->ssthresh();
  i.bytes_in_flight = static_cast<uint32_t>(snd_.max - snd_.una);
  i.snd_wnd = snd_.wnd;
  i.rcv_wnd = rcv_.wnd;
  i.snd_mss = snd_mss_;
  i.rcv_mss = our_mss_;
  i.snd_wscale = snd_.wscale;
  i.rcv_wscale = rcv_.wscale;
  i.sack = sack_ok_;
  i.timestamps = ts_ok_;
  i.in_recovery = in_recovery_;
  i.cc = cc_->name();
  i.ooo_ranges = static_cast<uint32_t>(rx_.out_of_order().range_count());
  i.reassembly_steps = rx_.out_of_order().steps();
  i.sack_ranges = static_cast<uint32_t>(scoreboard_.range_count());
  return i;
}

}  // namespace xtcp::tcp
