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

int ControlLink::request(void* msg, size_t len, void* reply, size_t reply_len,
                         std::span<int> fds) {
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
  return receive(h->seq, static_cast<uint16_t>(h->type | XTCP_CTL_REPLY_BIT), reply, reply_len, fds);
}

int ControlLink::receive(uint32_t seq, uint16_t want_type, void* reply, size_t reply_len,
                         std::span<int> fds) {
  pollfd p{fd_, POLLIN, 0};
  int pr;
  do pr = poll(&p, 1, kReplyTimeoutMs);
  while (pr < 0 && errno == EINTR);
  if (pr == 0) return fail(ETIMEDOUT, "xtcpd at " + path_ + " did not answer within 10 s; is it stuck?");
  // One byte more than the protocol allows: an oversized reply shows up as
  // EMSGSIZE instead of being silently truncated to a valid-looking one.
  std::vector<uint8_t> buf(XTCP_CTL_MAX_MESSAGE + 1);
  int got[kMaxPassedFds];
  size_t nfds = 0;
  const ssize_t n = recv_fds(fd_, buf, got, &nfds);
  if (n == 0) {
    broken_ = true;
    hung_up_ = true;
    return fail(ECONNRESET, "xtcpd at " + path_ + " closed the session");
  }
  if (n < 0) {
    broken_ = true;
    return fail(static_cast<int>(n), "bad reply from xtcpd (" + errtext(static_cast<int>(-n)) + ")");
  }
  const std::span<const int> received(got, nfds);
  auto protocol_error = [&](const std::string& why) {
    close_all(received);
    broken_ = true;
    return fail(EPROTO, "malformed reply from xtcpd: " + why + "; versions differ or the daemon is faulty");
  };
  const size_t len = static_cast<size_t>(n);
  if (int rc = xtcp_ctl_validate(buf.data(), len); rc < 0) return protocol_error(errtext(-rc));
  if (xtcp_ctl_check_fields(buf.data(), len) < 0) return protocol_error("a field is out of range");
  xtcp_ctl_header h;
  std::memcpy(&h, buf.data(), sizeof(h));
  if (h.seq != seq) return protocol_error("sequence number does not match the request");
  if (h.type == XTCP_CTL_ERROR) {
    close_all(received);
    xtcp_ctl_error e;
    std::memcpy(&e, buf.data(), sizeof(e));
    return fail(e.code, "xtcpd refused: " + std::string(e.text, strnlen(e.text, sizeof(e.text))));
  }
  if (h.type != want_type || len != reply_len) return protocol_error("unexpected reply type");
  if (nfds != fds.size()) return protocol_error("wrong number of descriptors attached");
  std::memcpy(reply, buf.data(), len);
  std::copy(received.begin(), received.end(), fds.begin());
  return 0;
}

}  // namespace xtcp::client
