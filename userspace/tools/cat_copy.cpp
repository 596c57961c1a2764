#include "tools/cat_copy.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace xtcp::tools {

CatCopier::CatCopier(xtcp_ctx* ctx, int sock, int in_fd, int out_fd)
    : ctx_(ctx), sock_(sock), in_fd_(in_fd), out_fd_(out_fd), up_(kBufferSize), down_(kBufferSize) {}

bool CatCopier::fail(const std::string& what, int err, bool xtcp_error) {
  result_.error = what + ": " + (xtcp_error ? xtcp_strerror(err) : std::strerror(err));
  return false;
}

// Queues what the send ring takes now; after EOF on in_fd and the last
// byte queued, shutdown(SHUT_WR): the FIN follows every byte (RFC 9293 3.6).
bool CatCopier::pump_send() {
  while (up_off_ < up_len_) {
    const ssize_t n = xtcp_send(ctx_, sock_, up_.data() + up_off_, up_len_ - up_off_, 0);
    if (n < 0) return errno == EAGAIN ? true : fail("send failed", errno, true);
    up_off_ += static_cast<size_t>(n);
    result_.sent += static_cast<uint64_t>(n);
  }
  up_off_ = up_len_ = 0;
  if (!in_open_ && !shut_sent_) {
    if (xtcp_shutdown(ctx_, sock_, SHUT_WR) < 0) return fail("shutdown failed", errno, true);
    shut_sent_ = true;
  }
  return true;
}

// Takes what arrived while there is room; 0 from xtcp_recv is the peer's FIN.
bool CatCopier::pump_recv() {
  if (down_off_ == down_len_) down_off_ = down_len_ = 0;
  while (peer_open_ && down_len_ < down_.size()) {
    const ssize_t n = xtcp_recv(ctx_, sock_, down_.data() + down_len_, down_.size() - down_len_, 0);
    if (n < 0) return errno == EAGAIN ? true : fail("receive failed", errno, true);
    if (n == 0) peer_open_ = false;
    down_len_ += static_cast<size_t>(n);
  }
  return true;
}

bool CatCopier::read_input() {
  const ssize_t n = read(in_fd_, up_.data() + up_len_, up_.size() - up_len_);
  if (n < 0) return errno == EINTR || errno == EAGAIN ? true : fail("cannot read stdin", errno, false);
  if (n == 0) in_open_ = false;
  up_len_ += static_cast<size_t>(n);
  return true;
}

bool CatCopier::write_output() {
  const ssize_t n = write(out_fd_, down_.data() + down_off_, down_len_ - down_off_);
  if (n < 0) return errno == EINTR || errno == EAGAIN ? true : fail("cannot write stdout", errno, false);
  down_off_ += static_cast<size_t>(n);
  result_.received += static_cast<uint64_t>(n);
  return true;
}

bool CatCopier::wait() {
  pollfd fds[3];
  nfds_t n = 0;
  int in_idx = -1, out_idx = -1;
  if (in_open_ && up_len_ < up_.size()) in_idx = static_cast<int>(n), fds[n++] = {in_fd_, POLLIN, 0};
  if (down_off_ < down_len_) out_idx = static_cast<int>(n), fds[n++] = {out_fd_, POLLOUT, 0};

  short want = 0;
  if (up_off_ < up_len_) want |= XTCP_POLLOUT;
  if (peer_open_ && down_len_ < down_.size()) want |= XTCP_POLLIN;
  bool armed = false;
  int timeout = kMaxSleepMs;
  if (!(shut_sent_ && !peer_open_)) {
    const int r = xtcp_wait_prepare(ctx_, sock_, want);
    if (r < 0) return fail("cannot wait for the connection", errno, true);
    // An error nobody is about to read (no recv pending) ends the copy now.
    if ((r & XTCP_POLLERR) && !(want & XTCP_POLLIN))
      return fail("connection failed", xtcp_socket_error(ctx_, sock_), true);
    // HUP before our own FIN: xtcpd dropped the connection.
    if ((r & XTCP_POLLHUP) && !shut_sent_ && !(want & XTCP_POLLIN))
      return fail("connection lost", EPIPE, true);
    if (r == 0) armed = true, fds[n++] = {xtcp_fd(ctx_, sock_), POLLIN, 0};
    else if (r & (want | XTCP_POLLERR)) timeout = 0;  // ready: just look at the fds
  }
  const int rc = poll(fds, n, timeout);
  if (armed) xtcp_wait_finish(ctx_, sock_);
  if (rc < 0) return errno == EINTR ? true : fail("poll failed", errno, false);
  if (in_idx >= 0 && fds[in_idx].revents != 0 && !read_input()) return false;
  if (out_idx >= 0 && fds[out_idx].revents != 0 && !write_output()) return false;
  return true;
}

CopyResult CatCopier::run() {
  while (pump_send() && pump_recv() && !done() && wait()) {
  }
  return result_;
}

}  // namespace xtcp::tools
