// ShardStats: a counter for everything a shard drops, refuses or does
// (the data path never throws, it counts). Written by the shard thread only;
// the daemon copies it for `xtcpctl stats`.
#pragma once

#include <array>
#include <cstdint>

#include "wire/error.h"

namespace xtcp::stack {

// Every scalar counter, once: the list defines the fields and is what
// `xtcpctl stats` exports (for_each_counter), so a counter cannot be kept
// and never shown. The static_assert below catches a field added outside
// the list.
#define XTCP_SHARD_COUNTERS(X)                                                  \
  X(rx_frames)                                                                  \
  X(rx_bytes)                                                                   \
  X(rx_to_listener)       /* segments handled by a listener */                  \
  X(rx_no_socket)         /* no connection, no listener */                      \
  X(rx_forwarded)         /* copied to the shard that owns the flow */          \
  X(rx_forward_dropped)   /* ... whose inbox was full */                        \
  X(rx_foreign)           /* received from other shards */                      \
  X(resets_sent)          /* RSTs for segments to no socket */                  \
  X(resets_dropped)       /* pending-RST queue full */                          \
  X(tx_frames)                                                                  \
  X(tx_bytes)                                                                   \
  X(tx_kicks)                                                                   \
  X(tx_rekicks)           /* kicks for frames still in flight */                \
  X(tx_no_frame)          /* egress stopped: every frame in flight */           \
  X(tx_ring_full)         /* submit took fewer frames than offered */           \
  X(tx_build_failed)      /* segment did not fit a frame (a bug) */             \
  X(tx_completions)                                                             \
  X(neighbour_pending)    /* egress waited for a next-hop MAC */                \
  X(neighbour_failed)     /* active opens given up for lack of one */           \
  X(egress_visits)        /* dirty connections and listeners visited */         \
  X(timers_fired)                                                               \
  X(commands)                                                                   \
  X(commands_failed)                                                            \
  X(conns_opened)         /* active opens plus accepted connections */          \
  X(conns_closed)                                                               \
  X(conns_refused)        /* accepted by the engine but no slot/flow/memory */  \
  X(memory_refused)       /* ConnectionMemory said no */                        \
  X(steering_errors)      /* a SteeringMaps call failed */                      \
  X(flow_steering_refused) /* active opens failed (ENOBUFS): BPF flow map full */ \
  /* TIME-WAIT as a record (time_wait_table.h), not a connection. */          \
  X(time_wait_entered)    /* connections replaced by a record */                \
  X(time_wait_overflow)   /* table full: closed without TIME-WAIT */            \
  X(time_wait_expired)    /* records that lived their 2*MSL */                  \
  X(time_wait_reopened)   /* taken by a newer SYN (RFC 6191) */                 \
  X(time_wait_reset)      /* dropped on an acceptable RST */                    \
  X(time_wait_acks)       /* ACKs sent from a record */                       \
  /* Loss recovery of the connections that have ended, added up when each   \
     is released (tcp::TcpInfo; Linux's nstat counts TcpRetransSegs,        \
     TcpExtTCPTimeouts, TCPLossProbes as they happen). */                   \
  X(ended_retrans_segs)   /* segments retransmitted, any cause */           \
  X(ended_timeouts)       /* retransmission timeouts */                     \
  X(ended_spurious_timeouts) /* of those, undone (RFC 3522) */              \
  X(ended_recoveries)     /* RACK or duplicate-ACK recovery episodes */     \
  X(ended_loss_probes)    /* RFC 8985 tail loss probes */

struct ShardStats {
#define XTCP_SHARD_FIELD(name) uint64_t name = 0;
  XTCP_SHARD_COUNTERS(XTCP_SHARD_FIELD)
#undef XTCP_SHARD_FIELD
  // Frames dropped by the parser, indexed by wire::ParseError (exported
  // by name: rx_malformed_<wire::name>).
  std::array<uint64_t, static_cast<size_t>(wire::ParseError::kCount)> rx_malformed{};

  // f(name, value) for every scalar counter, in list order.
  template <class F>
  void for_each_counter(F&& f) const {
#define XTCP_SHARD_VISIT(name) f(#name, name);
    XTCP_SHARD_COUNTERS(XTCP_SHARD_VISIT)
#undef XTCP_SHARD_VISIT
  }
  template <class F>
  void for_each_counter_mut(F&& f) {
#define XTCP_SHARD_VISIT(name) f(#name, name);
    XTCP_SHARD_COUNTERS(XTCP_SHARD_VISIT)
#undef XTCP_SHARD_VISIT
  }

  uint64_t malformed_total() const {
    uint64_t n = 0;
    for (size_t i = 1; i < rx_malformed.size(); ++i) n += rx_malformed[i];
    return n;
  }
};

#define XTCP_SHARD_ONE(name) +1
inline constexpr size_t kShardCounterCount = 0 XTCP_SHARD_COUNTERS(XTCP_SHARD_ONE);
#undef XTCP_SHARD_ONE
static_assert(sizeof(ShardStats) ==
                  kShardCounterCount * sizeof(uint64_t) + sizeof(ShardStats::rx_malformed),
              "a ShardStats field outside XTCP_SHARD_COUNTERS would never be exported");

}  // namespace xtcp::stack
