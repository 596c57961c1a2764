// AppApi: the application half of the control protocol (LISTEN, ACCEPT,
// CONNECT, SHUTDOWN, CLOSE, SET/GET_OPTION, CONNS), as the control server
// sees it: sessions by number, a request in, a reply now or later. The real
// one is AppStack (app_stack.h); the control server's tests use doubles.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "daemon/peer_credentials.h"
#include "xtcp/control.h"

namespace xtcp::daemon {

// One reply datagram and the descriptors that ride with it (SCM_RIGHTS).
// The descriptors stay owned by the daemon; the kernel dups them for the app.
struct Reply {
  std::vector<uint8_t> bytes;
  std::vector<int> fds;
};

// Sends a deferred reply to a session; false if the session is gone.
class ReplySink {
 public:
  virtual ~ReplySink() = default;
  virtual bool send_reply(uint32_t session, const Reply& r) = 0;
};

class AppApi {
 public:
  virtual ~AppApi() = default;
  virtual void session_opened(uint32_t session, PeerCredentials creds) = 0;
  // Who sent the session's next message (SCM_CREDENTIALS, filled in by the
  // kernel): a session's socket can change hands (a forked child takes
  // over the one its parent opened for it, then drops privileges), so
  // rights are judged by the sender, not by who connected.
  virtual void message_from(uint32_t session, pid_t pid, uid_t uid) {
    (void)session, (void)pid, (void)uid;
  }
  // msg passed xtcp_ctl_validate and xtcp_ctl_check_fields. Returns true
  // with *out filled, or false when the reply will go through the
  // ReplySink once the shards answered.
  virtual bool request(uint32_t session, const uint8_t* msg, size_t len, Reply* out) = 0;
  // The app closed its control socket or died: everything it owns goes.
  virtual void session_closed(uint32_t session) = 0;
  // The connections session may see, for CONNS: its app's own (by uid,
  // across its sessions), or every one for root and the socket's group.
  virtual void connections(uint32_t session, std::vector<xtcp_ctl_conn_entry>& out) = 0;
};

}  // namespace xtcp::daemon
