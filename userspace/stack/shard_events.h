// ShardEvents: what a shard tells its owner (the daemon publishes these to
// the app's shared ring and eventfds). All calls come on the shard's thread,
// during run_once(); a callback may use Shard::connection(id) but must not
// destroy the shard. Connection ids stay valid until on_closed.
#pragma once

#include <cstdint>

#include "tcp/connection.h"
#include "tcp/four_tuple.h"
#include "tcp/state.h"

namespace xtcp::stack {

// Slot index in the low 32 bits, the slot's generation in the high 32: a
// stale id never reaches a reused slot.
using ConnId = uint64_t;
inline constexpr ConnId kNoConn = ~ConnId{0};

// A listener's identity as the app named it.
struct ListenerId {
  wire::IpAddress local;
  uint16_t port = 0;
};

class ShardEvents {
 public:
  virtual ~ShardEvents() = default;
  // Result of a posted command (token echoed); err is 0 or -errno; conn is
  // the new connection for connect, else the command's connection.
  virtual void on_command_done(uint64_t token, int err, ConnId conn) {
    (void)token, (void)err, (void)conn;
  }
  // A passive open completed and the connection left the accept queue.
  virtual void on_accepted(const ListenerId& l, ConnId conn, const tcp::FourTuple& t) {
    (void)l, (void)conn, (void)t;
  }
  // An active open reached ESTABLISHED.
  virtual void on_established(ConnId conn) { (void)conn; }
  // Egress visits the connection: copy app-written bytes in (commit) and
  // app-read bytes out (consume) before segments are built.
  virtual void on_sync(ConnId conn, tcp::Connection& c) { (void)conn, (void)c; }
  // More bytes to read, or the peer's FIN arrived.
  virtual void on_readable(ConnId conn) { (void)conn; }
  // Send-buffer space was freed (the peer acknowledged data), whether or
  // not on_sync has filled it again since.
  virtual void on_writable(ConnId conn) { (void)conn; }
  // The connection is gone (CLOSED, nothing left to send); err says why
  // (kNone: orderly close). The id is invalid afterwards.
  virtual void on_closed(ConnId conn, tcp::TcpError err) { (void)conn, (void)err; }
};

}  // namespace xtcp::stack
