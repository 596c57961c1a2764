#include "client/control_link.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "client/fd_passing.h"

namespace xtcp::client {
namespace {

void close_all(std::span<const int> fds) {
  for (int fd : fds) close(fd);
}

std::string errtext(int err) { return strerrordesc_np(err) ? strerrordesc_np(err) : "unknown error"; }

}  // namespace

ControlLink::~ControlLink() {
  if (hangup_epfd_ >= 0) close(hangup_epfd_);
  if (fd_ >= 0) close(fd_);
}

bool ControlLink::note_hangup(const pollfd& p) {
  // A SOCK_SEQPACKET peer that closed (or died) leaves RDHUP and HUP set.
  if (p.revents & (POLLHUP | POLLRDHUP | POLLERR | POLLNVAL)) hung_up_ = true;
  return hung_up_;
}

bool ControlLink::check_hangup() {
  if (hung_up_ || fd_ < 0) return hung_up_;
  pollfd p = hangup_pollfd();
  if (poll(&p, 1, 0) > 0) note_hangup(p);
  return hung_up_;
}

int ControlLink::hangup_epoll() {
  if (hangup_epfd_ >= 0) return hangup_epfd_;
  if (fd_ < 0) return -ENOTCONN;
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) return -errno;
  // EPOLLHUP is always reported; RDHUP covers a half-close. Replies (EPOLLIN)
  // are filtered out, so this set wakes nobody while the daemon lives.
  epoll_event ev{};
  ev.events = EPOLLRDHUP;
  if (epoll_ctl(ep, EPOLL_CTL_ADD, fd_, &ev) != 0) {
    const int err = errno;
    close(ep);
    return -err;
  }
  hangup_epfd_ = ep;
  return ep;
}

int ControlLink::fail(int code, std::string sentence) {
  detail_ = std::move(sentence);
  return code < 0 ? code : -code;
}

int ControlLink::connect(const char* path) {
  path_ = path;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path_.empty() || path_.size() >= sizeof(addr.sun_path))
    return fail(ENAMETOOLONG, "control socket path '" + path_ + "' is empty or longer than 107 bytes");
  std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
  fd_ = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return fail(errno, "cannot create a control socket: " + errtext(errno));
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) return 0;
  const int err = errno;
  close(fd_);
  fd_ = -1;
  std::string hint = "start xtcpd or set XTCP_SOCKET to its --socket path";
  if (err == EACCES) hint = "run as root or as a member of the control socket's group";
  if (err == ECONNREFUSED) hint = "the socket file exists but no xtcpd listens on it; start xtcpd";
  return fail(err, "cannot reach xtcpd at " + path_ + ": " + errtext(err) + "; " + hint);
}

int ControlLink::send_message(void* msg, size_t len) {
  if (hung_up_)
    return fail(ENOTCONN, "xtcpd at " + path_ + " closed the session (it exited or was killed); open a new context once it runs again");
  if (fd_ < 0 || broken_)
    return fail(ENOTCONN, "the session with xtcpd is closed or was broken by a malformed reply; open a new context");
  auto* h = static_cast<xtcp_ctl_header*>(msg);
  h->seq = ++seq_;
  if (send(fd_, msg, len, MSG_NOSIGNAL) < 0) {
    const int err = errno;
    if (err == EPIPE || err == ECONNRESET) hung_up_ = true;
    return fail(err == EPIPE ? ECONNRESET : err,
                "cannot send to xtcpd at " + path_ + ": " + errtext(err) + "; is xtcpd still running?");
  }
  return 0;
}

int ControlLink::request(void* msg, size_t len, void* reply, size_t reply_len,
                         std::span<int> fds) {
  if (int rc = drain_posted(kReplyTimeoutMs); rc < 0) return rc;
  if (int rc = send_message(msg, len); rc < 0) return rc;
  const auto* h = static_cast<const xtcp_ctl_header*>(msg);
  return receive(h->seq, static_cast<uint16_t>(h->type | XTCP_CTL_REPLY_BIT), reply, reply_len, fds);
}

int ControlLink::post(void* msg, size_t len) {
  // Replies already there are taken now; at the cap, wait for them all.
  int rc = drain_posted(posted_.size() >= kMaxPosted ? kReplyTimeoutMs : 0);
  if (rc < 0) return rc;
  if (rc = send_message(msg, len); rc < 0) return rc;
  const auto* h = static_cast<const xtcp_ctl_header*>(msg);
  posted_.push_back({h->seq, static_cast<uint16_t>(h->type | XTCP_CTL_REPLY_BIT)});
  return 0;
}

