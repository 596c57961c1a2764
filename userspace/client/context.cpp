// Handle table, deadlines, error reporting: the glue every API call uses.
#include "client/context.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace xtcp::client {
namespace {

thread_local std::string t_last_error;

int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);  // vDSO: no syscall
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

void close_fd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

}  // namespace

Handle::~Handle() {
  if (conn) {
    close_fd(conn->kick_fd);
    close_fd(conn->notify_fd);
  }
  if (listener) close_fd(listener->ready_fd);
  close_fd(wait_fd);
}

Deadline::Deadline(int timeout_ms) {
  forever_ = timeout_ms < 0;
  if (!forever_) end_ns_ = now_ns() + int64_t{timeout_ms} * 1'000'000;
}

int Deadline::remaining_ms() const {
  if (forever_) return -1;
  const int64_t left = end_ns_ - now_ns();
  if (left <= 0) return 0;
  return static_cast<int>((left + 999'999) / 1'000'000);  // round up: never spin
}

int fail(int err, const std::string& detail) {
  t_last_error = detail;
  errno = err;
  return -1;
}

int fail_link(const ControlLink& link, int rc) { return fail(-rc, link.detail()); }

int bad_handle(int sock, const char* what) {
  return fail(EBADF, "socket handle " + std::to_string(sock) + " is not " + what +
                         " of this context");
}

void kick_if_needed(ConnHandle& c) {
  if (!c.channel.needs_kick()) return;
  const uint64_t one = 1;
  // Non-blocking fd: an overflowing counter means the daemon is already due.
  [[maybe_unused]] ssize_t n = write(c.kick_fd, &one, sizeof(one));
}

int fail_lost(const char* call) {
  return fail(ECONNRESET, std::string(call) +
                              ": xtcpd closed the session (it exited or was killed), so this "
                              "connection is lost; open a new context once xtcpd runs again");
}

bool drain_eventfd(int fd) {
  uint64_t v;
  return read(fd, &v, sizeof(v)) == static_cast<ssize_t>(sizeof(v));
}

bool wait_readable(xtcp_ctx* ctx, int fd, const Deadline& d) {
  pollfd p[2] = {{fd, POLLIN, 0}, ctx->link.hangup_pollfd()};
  if (poll(p, 2, d.remaining_ms()) <= 0) return false;
  return !ctx->link.note_hangup(p[1]) && (p[0].revents & POLLIN);
}

const char* last_error() { return t_last_error.c_str(); }

}  // namespace xtcp::client

int xtcp_ctx::add(std::unique_ptr<xtcp::client::Handle> h) {
  for (size_t i = 0; i < handles.size(); ++i) {
    if (!handles[i]) {
      handles[i] = std::move(h);
      return static_cast<int>(i);
    }
  }
  if (handles.size() >= kMaxHandles) return -1;
  handles.push_back(std::move(h));
  return static_cast<int>(handles.size() - 1);
}

xtcp::client::Handle* xtcp_ctx::handle(int sock) {
  if (sock < 0 || static_cast<size_t>(sock) >= handles.size()) return nullptr;
  return handles[sock].get();
}

xtcp::client::ConnHandle* xtcp_ctx::conn(int sock) {
  xtcp::client::Handle* h = handle(sock);
  return h && h->conn ? &*h->conn : nullptr;
}

xtcp::client::ListenerHandle* xtcp_ctx::listener(int sock) {
  xtcp::client::Handle* h = handle(sock);
  return h && h->listener ? &*h->listener : nullptr;
}

void xtcp_ctx::remove(int sock) {
  if (sock >= 0 && static_cast<size_t>(sock) < handles.size()) handles[sock].reset();
}
