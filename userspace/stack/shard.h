// Shard: one receive queue's TCP stack. It owns its packet I/O, its
// connections (a slot array plus a FlowTable from four-tuple to slot), its
// listeners (ListenerTable), a TimerWheel with one timer per connection or
// listener at its poll_at(), and a DirtyList so egress visits only entries
// with work. Nothing here is shared with other shards; other threads talk to
// it only through post() (an MPSC queue plus an eventfd).
//
// run_once(now) makes one pass in the order of daemon-design.md "Shard
// loop": ingress, commands, timers, egress, completion reaping. The sleep
// policy lives in shard_loop.h, so everything here runs in tests on a
// virtual clock over MemoryPacketIo.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "stack/connection_memory.h"
#include "stack/dirty_list.h"
#include "stack/event_fd.h"
#include "stack/flow_table.h"
#include "stack/listener_table.h"
#include "stack/mpsc_queue.h"
#include "stack/neighbour_resolver.h"
#include "stack/packet_io.h"
#include "stack/shard_command.h"
#include "stack/shard_config.h"
#include "stack/shard_events.h"
#include "stack/shard_stats.h"
#include "stack/steering_maps.h"
#include "stack/time_wait_table.h"
#include "stack/timer_wheel.h"
#include "tcp/connection.h"
#include "tcp/isn.h"
#include "tcp/listener.h"
#include "wire/frame.h"

namespace xtcp::stack {

using Clock = std::function<tcp::Instant()>;
// Hands a copy of a frame to the shard of queue `owner` (Shard::
// deliver_foreign); false when that shard's inbox is full.
using Forwarder = std::function<bool(uint32_t owner, const uint8_t* data, uint32_t len)>;

// What a shard is plugged into (all outlive the shard).
struct ShardDeps {
  PacketIo& io;
  NeighbourResolver& neighbours;
  SteeringMaps& steering;
  ConnectionMemory& memory;
  ShardEvents& events;
  Clock clock;
  Forwarder forward = {};  // empty: one shard, nothing to forward to
};

// A frame copied from another shard's queue (daemon-design.md "Threads":
// a segment arriving on a queue that does not own its flow).
struct ForeignFrame {
  static constexpr uint32_t kMaxLen = 4096;  // the largest UMEM frame
  uint32_t len = 0;
  std::array<uint8_t, kMaxLen> data;
};
inline constexpr size_t kForeignInbox = 256;

class Shard {
 public:
  Shard(const ShardConfig& cfg, ShardDeps deps);
  ~Shard();
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  // ---- any thread ----
  // Queues a command and wakes the shard; false when the queue is full.
  bool post(const Command& c);
  // Readable when commands wait (the loop polls it); -1 if eventfd failed.
  int command_fd() const { return command_fd_.fd(); }
  // Queues a copy of a frame that arrived on another queue but belongs to
  // one of our flows, and wakes the shard; false when the inbox is full.
  bool deliver_foreign(const uint8_t* data, uint32_t len);

  // ---- the shard's thread ----
  // One pass; true if it did any work (frames, commands, timers, egress).
  bool run_once(tcp::Instant now);
  // Called right before the loop sleeps: clears the command eventfd, then
  // false if a command or foreign frame is already queued (do not sleep).
  // A push after the clear signals the eventfd again, so the sleep ends.
  bool prepare_sleep();
  // When run_once has work next: the last `now` when dirty entries wait,
  // else the earliest timer; Instant::never() when idle.
  tcp::Instant next_deadline() const;
  // Runs a command at once (what the commands pass does for each posted one).
  void execute(const Command& c, tcp::Instant now);
  // The connection behind id, or nullptr (closed / stale id).
  tcp::Connection* connection(ConnId id);
  // The app touched the connection's rings: visit it in the next egress.
  void kick(ConnId id);
  // The ConnectionMemory token of the connection's rings (nullopt: stale
  // id, or the engine allocated its own because memory was refused).
  std::optional<uint64_t> lease_of(ConnId id);

  const ShardStats& stats() const { return stats_; }
  const ShardConfig& config() const { return cfg_; }
  size_t connection_count() const { return flows_.size(); }
  size_t listener_count() const { return listeners_.size(); }
  // TIME-WAIT records held now (no connection, channel or slot behind them).
  size_t time_wait_count() const { return time_wait_.size(); }
  // The record of a tuple (tests), or nullptr.
  const tcp::TimeWaitRecord* time_wait_record(const tcp::FourTuple& t) {
    return time_wait_.find(t);
  }
  // The counters of the listeners open now, summed (SYN queue overflows,
  // SYN cookies sent, accepted and rate-limited, ...).
  tcp::ListenerStats listener_totals() const;
  size_t dirty_count() const { return dirty_.size(); }
  PacketIo& io() { return io_; }
  tcp::Instant clock_now() const { return clock_(); }

