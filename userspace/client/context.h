// libxtcp's internals: one xtcp_ctx = one control session plus a table of
// socket handles (listeners and connections). Not part of the public API.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "client/app_channel.h"
#include "client/control_link.h"
#include "xtcp/control.h"
#include "xtcp/xtcp.h"

namespace xtcp::client {

struct ConnHandle {
  uint32_t id = 0;
  AppChannel channel;
  int kick_fd = -1;    // app -> daemon
  int notify_fd = -1;  // daemon -> app
  xtcp_ctl_addr local{};
  xtcp_ctl_addr peer{};
  bool established_at_reply = false;
  bool shut_rd = false;
  bool shut_wr = false;
};

struct ListenerHandle {
  uint32_t id = 0;
  xtcp_share_ticket ticket{};  // LISTEN_REPLY's share_id and share_key
  int ready_fd = -1;
  uint32_t pending_hint = 0;  // the last ACCEPT reply's "pending"
  xtcp_ctl_addr local{};
};

struct Handle {
  std::optional<ConnHandle> conn;
  std::optional<ListenerHandle> listener;
  // xtcp_fd's descriptor: an epoll set of the notify (or ready) eventfd and
  // the session's hang-up set, so an app sleeping in its own epoll also
  // wakes when xtcpd dies. Made on the first xtcp_fd call.
  int wait_fd = -1;
  ~Handle();
};

// A point in time after which a wait gives up (timeout_ms -1: never).
struct Deadline {
  explicit Deadline(int timeout_ms);
  bool forever() const { return forever_; }
  int remaining_ms() const;  // -1 forever, else >= 0
  bool expired() const { return remaining_ms() == 0; }

 private:
  bool forever_ = false;
  int64_t end_ns_ = 0;
};

}  // namespace xtcp::client

struct xtcp_ctx {
  static constexpr size_t kMaxHandles = 65536;

  xtcp::client::ControlLink link;
  std::vector<std::unique_ptr<xtcp::client::Handle>> handles;

  // xtcpd closed the session (exited or was killed): every socket of the
  // context has lost its daemon and fails with ECONNRESET.
  bool lost() { return link.hung_up(); }

  // Lowest free handle number, or -1 when kMaxHandles are in use.
  int add(std::unique_ptr<xtcp::client::Handle> h);
  xtcp::client::Handle* handle(int sock);
  xtcp::client::ConnHandle* conn(int sock);
  xtcp::client::ListenerHandle* listener(int sock);
  void remove(int sock);
};

namespace xtcp::client {

// Sets errno and this thread's detail sentence; returns -1.
int fail(int err, const std::string& detail);
// The same for a ControlLink result (negative errno) and its detail.
int fail_link(const ControlLink& link, int rc);
// Bad handle: EBADF with a sentence naming it.
int bad_handle(int sock, const char* what);
// A socket whose daemon is gone: ECONNRESET with a sentence for `call`.
int fail_lost(const char* call);

// A kick for the daemon if it asked for one (waker suppression).
void kick_if_needed(ConnHandle& c);
// Empties an eventfd (non-blocking) so the next poll sleeps again; false
// when it held nothing (the wake-up came from somewhere else).
bool drain_eventfd(int fd);
// poll() on `fd` (POLLIN) and the session's hang-up until one fires or `d`
// passes; records a hang-up in the link. False: deadline passed or hang-up.
bool wait_readable(xtcp_ctx* ctx, int fd, const Deadline& d);

}  // namespace xtcp::client
