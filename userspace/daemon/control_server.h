// ControlServer: the listening AF_UNIX SOCK_SEQPACKET socket and its
// sessions. Single-threaded: the daemon's main loop polls pollfds() and
// passes the results to dispatch(). A misbehaving client only ever loses its
// own session.
#pragma once

#include <poll.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "daemon/control_session.h"

namespace xtcp::daemon {

class ControlServer final : public ReplySink {
 public:
  static constexpr size_t kDefaultMaxSessions = 1024;

  explicit ControlServer(StatsSource& source, size_t max_sessions = kDefaultMaxSessions);
  // Closes every fd and removes the socket file. The app layer is not told
  // (it is torn down with the daemon).
  ~ControlServer() override;
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Creates the socket's directory, removes a stale socket file (refuses
  // when another daemon answers on it), binds, sets mode 0660, listens.
  // Returns 0 or -errno; on failure error() says what to do.
  int listen(const std::string& path);
  const std::string& error() const { return error_; }
  const std::string& path() const { return path_; }

  // The listening socket first, then one entry per session (POLLIN).
  void pollfds(std::vector<pollfd>& out) const;
  // Handles the revents of the entries pollfds() produced, in that order.
  void dispatch(const pollfd* fds, size_t n);

  size_t session_count() const { return sessions_.size(); }
  // Malformed messages answered with an error before the session closed.
  uint64_t bad_messages() const { return bad_messages_; }

  // The application API behind LISTEN, CONNECT, ... (nullptr: ENOSYS).
  // Set before the first session arrives.
  void set_app(AppApi* app) { app_ = app; }
  // ReplySink: a deferred reply (with descriptors) to session `id`.
  bool send_reply(uint32_t id, const Reply& r) override;

 private:
  struct Session {
    int fd;
    ControlSession proto;
  };
  // Sends one reply (and its descriptors) without blocking.
  static bool send_to(int fd, const Reply& r);
  void close_session(Session& s);
  void accept_one();
  bool serve(Session& s, short revents);  // false: close the session
  int remove_stale(const std::string& path);

  StatsSource* source_;
  AppApi* app_ = nullptr;
  size_t max_sessions_;
  uint32_t next_id_ = 1;
  uint64_t bad_messages_ = 0;
  int listen_fd_ = -1;
  std::string path_;
  std::string error_;
  std::vector<std::unique_ptr<Session>> sessions_;
  std::vector<uint8_t> rx_buf_;
  std::vector<uint8_t> reply_;
  Reply app_reply_;
};

}  // namespace xtcp::daemon