 private:
  // An entry the egress pass visits and the timer wheel wakes.
  struct Egress : DirtyHook, TimerHandle {
    bool is_listener = false;
    uint32_t index = 0;
  };
  struct ConnSlot : Egress {
    std::unique_ptr<tcp::Connection> conn;
    uint32_t generation = 0;
    bool active = false;  // opened by connect (reports on_established)
    bool established_reported = false;
    bool has_lease = false;
    uint64_t lease = 0;
    bool has_mac = false;
    wire::MacAddress mac;  // next hop, from the resolver (never from a frame)
    uint64_t mac_generation = 0;  // the resolver's generation when mac was got
    tcp::Instant mac_wait_since = tcp::Instant::never();
    uint64_t seen_received = 0;  // TcpInfo::bytes_received at the last report
    uint64_t seen_acked = 0;     // TcpInfo::bytes_acked at the last report
    bool seen_peer_fin = false;
  };
  struct ListenerSlot : Egress {
    std::unique_ptr<tcp::Listener> listener;
    ListenerId id;
    struct Lease {
      tcp::FourTuple tuple;
      uint64_t token;
    };
    std::vector<Lease> leases;  // memory of connections still in its queues
  };
  // A segment sent without a connection: a RST to no socket, or an ACK
  // from a TIME-WAIT record.
  struct PendingReset {
    tcp::FourTuple tuple;  // local = us
    wire::TcpRepr rst;
    wire::MacAddress mac;
  };

  // Passes (shard_ingress.cpp, shard_egress.cpp, shard_commands.cpp).
  bool ingress(tcp::Instant now);
  bool foreign_ingress(tcp::Instant now);
  void on_frame(const RxFrame& f, tcp::Instant now, bool from_other_shard = false);
  bool forward(const RxFrame& f, const tcp::FourTuple& t);
  void to_listener(const wire::ParsedFrame& pf, const tcp::FourTuple& t, tcp::Instant now);
  void queue_reset(const wire::ParsedFrame& pf, const tcp::FourTuple& t);
  void queue_control(const tcp::FourTuple& t, const wire::TcpRepr& seg, const wire::MacAddress& mac);
  // A segment for a tuple in TIME-WAIT; false when a listener should
  // take it instead (a new SYN reopening the tuple).
  bool on_time_wait(tcp::TimeWaitRecord& rec, const wire::ParsedFrame& pf, tcp::Instant now);
  bool commands(tcp::Instant now);
  bool timers(tcp::Instant now);
  bool egress(tcp::Instant now);
  bool reap();

  void visit_conn(ConnSlot& s, tcp::Instant now);
  void visit_listener(ListenerSlot& l, tcp::Instant now);
  void report(ConnSlot& s);
  const wire::MacAddress* next_hop(ConnSlot& s, tcp::Instant now);
  void send_resets();
  // Builds one frame and queues it in the batch; false when no frame is free.
  bool emit(const tcp::FourTuple& t, const wire::MacAddress& mac, const tcp::OutSegment& out,
            TxFrame& f);
  void submit_batch();

  // Slots (shard.cpp).
  ConnSlot* slot_of(ConnId id);
  ConnId id_of(const ConnSlot& s) const;
  ConnSlot* adopt(std::unique_ptr<tcp::Connection> c, bool active, bool has_lease,
                  uint64_t lease);
  void accept_ready(ListenerSlot& l, tcp::Instant now);
  // keep_steering: the BPF flow entry stays (its TIME-WAIT record
  // still answers the tuple's segments).
  void release_conn(ConnSlot& s, bool keep_steering = false);
  // Adds an ending connection's loss-recovery totals to stats_ (ended_*).
  void count_loss_recovery(const tcp::TcpInfo& info);
  // Replaces a closed-by-app TIME-WAIT connection by a record; false
  // when it is not one (yet).
  bool retire_to_time_wait(ConnSlot& s, tcp::Instant now);
  void sweep_leases(ListenerSlot& l);
  tcp::BufferMemory lease_for_listener(uint32_t index, const tcp::FourTuple& t);

  // Commands (shard_commands.cpp).
  int listen(const Command& c);
  int unlisten(const Command& c);
  int connect(const Command& c, tcp::Instant now, ConnId& id);
  int on_conn_command(const Command& c);
  bool pick_port(tcp::FourTuple& t);

  ShardConfig cfg_;
  PacketIo& io_;
  NeighbourResolver& neighbours_;
  SteeringMaps& steering_;
  ConnectionMemory& memory_;
  ShardEvents& events_;
  Clock clock_;
  Forwarder forward_;
  MpscQueue<ForeignFrame> inbox_;
  ForeignFrame foreign_;  // the one being processed
  tcp::IsnGenerator isn_;

  std::unique_ptr<ConnSlot[]> slots_;
  std::vector<uint32_t> free_slots_;
  FlowTable<uint32_t> flows_;
  std::unique_ptr<ListenerSlot[]> lslots_;
  std::vector<uint32_t> free_lslots_;
  ListenerTable<uint32_t> listeners_;
  TimerWheel wheel_;
  TimeWaitTable time_wait_;
  DirtyList<Egress> dirty_;
  MpscQueue<Command> commands_;
  EventFd command_fd_;

  std::vector<RxFrame> rx_;
  std::vector<TxFrame> batch_;  // built, not yet submitted
  std::vector<PendingReset> resets_;
  bool tx_blocked_ = false;     // the last egress ran out of frames
  uint16_t ip_id_ = 0;
  uint16_t next_port_ = 0;
  tcp::Instant last_now_;
  ShardStats stats_;
};

}  // namespace xtcp::stack
