// xtcp.hpp: RAII C++ wrapper over libxtcp's C API (xtcp.h). Owners are
// non-copyable and movable; a failed call leaves an empty object (test it
// with explicit operator bool) and errno / xtcp_last_error() say why. No
// exceptions: results are the C API's (bytes, or -1 with errno).
#pragma once

#include <cstddef>
#include <span>
#include <utility>

#include "xtcp/xtcp.h"

namespace xtcp {

// A connection (-1 handle: empty).
class Socket {
 public:
  Socket() = default;
  Socket(xtcp_ctx* ctx, int handle) : ctx_(ctx), h_(handle) {}
  Socket(Socket&& o) noexcept : ctx_(o.ctx_), h_(std::exchange(o.h_, -1)) {}
  Socket& operator=(Socket&& o) noexcept {
    if (this != &o) {
      close();
      ctx_ = o.ctx_;
      h_ = std::exchange(o.h_, -1);
    }
    return *this;
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() { close(); }

  explicit operator bool() const { return h_ >= 0; }
  int handle() const { return h_; }
  int notify_fd() const { return xtcp_fd(ctx_, h_); }

  ssize_t send(std::span<const std::byte> data, int timeout_ms = -1) {
    return xtcp_send(ctx_, h_, data.data(), data.size(), timeout_ms);
  }
  ssize_t recv(std::span<std::byte> out, int timeout_ms = -1) {
    return xtcp_recv(ctx_, h_, out.data(), out.size(), timeout_ms);
  }
  int shutdown(int how) { return xtcp_shutdown(ctx_, h_, how); }
  int setopt(int option, const void* val, size_t len) { return xtcp_setopt(ctx_, h_, option, val, len); }
  int getopt(int option, void* val, size_t* len) { return xtcp_getopt(ctx_, h_, option, val, len); }
  int error() const { return xtcp_socket_error(ctx_, h_); }
  // Closes now; returns the C API's result (0 when already empty).
  int close() { return h_ >= 0 ? xtcp_close(ctx_, std::exchange(h_, -1)) : 0; }

 private:
  xtcp_ctx* ctx_ = nullptr;
  int h_ = -1;
};

class Listener {
 public:
  Listener() = default;
  Listener(xtcp_ctx* ctx, int handle) : ctx_(ctx), h_(handle) {}
  Listener(Listener&& o) noexcept : ctx_(o.ctx_), h_(std::exchange(o.h_, -1)) {}
  Listener& operator=(Listener&& o) noexcept {
    if (this != &o) {
      close();
      ctx_ = o.ctx_;
      h_ = std::exchange(o.h_, -1);
    }
    return *this;
  }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  ~Listener() { close(); }

  explicit operator bool() const { return h_ >= 0; }
  int handle() const { return h_; }
  int ready_fd() const { return xtcp_fd(ctx_, h_); }
  // Empty Socket on failure (errno: EAGAIN, ETIMEDOUT, ...).
  Socket accept(int timeout_ms = -1, sockaddr_storage* peer = nullptr) {
    const int s = xtcp_accept(ctx_, h_, peer, timeout_ms);
    return s >= 0 ? Socket(ctx_, s) : Socket();
  }
  int close() { return h_ >= 0 ? xtcp_close(ctx_, std::exchange(h_, -1)) : 0; }

 private:
  xtcp_ctx* ctx_ = nullptr;
  int h_ = -1;
};

// One control session. Must outlive its Listeners and Sockets.
class Context {
 public:
  // nullptr: $XTCP_SOCKET or the default path. Empty on failure.
  static Context open(const char* socket_path = nullptr) { return Context(xtcp_open(socket_path)); }

  Context() = default;
  Context(Context&& o) noexcept : ctx_(std::exchange(o.ctx_, nullptr)) {}
  Context& operator=(Context&& o) noexcept {
    if (this != &o) {
      xtcp_close_ctx(ctx_);
      ctx_ = std::exchange(o.ctx_, nullptr);
    }
    return *this;
  }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  ~Context() { xtcp_close_ctx(ctx_); }

  explicit operator bool() const { return ctx_ != nullptr; }
  xtcp_ctx* get() const { return ctx_; }

  Listener listen(const sockaddr* addr, socklen_t len, int backlog = 128) {
    const int h = xtcp_listen(ctx_, addr, len, backlog);
    return h >= 0 ? Listener(ctx_, h) : Listener();
  }
  Socket connect(const sockaddr* remote, socklen_t len, int timeout_ms = -1,
                 const sockaddr* local = nullptr, socklen_t local_len = 0) {
    const int h = xtcp_connect(ctx_, remote, len, local, local_len, timeout_ms);
    return h >= 0 ? Socket(ctx_, h) : Socket();
  }
  int poll(std::span<xtcp_pollitem> items, int timeout_ms) {
    return xtcp_poll(ctx_, items.data(), items.size(), timeout_ms);
  }

 private:
  explicit Context(xtcp_ctx* c) : ctx_(c) {}
  xtcp_ctx* ctx_ = nullptr;
};

}  // namespace xtcp
