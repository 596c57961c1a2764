// xtcp-perf's stack abstraction: the same benchmark code runs on kernel TCP
// (non-blocking sockets + epoll) and on xtcp (libxtcp, timeouts 0, sleeping
// on xtcp_fd() armed by xtcp_wait_prepare). Handles are small ints; every
// call returns -errno on failure and never blocks except wait().
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace xtcp::perf {

// Readiness bits (the same values as XTCP_POLL*).
inline constexpr short kReadable = 0x1;
inline constexpr short kWritable = 0x4;
inline constexpr short kError = 0x8;
inline constexpr short kHangup = 0x10;

struct Event {
  int handle;
  short revents;
};

class Stack {
 public:
  virtual ~Stack() = default;
  virtual const char* name() const = 0;

  virtual int listen(const sockaddr_storage& addr, int backlog) = 0;
  virtual int accept(int listener) = 0;  // -EAGAIN: none pending
  // Starts an active open; kWritable (or kError) reports its end.
  virtual int connect(const sockaddr_storage& addr) = 0;
  virtual int socket_error(int h) = 0;  // positive errno or 0 (SO_ERROR)
  virtual ssize_t send(int h, const void* buf, size_t len) = 0;  // -EAGAIN
  virtual ssize_t recv(int h, void* buf, size_t len) = 0;        // 0: peer FIN
  virtual void close(int h) = 0;
  virtual int set_nodelay(int h) = 0;
  virtual int64_t retransmits(int h) = 0;  // total segments retransmitted, -1 unknown

  // Interest in kReadable / kWritable (0: none; errors are always reported).
  virtual void watch(int h, short events) = 0;
  // Ready handles with their bits; 0 after timeout_ms (-1: no limit).
  virtual int wait(std::span<Event> out, int timeout_ms) = 0;
};

std::unique_ptr<Stack> make_kernel_stack();
// socket_path nullptr: $XTCP_SOCKET or the default. nullptr + why on failure.
std::unique_ptr<Stack> make_xtcp_stack(const char* socket_path, std::string& why);

// "1.2.3.4" / "::1" + port; false if it is not a numeric address.
bool make_address(std::string_view host, uint16_t port, sockaddr_storage& out);
std::string address_string(const sockaddr_storage& addr);

}  // namespace xtcp::perf
