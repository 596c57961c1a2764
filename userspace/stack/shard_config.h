// ShardConfig: everything that sizes and addresses one shard, one aggregate
// with named defaults (STYLE.md 14). Local MAC, addresses and MTU come from
// the daemon (which reads them from the interface).
#pragma once

#include <cstdint>
#include <optional>

#include "stack/flow_hash.h"
#include "stack/time_wait_table.h"
#include "tcp/config.h"
#include "tcp/isn.h"
#include "tcp/listener.h"
#include "tcp/time.h"
#include "wire/checksum.h"
#include "wire/ethernet.h"
#include "wire/ip_address.h"

namespace xtcp::stack {

inline constexpr uint32_t kDefaultMaxConnections = 16384;
inline constexpr uint32_t kDefaultMaxListeners = 256;
inline constexpr uint32_t kDefaultRxBatch = 64;
inline constexpr uint32_t kDefaultTxBatch = 64;
// Segments one connection may build per egress visit before the next
// dirty connection gets its turn (fairness); it stays dirty if it has more.
inline constexpr uint32_t kDefaultSegmentsPerVisit = 64;
inline constexpr uint32_t kDefaultMaxPendingResets = 256;
inline constexpr uint32_t kDefaultCommandQueue = 4096;
inline constexpr uint16_t kDefaultEphemeralLow = 32768;  // Linux ip_local_port_range
inline constexpr uint16_t kDefaultEphemeralHigh = 60999;
inline constexpr tcp::Duration kDefaultNeighbourRetry = tcp::Duration::millis(10);
// After this long without a next-hop MAC an active open fails (ETIMEDOUT).
inline constexpr tcp::Duration kDefaultNeighbourTimeout = tcp::Duration::seconds(3);
// Back-pressure retry when every TX frame is in flight.
inline constexpr tcp::Duration kDefaultTxRetry = tcp::Duration::micros(50);
inline constexpr uint8_t kDefaultTtl = 64;

struct ShardConfig {
  uint32_t queue = 0;  // the receive queue this shard serves
  wire::MacAddress local_mac;
  std::optional<wire::IpAddress> local_v4;  // default source for connect
  std::optional<wire::IpAddress> local_v6;
  tcp::TcpConfig tcp;  // tcp.mtu is the interface MTU
  uint32_t max_connections = kDefaultMaxConnections;
  uint32_t max_listeners = kDefaultMaxListeners;
  // TIME-WAIT records (time_wait_table.h); 0: close without TIME-WAIT.
  uint32_t max_time_wait = kDefaultMaxTimeWait;
  uint32_t syn_backlog = tcp::kDefaultSynBacklog;
  uint32_t accept_backlog = tcp::kDefaultAcceptBacklog;
  uint32_t rx_batch = kDefaultRxBatch;
  uint32_t tx_batch = kDefaultTxBatch;
  uint32_t segments_per_visit = kDefaultSegmentsPerVisit;
  uint32_t max_pending_resets = kDefaultMaxPendingResets;
  uint32_t command_queue = kDefaultCommandQueue;
  uint16_t ephemeral_low = kDefaultEphemeralLow;
  uint16_t ephemeral_high = kDefaultEphemeralHigh;
  tcp::Duration neighbour_retry = kDefaultNeighbourRetry;
  tcp::Duration neighbour_timeout = kDefaultNeighbourTimeout;
  tcp::Duration tx_retry = kDefaultTxRetry;
  uint8_t ttl = kDefaultTtl;
  wire::ChecksumCheck rx_checksum = wire::ChecksumCheck::kVerify;
  tcp::SecretKey isn_secret{};  // the daemon draws these three from getrandom
  HashKey hash_key{};
  // SYN cookies (RFC 4987 3.6) for SYNs that overflow a listener's SYN
  // queue: a flood of spoofed SYNs then holds no more than the queue, and
  // real clients still connect. Off: overflowing SYNs are dropped.
  bool syn_cookies = true;
  tcp::SecretKey cookie_secret{};
};

}  // namespace xtcp::stack
