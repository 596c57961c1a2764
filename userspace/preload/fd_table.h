// The shim's picture of the app's descriptors: fd -> Sock for every TCP
// socket (AF_INET/AF_INET6, SOCK_STREAM) the app created, from socket()
// until its last descriptor is closed. A Sock starts undecided (the fd is a
// real kernel socket); at bind/listen/connect it either leaves the table
// (a kernel socket for good) or becomes xtcp: the fd number then holds a
// placeholder descriptor (the connection's notify eventfd, or an epoll fd
// over a listener's ready eventfds), so the app's fd tables, poll sets and
// dup keep working with a real kernel descriptor number.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>

namespace xtcp::preload {

enum class SockKind : uint8_t { kUndecided, kListener, kConn };

struct Sock {
  Sock() = default;
  Sock(const Sock&) = delete;
  Sock& operator=(const Sock&) = delete;
  ~Sock() { std::free(stash); }

  int domain = AF_INET;  // as the app created it (addresses go back in it)
  SockKind kind = SockKind::kUndecided;
  int h = -1;             // xtcp handle
  int h2 = -1;            // the IPv4 half of a dual-stack (::) listener
  int refs = 1;           // descriptors sharing it (dup), like a file description
  pid_t owner = 0;        // the process whose libxtcp context holds h
  bool nonblock = false;  // O_NONBLOCK of the (emulated) file description
  bool v6only = false;    // IPV6_V6ONLY (Linux default bindv6only=0)
  bool reuse_addr = false;  // SO_REUSEADDR: listen over TIME-WAIT (socket(7))
  bool bound = false;     // bind() to an xtcp address, not done in the kernel
  bool accept_turn = false;  // dual listener: which half to try first
  sockaddr_storage bound_addr{};
  // Options the app set while undecided, applied once it is xtcp (-1: unset).
  int nodelay = -1;
  int keepalive = -1;
  int keep_idle = -1;
  int keep_intvl = -1;
  int keep_cnt = -1;
  int rcvbuf = -1;
  int sndbuf = -1;
  char congestion[16] = {};  // TCP_CONGESTION ("" unset)
  int user_timeout_ms = -1;  // TCP_USER_TIMEOUT
  // SO_RCVTIMEO / SO_SNDTIMEO in ms (-1: wait forever, the default).
  int rcvtimeo_ms = -1;
  int sndtimeo_ms = -1;
  // Bumped when a read / write ends in EAGAIN (and in_gen on every accept
  // of a listener): epoll then looks again, and edge-triggered epoll
  // reports the next readiness of that direction as a new edge.
  uint32_t in_gen = 0;
  uint32_t out_gen = 0;
  // Bytes taken off the receive ring but not yet read by the app
  // (MSG_PEEK, FIONREAD): reads consume them first. Allocated on the first
  // peek of the socket (kStashSize), never per call.
  static constexpr uint32_t kStashSize = 65536;
  char* stash = nullptr;
  uint32_t stash_off = 0;
  uint32_t stash_len = 0;
};

class FdTable {
 public:
  static constexpr int kMaxFd = 1 << 16;

  // nullptr: not a TCP socket the shim tracks (a kernel descriptor).
  Sock* get(int fd) const {
    if (fd < 0 || fd >= kMaxFd) return nullptr;
    return slots_[fd].load(std::memory_order_acquire);
  }
  // False when fd is beyond kMaxFd (the socket then stays a kernel one).
  bool put(int fd, Sock* s);
  // Forgets fd. Returns its Sock when fd was the last descriptor of it (the
  // caller closes the xtcp handles and deletes it), else nullptr.
  Sock* release(int fd);
  // dup: `to` shares `from`'s Sock. The caller released `to` before.
  bool share(int from, int to);

 private:
  std::atomic<Sock*> slots_[kMaxFd] = {};
};

}  // namespace xtcp::preload
