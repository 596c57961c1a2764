#include "daemon/control_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "client/fd_passing.h"
#include "daemon/id_alloc.h"

namespace xtcp::daemon {
namespace {

std::string errno_text(int err) { return std::strerror(err < 0 ? -err : err); }

// mkdir -p for the parent directory of path; 0755 so clients can reach it.
int make_parent_dirs(const std::string& path) {
  for (size_t pos = path.find('/', 1); pos != std::string::npos; pos = path.find('/', pos + 1)) {
    std::string dir = path.substr(0, pos);
    if (mkdir(dir.c_str(), 0755) < 0 && errno != EEXIST) return -errno;
  }
  return 0;
}

bool fill_addr(const std::string& path, sockaddr_un* addr) {
  *addr = sockaddr_un{};
  addr->sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr->sun_path)) return false;
  std::memcpy(addr->sun_path, path.c_str(), path.size() + 1);
  return true;
}

}  // namespace

ControlServer::ControlServer(StatsSource& source, size_t max_sessions)
    : source_(&source), max_sessions_(max_sessions), rx_buf_(XTCP_CTL_MAX_MESSAGE) {}

ControlServer::~ControlServer() {
  for (auto& s : sessions_) close(s->fd);
  if (listen_fd_ >= 0) {
    close(listen_fd_);
    unlink(path_.c_str());
  }
}

// A socket file nobody answers on is left over from a crashed daemon.
int ControlServer::remove_stale(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) < 0) return errno == ENOENT ? 0 : -errno;
  if (!S_ISSOCK(st.st_mode)) {
    error_ = path + " exists and is not a socket; remove it or choose another --socket";
    return -EEXIST;
  }
  int probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (probe < 0) {
    int err = errno;
    error_ = "cannot create a socket to probe " + path + ": " + errno_text(err);
    return -err;
  }
  sockaddr_un addr;
  fill_addr(path, &addr);
  int rc = connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  int err = errno;
  close(probe);
  if (rc == 0) {
    error_ = "another xtcpd is already serving " + path + "; stop it or choose another --socket";
    return -EADDRINUSE;
  }
  if (err != ECONNREFUSED) {
    error_ = "cannot probe " + path + ": " + errno_text(err);
    return -err;
  }
  if (unlink(path.c_str()) < 0 && errno != ENOENT) return -errno;
  return 0;
}

int ControlServer::listen(const std::string& path) {
  sockaddr_un addr;
  if (!fill_addr(path, &addr)) {
    error_ = "socket path " + path + " is too long (max 107 bytes); choose a shorter --socket";
    return -ENAMETOOLONG;
  }
  if (int rc = make_parent_dirs(path); rc < 0) {
    error_ = "cannot create the directory of " + path + ": " + errno_text(rc);
    return rc;
  }
  if (int rc = remove_stale(path); rc < 0) {
    if (error_.empty()) error_ = "cannot remove stale " + path + ": " + errno_text(rc);
    return rc;
  }
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    int err = errno;
    error_ = "cannot create the control socket: " + errno_text(err);
    return -err;
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0 ||
      chmod(path.c_str(), 0660) < 0 || ::listen(fd, 16) < 0) {
    int err = errno;
    error_ = "cannot serve the control socket " + path + ": " + errno_text(err);
    close(fd);
    unlink(path.c_str());
    return -err;
  }
  listen_fd_ = fd;
  path_ = path;
  return 0;
}

void ControlServer::pollfds(std::vector<pollfd>& out) const {
  out.push_back(pollfd{listen_fd_, POLLIN, 0});
  for (const auto& s : sessions_) out.push_back(pollfd{s->fd, POLLIN, 0});
}

void ControlServer::dispatch(const pollfd* fds, size_t n) {
  if (n == 0) return;
  // Sessions first (their indices match sessions_), then new connections.
  size_t live = std::min(n - 1, sessions_.size());
  std::vector<std::unique_ptr<Session>> kept;
  kept.reserve(sessions_.size());
  for (size_t i = 0; i < sessions_.size(); ++i) {
    bool ready = i < live && (fds[i + 1].revents & (POLLIN | POLLHUP | POLLERR));
    if (ready && !serve(*sessions_[i], fds[i + 1].revents)) {
      close_session(*sessions_[i]);
      continue;
    }
    kept.push_back(std::move(sessions_[i]));
  }
  sessions_.swap(kept);
  if (fds[0].revents & POLLIN) accept_one();
}

void ControlServer::accept_one() {
  int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return;  // EAGAIN or the client went away: nothing to do
  const int on = 1;  // every message then says who sent it (message_from)
  (void)setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
  if (sessions_.size() >= max_sessions_) {
    build_error(reply_, 0, 0, EBUSY, "xtcpd has too many control sessions; try again later");
    send(fd, reply_.data(), reply_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    close(fd);
    return;
  }
  const uint32_t id = next_free_id(next_id_, [&](uint32_t candidate) {
    for (const auto& s : sessions_)
      if (s->proto.id() == candidate) return true;
    return false;
  });
  if (app_ != nullptr) {
    PeerCredentials creds;
    if (PeerCredentials::from_socket(fd, &creds) < 0) {
      close(fd);  // SO_PEERCRED cannot fail on a connected AF_UNIX socket
      return;
    }
    app_->session_opened(id, std::move(creds));
  }
  sessions_.push_back(std::make_unique<Session>(Session{fd, ControlSession(*source_, app_, id)}));
}

void ControlServer::close_session(Session& s) {
  close(s.fd);
  s.fd = -1;
  if (app_ != nullptr) app_->session_closed(s.proto.id());
}

bool ControlServer::send_to(int fd, const Reply& r) {
  if (r.fds.empty())
    return send(fd, r.bytes.data(), r.bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT) >= 0;
  return xtcp::client::send_fds(fd, r.bytes, r.fds) >= 0;
}

bool ControlServer::send_reply(uint32_t id, const Reply& r) {
  for (auto& s : sessions_)
    if (s && s->proto.id() == id && s->fd >= 0) return send_to(s->fd, r);
  return false;
}

bool ControlServer::serve(Session& s, short revents) {
  // MSG_TRUNC makes recv return the datagram's real size, so an oversized
  // message is detected instead of being silently cut.
  iovec iov{rx_buf_.data(), rx_buf_.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  // Descriptors an app sends are closed by the kernel (no room for them:
  // MSG_CTRUNC), never received into the daemon.
  ssize_t n = recvmsg(s.fd, &msg, MSG_TRUNC | MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  if (n < 0) return errno == EAGAIN || errno == EINTR;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_CREDENTIALS) continue;
    ucred who;
    std::memcpy(&who, CMSG_DATA(c), sizeof who);
    if (app_ != nullptr) app_->message_from(s.proto.id(), who.pid, who.uid);
  }
  // 0 bytes is the client's close, or an (invalid) empty datagram.
  if (n == 0 && (revents & (POLLHUP | POLLERR))) return false;
  bool deferred = false;
  bool keep = s.proto.handle(rx_buf_.data(), static_cast<size_t>(n), app_reply_, &deferred);
  if (!keep) ++bad_messages_;
  // A client that does not read its replies loses its session.
  if (!deferred && !send_to(s.fd, app_reply_)) return false;
  return keep;
}

}  // namespace xtcp::daemon
