// ShardStats: a counter for everything a shard drops, refuses or does
// (the data path never throws, it counts). Written by the shard thread only;
// the daemon copies it for `xtcpctl stats`.
#pragma once

#include <array>
#include <cstdint>

#include "wire/error.h"

namespace xtcp::stack {

struct ShardStats {
  uint64_t rx_frames = 0;
  uint64_t rx_bytes = 0;
  // Frames dropped by the parser, indexed by wire::ParseError.
  std::array<uint64_t, static_cast<size_t>(wire::ParseError::kCount)> rx_malformed{};
  uint64_t rx_to_listener = 0;   // segments handled by a listener
  uint64_t rx_no_socket = 0;     // no connection, no listener
  uint64_t rx_forwarded = 0;     // copied to the shard that owns the flow
  uint64_t rx_forward_dropped = 0;  // ... whose inbox was full
  uint64_t rx_foreign = 0;       // received from other shards
  uint64_t resets_sent = 0;      // RSTs for segments to no socket
  uint64_t resets_dropped = 0;   // pending-RST queue full
  uint64_t tx_frames = 0;
  uint64_t tx_bytes = 0;
  uint64_t tx_kicks = 0;
  uint64_t tx_rekicks = 0;       // kicks for frames still in flight
  uint64_t tx_no_frame = 0;      // egress stopped: every frame in flight
  uint64_t tx_ring_full = 0;     // submit took fewer frames than offered
  uint64_t tx_build_failed = 0;  // segment did not fit a frame (a bug)
  uint64_t tx_completions = 0;
  uint64_t neighbour_pending = 0;  // egress waited for a next-hop MAC
  uint64_t neighbour_failed = 0;   // active opens given up for lack of one
  uint64_t egress_visits = 0;    // dirty connections and listeners visited
  uint64_t timers_fired = 0;
  uint64_t commands = 0;
  uint64_t commands_failed = 0;
  uint64_t conns_opened = 0;     // active opens plus accepted connections
  uint64_t conns_closed = 0;
  uint64_t conns_refused = 0;    // accepted by the engine but no slot/flow/memory
  uint64_t memory_refused = 0;   // ConnectionMemory said no
  uint64_t steering_errors = 0;  // a SteeringMaps call failed
  uint64_t flow_steering_refused = 0;  // active opens failed (ENOBUFS): BPF flow map full

  uint64_t malformed_total() const {
    uint64_t n = 0;
    for (size_t i = 1; i < rx_malformed.size(); ++i) n += rx_malformed[i];
    return n;
  }
};

}  // namespace xtcp::stack
