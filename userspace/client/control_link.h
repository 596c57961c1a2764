// ControlLink: libxtcp's end of the control socket (xtcp/control.h). One
// request in flight; every reply is validated (framing, fields, seq, type,
// descriptor count) before anything in it is used: the daemon's bytes are
// untrusted like any peer's. Returns 0 or -errno; detail() says why.
#pragma once

#include <poll.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <deque>
#include <string>
#include <vector>

#include "xtcp/control.h"

namespace xtcp::client {

class ControlLink {
 public:
  static constexpr int kReplyTimeoutMs = 10000;

  ControlLink() = default;
  ~ControlLink();
  ControlLink(const ControlLink&) = delete;
  ControlLink& operator=(const ControlLink&) = delete;

  int connect(const char* path);
  // Sends `msg` (seq overwritten) and receives the reply of type
  // request|REPLY_BIT into `reply` (exactly reply_len bytes) with exactly
  // fds.size() descriptors (close-on-exec, owned by the caller on success).
  // An ERROR reply returns -code with its text in detail().
  int request(void* msg, size_t len, void* reply, size_t reply_len, std::span<int> fds);
  // Sends `msg` without waiting for its reply, for requests whose outcome
  // the caller does not need (CLOSE of a connection: like close(2), the
  // socket is gone whatever the daemon says). The reply (request|REPLY_BIT
  // without descriptors, or ERROR) is read and dropped before the next
  // request, or as soon as kMaxPosted are outstanding, so the daemon's
  // replies never pile up in the socket.
  int post(void* msg, size_t len);
  static constexpr size_t kMaxPosted = 32;
  size_t posted() const { return posted_.size(); }

  const std::string& detail() const { return detail_; }
  const std::string& path() const { return path_; }

  // ---- liveness: xtcpd exiting or crashing closes the session ----
  // A dead daemon never signals a connection's notify eventfd, so every
  // wait of the library also watches the control socket for its hang-up.
  bool hung_up() const { return hung_up_; }
  // Looks at the socket without blocking; true once the session is gone.
  bool check_hangup();
  // For a poll() set: reports only a hang-up (never the daemon's data).
  pollfd hangup_pollfd() const { return {fd_, POLLRDHUP, 0}; }
  // After poll() returned: records a hang-up seen in `p` (hangup_pollfd's slot).
  bool note_hangup(const pollfd& p);
  // An epoll fd that turns readable only when the session hangs up, for
  // nesting inside the per-socket wait fds of xtcp_fd (made on first use;
  // -errno when it cannot be made).
  int hangup_epoll();

 private:
  int fail(int code, std::string sentence);
  int receive(uint32_t seq, uint16_t want_type, void* reply, size_t reply_len,
              std::span<int> fds);
  // Waits up to timeout_ms for one message and validates its framing and
  // fields; 1 with it in buf_/len/fds, 0 on timeout, or -errno.
  int read_message(int timeout_ms, size_t* len, int* fds, size_t* nfds);
  // Reads the replies of posted requests; timeout 0: only those already
  // there.
  int drain_posted(int timeout_ms);
  int send_message(void* msg, size_t len);

  int fd_ = -1;
  bool broken_ = false;  // a malformed reply desynchronised the session
  bool hung_up_ = false;  // xtcpd closed the session (exited or crashed)
  int hangup_epfd_ = -1;
  uint32_t seq_ = 0;
  struct Posted {
    uint32_t seq;
    uint16_t reply_type;
  };
  std::deque<Posted> posted_;  // sent by post(), reply not read yet
  std::vector<uint8_t> buf_;
  std::string path_;
  std::string detail_;
};

}  // namespace xtcp::client