int ControlLink::read_message(int timeout_ms, size_t* len, int* got, size_t* nfds) {
  pollfd p{fd_, POLLIN, 0};
  int pr;
  do pr = poll(&p, 1, timeout_ms);
  while (pr < 0 && errno == EINTR);
  if (pr == 0) return 0;
  // One byte more than the protocol allows: an oversized reply shows up as
  // EMSGSIZE instead of being silently truncated to a valid-looking one.
  buf_.resize(XTCP_CTL_MAX_MESSAGE + 1);
  *nfds = 0;
  const ssize_t n = recv_fds(fd_, buf_, std::span<int>(got, kMaxPassedFds), nfds);
  if (n == 0) {
    broken_ = true;
    hung_up_ = true;
    return fail(ECONNRESET, "xtcpd at " + path_ + " closed the session");
  }
  if (n < 0) {
    broken_ = true;
    return fail(static_cast<int>(n), "bad reply from xtcpd (" + errtext(static_cast<int>(-n)) + ")");
  }
  *len = static_cast<size_t>(n);
  auto protocol_error = [&](const std::string& why) {
    close_all({got, *nfds});
    broken_ = true;
    return fail(EPROTO, "malformed reply from xtcpd: " + why + "; versions differ or the daemon is faulty");
  };
  if (int rc = xtcp_ctl_validate(buf_.data(), *len); rc < 0) return protocol_error(errtext(-rc));
  if (xtcp_ctl_check_fields(buf_.data(), *len) < 0) return protocol_error("a field is out of range");
  return 1;
}

int ControlLink::drain_posted(int timeout_ms) {
  while (!posted_.empty()) {
    if (broken_ || fd_ < 0) return fail(ENOTCONN, "the session with xtcpd is closed or was broken by a malformed reply; open a new context");
    int got[kMaxPassedFds];
    size_t nfds = 0, len = 0;
    const int rc = read_message(timeout_ms, &len, got, &nfds);
    if (rc < 0) return rc;
    if (rc == 0) {
      if (timeout_ms == 0) return 0;
      return fail(ETIMEDOUT, "xtcpd at " + path_ + " did not answer within 10 s; is it stuck?");
    }
    close_all({got, nfds});  // a reply to a posted request carries none
    xtcp_ctl_header h;
    std::memcpy(&h, buf_.data(), sizeof(h));
    if (h.seq != posted_.front().seq || (h.type != posted_.front().reply_type && h.type != XTCP_CTL_ERROR)) {
      broken_ = true;
      return fail(EPROTO, "malformed reply from xtcpd: not the reply to an earlier request; versions differ or the daemon is faulty");
    }
    posted_.pop_front();  // its outcome is not needed (an ERROR included)
  }
  return 0;
}

int ControlLink::receive(uint32_t seq, uint16_t want_type, void* reply, size_t reply_len,
                         std::span<int> fds) {
  int got[kMaxPassedFds];
  size_t nfds = 0, len = 0;
  const int rc = read_message(kReplyTimeoutMs, &len, got, &nfds);
  if (rc < 0) return rc;
  if (rc == 0) return fail(ETIMEDOUT, "xtcpd at " + path_ + " did not answer within 10 s; is it stuck?");
  const std::span<const int> received(got, nfds);
  auto protocol_error = [&](const std::string& why) {
    close_all(received);
    broken_ = true;
    return fail(EPROTO, "malformed reply from xtcpd: " + why + "; versions differ or the daemon is faulty");
  };
  xtcp_ctl_header h;
  std::memcpy(&h, buf_.data(), sizeof(h));
  if (h.seq != seq) return protocol_error("sequence number does not match the request");
  if (h.type == XTCP_CTL_ERROR) {
    close_all(received);
    xtcp_ctl_error e;
    std::memcpy(&e, buf_.data(), sizeof(e));
    return fail(e.code, "xtcpd refused: " + std::string(e.text, strnlen(e.text, sizeof(e.text))));
  }
  if (h.type != want_type || len != reply_len) return protocol_error("unexpected reply type");
  if (nfds != fds.size()) return protocol_error("wrong number of descriptors attached");
  std::memcpy(reply, buf_.data(), len);
  std::copy(received.begin(), received.end(), fds.begin());
  return 0;
}

}  // namespace xtcp::client
