// Commands a shard takes from other threads (the control thread, app
// kicks) through its MPSC queue. Each carries the caller's token, echoed in
// ShardEvents::on_command_done. Plain values: no allocation to post one.
#pragma once

#include <cstdint>

#include "stack/shard_events.h"
#include "tcp/congestion/congestion_control.h"
#include "tcp/time.h"
#include "wire/ip_address.h"

namespace xtcp::stack {

enum class CommandKind : uint8_t {
  kListen,         // local, local_port (local may be the wildcard)
  kUnlisten,       // local, local_port
  kConnect,        // remote, remote_port; local/local_port optional (0: pick)
  kKick,           // conn: the app wrote or read; visit it in egress
  kShutdownWrite,  // conn: FIN after queued data
  kClose,          // conn: close() (FIN; data may still arrive)
  kAbort,          // conn: RST now
  kSetNoDelay,     // conn, flag
  kSetKeepalive,   // conn, flag, idle, interval, count
  kSetCongestion,  // conn, cc
  kSetUserTimeout, // conn, user_timeout (0: off)
};

struct Command {
  CommandKind kind = CommandKind::kKick;
  uint64_t token = 0;
  ConnId conn = kNoConn;
  wire::IpAddress local;   // unspecified bytes: wildcard / default source
  uint16_t local_port = 0;
  wire::IpAddress remote;
  uint16_t remote_port = 0;
  bool flag = false;
  tcp::Duration idle;
  tcp::Duration interval;
  uint8_t count = 0;
  tcp::CcAlgorithm cc = tcp::CcAlgorithm::kCubic;
  tcp::Duration user_timeout;
};

}  // namespace xtcp::stack
