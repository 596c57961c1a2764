// Shard set-up, the pass order, and connection slots.
#include "stack/shard.h"

#include <algorithm>
#include <cerrno>

namespace xtcp::stack {

Shard::Shard(const ShardConfig& cfg, ShardDeps deps)
    : cfg_(cfg),
      io_(deps.io),
      neighbours_(deps.neighbours),
      steering_(deps.steering),
      memory_(deps.memory),
      events_(deps.events),
      clock_(std::move(deps.clock)),
      forward_(std::move(deps.forward)),
      inbox_(kForeignInbox),
      isn_(cfg.isn_secret),
      slots_(std::make_unique<ConnSlot[]>(cfg.max_connections)),
      // Twice the slots: the table refuses inserts past 85 % load.
      flows_(size_t{cfg.max_connections} * 2, FlowHasher{cfg.hash_key}),
      lslots_(std::make_unique<ListenerSlot[]>(cfg.max_listeners)),
      listeners_(size_t{cfg.max_listeners} * 2, cfg.hash_key),
      wheel_(clock_()),
      time_wait_(cfg.max_time_wait, cfg.hash_key, clock_()),
      commands_(cfg.command_queue),
      last_now_(clock_()) {
  free_slots_.reserve(cfg.max_connections);
  for (uint32_t i = cfg.max_connections; i > 0; --i) {
    slots_[i - 1].index = i - 1;
    free_slots_.push_back(i - 1);
  }
  free_lslots_.reserve(cfg.max_listeners);
  for (uint32_t i = cfg.max_listeners; i > 0; --i) {
    lslots_[i - 1].index = i - 1;
    lslots_[i - 1].is_listener = true;
    free_lslots_.push_back(i - 1);
  }
  rx_.resize(cfg.rx_batch);
  batch_.reserve(cfg.tx_batch);
  resets_.reserve(cfg.max_pending_resets);
  next_port_ = cfg.ephemeral_low;
  (void)EventFd::create(command_fd_);  // without it the loop falls back to timeouts
}

Shard::~Shard() {
  // Frames built but never submitted go back to the pool.
  for (const TxFrame& f : batch_) io_.tx_abandon(f);
  for (uint32_t i = 0; i < cfg_.max_connections; ++i)
    if (slots_[i].conn) release_conn(slots_[i]);
  time_wait_.for_each([this](const tcp::TimeWaitRecord& r) { (void)steering_.remove_flow(r.tuple); });
  for (uint32_t i = 0; i < cfg_.max_listeners; ++i) {
    ListenerSlot& l = lslots_[i];
    if (!l.listener) continue;
    (void)steering_.remove_listener(l.id.local, l.id.port);
    l.listener.reset();
    for (const auto& lease : l.leases) memory_.release(lease.token);
  }
}

bool Shard::post(const Command& c) {
  if (!commands_.try_push(c)) return false;
  (void)command_fd_.signal();
  return true;
}

bool Shard::deliver_foreign(const uint8_t* data, uint32_t len) {
  if (len > ForeignFrame::kMaxLen) return false;
  ForeignFrame f;
  f.len = len;
  std::copy(data, data + len, f.data.begin());
  if (!inbox_.try_push(std::move(f))) return false;
  (void)command_fd_.signal();
  return true;
}

bool Shard::run_once(tcp::Instant now) {
  last_now_ = now;
  // The command eventfd is not read here (a syscall per pass while
  // busy-polling): prepare_sleep clears it before the loop sleeps.
  bool work = ingress(now);
  work |= commands(now);
  work |= timers(now);
  work |= egress(now);
  work |= reap();
  return work;
}

tcp::ListenerStats Shard::listener_totals() const {
  tcp::ListenerStats t;
  for (uint32_t i = 0; i < cfg_.max_listeners; ++i) {
    if (const tcp::Listener* l = lslots_[i].listener.get()) t += l->stats();
  }
  return t;
}

bool Shard::prepare_sleep() {
  (void)command_fd_.drain();
  return !commands_.ready() && !inbox_.ready();
}

tcp::Instant Shard::next_deadline() const {
  if (!batch_.empty() || !dirty_.empty())
    return tx_blocked_ ? last_now_ + cfg_.tx_retry : last_now_;
  // Frames in flight: come back to reap and kick them on.
  const tcp::Instant timers = std::min(wheel_.next_deadline(), time_wait_.next_deadline());
  if (io_.tx_in_flight() > 0) return std::min(timers, last_now_ + cfg_.tx_retry);
  return timers;
}

bool Shard::timers(tcp::Instant now) {
  const size_t fired = wheel_.advance(now, [this](TimerHandle& h) {
    dirty_.mark(static_cast<Egress&>(h));
  });
  stats_.timers_fired += fired;
  // 2*MSL is over: the tuple is free, its segments go to the kernel again.
  const size_t expired = time_wait_.expire(now, [this](const tcp::TimeWaitRecord& r) {
    if (steering_.remove_flow(r.tuple) != 0) ++stats_.steering_errors;
  });
  stats_.time_wait_expired += expired;
  return fired > 0 || expired > 0;
}

// Completions return frames; frames still in flight get another kick
// (a copy-mode AF_XDP kick sends a bounded batch and leaves the rest on
// the TX ring until the next one; the kick is a no-op unless the kernel
// asked for it through need_wakeup).
bool Shard::reap() {
  const uint32_t n = io_.reap_completions();
  stats_.tx_completions += n;
  if (n > 0) tx_blocked_ = false;
  if (io_.tx_in_flight() > 0) {
    io_.kick();
    ++stats_.tx_rekicks;
  }
  return n > 0;
}

Shard::ConnSlot* Shard::slot_of(ConnId id) {
  const uint32_t index = static_cast<uint32_t>(id);
  if (index >= cfg_.max_connections) return nullptr;
  ConnSlot& s = slots_[index];
  if (!s.conn || s.generation != static_cast<uint32_t>(id >> 32)) return nullptr;
  return &s;
}

ConnId Shard::id_of(const ConnSlot& s) const {
  return (ConnId{s.generation} << 32) | s.index;
}

tcp::Connection* Shard::connection(ConnId id) {
  ConnSlot* s = slot_of(id);
  return s ? s->conn.get() : nullptr;
}

void Shard::kick(ConnId id) {
  if (ConnSlot* s = slot_of(id)) dirty_.mark(*s);
}

std::optional<uint64_t> Shard::lease_of(ConnId id) {
  ConnSlot* s = slot_of(id);
  if (s == nullptr || !s->has_lease) return std::nullopt;
  return s->lease;
}

// Gives the connection a slot, a flow-table entry and a BPF flow entry.
// nullptr (and the connection dropped, its lease released) when any is
// refused.
Shard::ConnSlot* Shard::adopt(std::unique_ptr<tcp::Connection> c, bool active, bool has_lease,
                              uint64_t lease) {
  const tcp::FourTuple tuple = c->tuple();
  auto refuse = [&] {
    ++stats_.conns_refused;
    c.reset();
    if (has_lease) memory_.release(lease);
    return nullptr;
  };
  if (free_slots_.empty()) return refuse();
  const uint32_t index = free_slots_.back();
  if (flows_.insert(tuple, index).status != InsertStatus::kInserted) return refuse();
  const int steered = steering_.add_flow(tuple);
  if (steered != 0 && active) {
    // Without its BPF entry the SYN-ACK would go to the kernel, which
    // resets it: the open fails now (ENOBUFS) instead of hanging.
    flows_.erase(tuple);
    ++stats_.flow_steering_refused;
    return refuse();
  }
  // A passive connection is still reached through its listener's entry.
  if (steered != 0) ++stats_.steering_errors;
  free_slots_.pop_back();
  ConnSlot& s = slots_[index];
  s.conn = std::move(c);
  s.active = active;
  s.established_reported = false;
  s.has_lease = has_lease;
  s.lease = lease;
  s.has_mac = false;
  s.mac_wait_since = tcp::Instant::never();
  s.seen_received = 0;
  s.seen_acked = 0;
  s.seen_peer_fin = false;
  ++stats_.conns_opened;
  dirty_.mark(s);
  return &s;
}

void Shard::release_conn(ConnSlot& s, bool keep_steering) {
  const tcp::FourTuple tuple = s.conn->tuple();
  const tcp::TcpError err = s.conn->error();
  const ConnId id = id_of(s);
  count_loss_recovery(s.conn->info());
  flows_.erase(tuple);
  if (!keep_steering && steering_.remove_flow(tuple) != 0) ++stats_.steering_errors;
  dirty_.remove(s);
  wheel_.cancel(s);
  // Reported while the connection and its memory still exist, so the owner
  // can publish the final state into that memory (the app's channel).
  events_.on_closed(id, err);
  s.conn.reset();  // before its memory goes back
  if (s.has_lease) memory_.release(s.lease);
  s.has_lease = false;
  ++s.generation;
  free_slots_.push_back(s.index);
  ++stats_.conns_closed;
}

void Shard::count_loss_recovery(const tcp::TcpInfo& i) {
  stats_.ended_retrans_segs += i.retransmits;
  stats_.ended_timeouts += i.rto_count;
  stats_.ended_spurious_timeouts += i.spurious_rtos;
  stats_.ended_recoveries += i.fast_retransmits;
  stats_.ended_loss_probes += i.tlp_probes;
}

// RFC 9293 3.10.7.4 TIME-WAIT kept as a record (time_wait_table.h): the
// connection, its slot, its channel and rings go now; the BPF flow entry
// stays until the record expires so the tuple's segments still reach us
// (an active open has no listener whose steering would bring them). When
// the table is full the connection closes without TIME-WAIT (Linux).
bool Shard::retire_to_time_wait(ConnSlot& s, tcp::Instant now) {
  tcp::Connection& c = *s.conn;
  if (c.state() != tcp::State::kTimeWait || c.wants_transmit(now)) return false;
  const std::optional<tcp::TimeWaitRecord> rec = c.time_wait_record();
  if (!rec) return false;
  if (time_wait_.add(*rec)) {
    ++stats_.time_wait_entered;
    release_conn(s, true);
  } else {
    ++stats_.time_wait_overflow;
    release_conn(s);
  }
  return true;
}

// Moves every established connection out of the listener's accept queue
// into a slot of its own.
void Shard::accept_ready(ListenerSlot& l, tcp::Instant now) {
  (void)now;
  while (std::unique_ptr<tcp::Connection> c = l.listener->accept()) {
    bool has_lease = false;
    uint64_t token = 0;
    auto it = std::find_if(l.leases.begin(), l.leases.end(),
                           [&](const ListenerSlot::Lease& x) { return x.tuple == c->tuple(); });
    if (it != l.leases.end()) {
      has_lease = true;
      token = it->token;
      *it = l.leases.back();
      l.leases.pop_back();
    }
    const tcp::FourTuple tuple = c->tuple();
    if (ConnSlot* s = adopt(std::move(c), false, has_lease, token)) {
      s->established_reported = true;
      events_.on_accepted(l.id, id_of(*s), tuple);
    }
  }
}

// Memory for a connection the listener creates from a SYN; remembered so
// it is returned if the connection dies before accept.
tcp::BufferMemory Shard::lease_for_listener(uint32_t index, const tcp::FourTuple& t) {
  ListenerSlot& l = lslots_[index];
  // A lease still recorded for this tuple belongs to a connection the
  // listener has already dropped (else the SYN would have gone to it).
  for (size_t i = 0; i < l.leases.size(); ++i) {
    if (l.leases[i].tuple != t) continue;
    memory_.release(l.leases[i].token);
    l.leases[i] = l.leases.back();
    l.leases.pop_back();
    break;
  }
  std::optional<MemoryLease> lease = memory_.acquire(t);
  if (!lease) {
    ++stats_.memory_refused;  // the engine then allocates its own rings
    return {};
  }
  l.leases.push_back({t, lease->token});
  return lease->mem;
}

// Returns the leases of connections that left the listener's queues
// without being accepted (handshake timeout, RST).
void Shard::sweep_leases(ListenerSlot& l) {
  tcp::Listener& L = *l.listener;
  if (l.leases.size() <= L.syn_queue_len() + L.accept_queue_len()) return;
  for (size_t i = 0; i < l.leases.size();) {
    if (L.find(l.leases[i].tuple) != nullptr) {
      ++i;
      continue;
    }
    memory_.release(l.leases[i].token);
    l.leases[i] = l.leases.back();
    l.leases.pop_back();
  }
}

}  // namespace xtcp::stack
