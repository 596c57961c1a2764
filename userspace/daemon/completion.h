// Completion: what a shard tells the control thread (ShardEvents that
// concern sessions), through a per-shard MPSC queue and one eventfd the
// control thread polls (docs/daemon-design.md "Threads").
#pragma once

#include <cstdint>
#include <memory>

#include "daemon/daemon_conn.h"
#include "stack/shard_events.h"
#include "tcp/four_tuple.h"

namespace xtcp::daemon {

struct Completion {
  enum class Kind : uint8_t {
    kCommandDone,  // token, err, conn (+ dc for a connect)
    kAccepted,     // listener, conn, tuple, dc
    kClosed,       // conn, reason
  };
  Kind kind = Kind::kCommandDone;
  uint32_t shard = 0;
  uint64_t token = 0;
  int err = 0;  // 0 or -errno
  stack::ConnId conn = stack::kNoConn;
  std::shared_ptr<DaemonConn> dc;
  stack::ListenerId listener;
  tcp::TcpError reason = tcp::TcpError::kNone;
};

}  // namespace xtcp::daemon
