// ShardUnit: one receive queue's shard with everything it is plugged into
// (AF_XDP packet I/O, kernel neighbours, BPF steering, channel memory, the
// bridge to apps) and the thread that runs its loop. The control thread
// talks to it only through shard().post() and reads stats_copy().
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

#include "daemon/channel_memory.h"
#include "daemon/resolution_helper.h"
#include "daemon/shard_bridge.h"
#include "stack/fault_packet_io.h"
#include "stack/kernel_neighbours.h"
#include "stack/shard.h"
#include "stack/shard_loop.h"
#include "stack/xsk_packet_io.h"
#include "stack/xsk_steering.h"
#include "xsk/result.h"
#include "xsk/steer_program.h"
#include "xsk/xsk_socket.h"
#include "xtcp/steer_abi.h"

namespace xtcp::daemon {

// What a unit reports, copied under a lock by its own thread after passes
// (at most every kStatsPeriod while busy, and before it sleeps).
struct UnitStats {
  stack::ShardStats shard;
  BridgeStats bridge;
  stack::LoopStats loop;
  stack::XskIoStats xsk_io;
  uint64_t conns = 0;
  uint64_t time_wait = 0;  // TIME-WAIT records (no connection behind them)
  uint64_t listeners = 0;
  tcp::ListenerStats listener_totals;  // of the listeners open now
  uint64_t channels = 0;
  uint64_t channels_refused = 0;
  uint64_t frames_total = 0;
  uint64_t frames_free = 0;
  uint64_t frames_fill = 0;
  uint64_t frames_held = 0;  // taken out of the rings by the daemon
  uint64_t frames_tx = 0;
  uint64_t frames_bad = 0;   // impossible frame transitions (a bug)
  bool fault_on = false;     // --fault: the shard runs over a FaultPacketIo
  stack::FaultStats fault;
};

// Every queue's shard, for cross-queue forwarding; filled as units start.
using ShardPeers = std::array<std::atomic<stack::Shard*>, XTCP_MAX_QUEUES>;

struct UnitConfig {
  uint32_t index = 0;
  stack::ShardConfig shard;
  stack::LoopConfig loop;
  uint32_t rx_ring = 0;  // channel ring sizes (powers of two)
  uint32_t tx_ring = 0;
  int ifindex = 0;
  uint32_t neighbour_cache = 0;  // next-hop answers kept (LRU)
  ShardPeers* peers = nullptr;
  stack::FaultConfig fault;  // --fault (issue 6): off unless fault.any()
  // --sandbox (sandbox.h): the shard thread drops every capability before
  // its first pass; resolution requests go to this helper (may be null).
  bool drop_capabilities = false;
  ResolutionHelper* resolver = nullptr;
};

class ShardUnit {
 public:
  static xsk::Result<std::unique_ptr<ShardUnit>> start(const UnitConfig& cfg,
                                                       xsk::XskSocket& sock,
                                                       xsk::SteerProgram& prog,
                                                       MemoryBudget& budget,
                                                       CompletionQueue& completions);
  ~ShardUnit();  // stop()s
  ShardUnit(const ShardUnit&) = delete;
  ShardUnit& operator=(const ShardUnit&) = delete;

  void stop();  // ends the loop and joins the thread; idempotent
  stack::Shard& shard() { return *shard_; }
  uint32_t index() const { return index_; }
  UnitStats stats_copy() const;

 private:
  ShardUnit(const UnitConfig& cfg, xsk::XskSocket& sock, xsk::SteerProgram& prog,
            MemoryBudget& budget, CompletionQueue& completions);
  void publish_stats(bool worked);

  uint32_t index_;
  xsk::XskSocket& sock_;
  stack::XskPacketIo io_;
  // Only with --fault: wraps io_; the shard then talks to it instead.
  std::unique_ptr<stack::FaultPacketIo> fault_io_;
  stack::KernelNeighbours neighbours_;
  stack::XskSteering steering_;
  ChannelMemory memory_;
  ShardBridge bridge_;
  std::unique_ptr<stack::Shard> shard_;
  std::unique_ptr<stack::ShardLoop> loop_;
  std::thread thread_;
  tcp::Instant last_stats_;
  bool stats_stale_ = false;  // a pass did work since the last copy
  mutable std::mutex stats_mu_;
  UnitStats stats_;
};

// The steady clock the shards run on.
tcp::Instant steady_now();

}  // namespace xtcp::daemon
