// DaemonConn: what xtcpd keeps for one connection beside the engine's
// tcp::Connection: the app's shared-memory channel (its rings are the
// engine's send and receive buffers, so payload is copied once each way),
// the kick eventfd (app -> daemon) and the notify eventfd (daemon -> app).
//
// Threads: created and driven by the owning shard's thread. The control
// thread holds a shared_ptr only to pass the descriptors to the app (they
// never change) and to read `snap`, which the shard refreshes on each visit
// with relaxed atomic stores (xtcpctl conns, GET_OPTION INFO).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "daemon/channel_daemon_side.h"
#include "stack/event_fd.h"
#include "stack/shard_events.h"
#include "tcp/four_tuple.h"
#include "tcp/tcp_info.h"
#include "xtcp/control.h"

namespace xtcp::daemon {

// The numbers `xtcpctl conns` and XTCP_CTL_OPT_INFO show, as the shard saw
// them at its last visit.
struct ConnSnapshot {
  std::atomic<uint32_t> state{0};  // enum xtcp_chan_state
  std::atomic<uint32_t> mss{0};
  std::atomic<uint32_t> rtt_us{0};
  std::atomic<uint32_t> rttvar_us{0};
  std::atomic<uint32_t> rto_ms{0};
  std::atomic<uint32_t> cwnd{0};
  std::atomic<uint32_t> ssthresh{0};
  std::atomic<uint32_t> rto_count{0};
  std::atomic<uint32_t> rx_queue{0};
  std::atomic<uint32_t> tx_queue{0};
  std::atomic<uint64_t> retransmits{0};
  std::atomic<uint64_t> bytes_sent{0};
  std::atomic<uint64_t> bytes_acked{0};
  std::atomic<uint64_t> bytes_received{0};

  void update(const tcp::TcpInfo& info, size_t rx_queue_bytes, size_t tx_queue_bytes);
  xtcp_ctl_tcp_info to_info() const;
};

xtcp_chan_state chan_state(tcp::State s);
// Positive errno for a connection error (0 for none).
uint16_t errno_of(tcp::TcpError e);

struct DaemonConn {
  DaemonConn(DaemonChannel c, stack::EventFd kick_fd, stack::EventFd notify_fd,
             const tcp::FourTuple& t, uint32_t shard_index)
      : ch(std::move(c)), kick(std::move(kick_fd)), notify(std::move(notify_fd)), tuple(t),
        shard(shard_index) {}

  // Immutable after creation (read by both threads).
  DaemonChannel ch;  // its fd() and the mapping; indices: shard thread only
  stack::EventFd kick;
  stack::EventFd notify;
  const tcp::FourTuple tuple;
  const uint32_t shard;
  ConnSnapshot snap;

  // Shard thread only.
  stack::ConnId conn = stack::kNoConn;  // bound at accept / connect
  bool armed = false;           // daemon_wants_kick is set
  bool shutdown_applied = false;
  bool close_applied = false;
  bool nodelay_flag = false;  // XTCP_CHAN_APP_NODELAY as last applied
  bool ever_established = false;
  bool violation_reported = false;
  uint64_t events_published = ~uint64_t{0};
};

}  // namespace xtcp::daemon
