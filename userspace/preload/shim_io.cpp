// Interposed data calls: read, write, readv, writev, recv, send, recvfrom,
// sendto, recvmsg, sendmsg, sendfile and the _FORTIFY_SOURCE variants
// Debian's packages call (__read_chk, __recv_chk, __recvfrom_chk). Each
// copy goes straight between the app's buffer and the ring: no allocation,
// no extra copy. Blocking semantics as for a kernel TCP socket: a read
// waits for the first byte, a blocking write returns when all is queued.
#include <fcntl.h>
#include <signal.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "preload/shim.h"

using namespace xtcp::preload;

namespace {

Sock* conn_of(int fd) { return inside() ? nullptr : shim().fds.get(fd); }

bool xtcp_io(Sock* s) { return s && s->kind != SockKind::kUndecided; }

// Copies stashed bytes out (consuming them unless peek).
size_t from_stash(Sock* s, void* buf, size_t len, bool peek) {
  const size_t n = std::min<size_t>(len, s->stash_len);
  std::memcpy(buf, s->stash + s->stash_off, n);
  if (!peek) {
    s->stash_off += static_cast<uint32_t>(n);
    s->stash_len -= static_cast<uint32_t>(n);
  }
  return n;
}

// One non-blocking attempt under the lock; EAGAIN bumps the generation.
// A peek moves what the ring holds into the stash and copies from there.
ssize_t try_recv(Sock* s, void* buf, size_t len, bool peek) {
  Locked l;
  if (!is_live(s)) return fail_errno(EBADF);
  if (s->stash_len > 0 || len == 0) return static_cast<ssize_t>(from_stash(s, buf, len, peek));
  ssize_t n;
  if (peek) {
    n = stash_fill(s);
    if (n > 0) return static_cast<ssize_t>(from_stash(s, buf, len, true));
  } else {
    n = xtcp_recv(shim().ctx, s->h, buf, len, 0);
  }
  if (n < 0 && errno == EAGAIN) ++s->in_gen;
  return n;
}

ssize_t try_send(Sock* s, const void* buf, size_t len) {
  Locked l;
  if (!is_live(s)) return fail_errno(EBADF);
  const ssize_t n = xtcp_send(shim().ctx, s->h, buf, len, 0);
  if (n < 0 && errno == EAGAIN) ++s->out_gen;
  return n;
}

ssize_t do_recv(int fd, Sock* s, void* buf, size_t len, int flags) {
  if (s->kind != SockKind::kConn) return fail_errno(ENOTCONN);
  const bool nb = s->nonblock || (flags & MSG_DONTWAIT);
  const bool peek = flags & MSG_PEEK;
  const Timeout t(s->rcvtimeo_ms);
  size_t got = 0;
  auto* p = static_cast<char*>(buf);
  for (;;) {
    const ssize_t n = try_recv(s, p + got, len - got, peek);
    if (n > 0) {
      got += static_cast<size_t>(n);
      // MSG_WAITALL with MSG_PEEK: what one look sees (at most the stash).
      if (peek || !(flags & MSG_WAITALL) || got == len) return static_cast<ssize_t>(got);
      continue;
    }
    if (n == 0 || len == 0) return static_cast<ssize_t>(got);
    if (errno != EAGAIN || nb) return got > 0 ? static_cast<ssize_t>(got) : -1;
    if (t.expired()) return got > 0 ? static_cast<ssize_t>(got) : fail_errno(EAGAIN);  // socket(7)
    wait_conn(fd, s, XTCP_POLLIN, t.left());
  }
}

ssize_t do_send(int fd, Sock* s, const void* buf, size_t len, int flags) {
  if (s->kind != SockKind::kConn) return fail_errno(ENOTCONN);
  const bool nb = s->nonblock || (flags & MSG_DONTWAIT);
  const Timeout t(s->sndtimeo_ms);
  size_t done = 0;
  const auto* p = static_cast<const char*>(buf);
  for (;;) {
    const ssize_t n = try_send(s, p + done, len - done);
    if (n > 0) done += static_cast<size_t>(n);
    if (done == len || (n > 0 && nb)) return static_cast<ssize_t>(done);
    if (n < 0 && errno != EAGAIN) {
      if (done > 0) return static_cast<ssize_t>(done);
      // send(2): EPIPE also raises SIGPIPE unless MSG_NOSIGNAL.
      if (errno == EPIPE && !(flags & MSG_NOSIGNAL)) {
        const int e = errno;
        raise(SIGPIPE);
        errno = e;
      }
      return -1;
    }
    if (n < 0 && nb) return done > 0 ? static_cast<ssize_t>(done) : -1;
    if (t.expired()) return done > 0 ? static_cast<ssize_t>(done) : fail_errno(EAGAIN);  // socket(7)
    wait_conn(fd, s, XTCP_POLLOUT, t.left());
  }
}

// Scatter read: the first non-empty iovec may block, the rest take what
// is there already.
ssize_t do_recv_iov(int fd, Sock* s, const iovec* iov, int cnt, int flags) {
  if (cnt < 0 || cnt > IOV_MAX) return fail_errno(EINVAL);
  size_t total = 0;
  for (int i = 0; i < cnt; ++i) {
    if (iov[i].iov_len == 0) continue;
    const ssize_t n = do_recv(fd, s, iov[i].iov_base, iov[i].iov_len, total ? flags | MSG_DONTWAIT : flags);
    if (n < 0) return total > 0 ? static_cast<ssize_t>(total) : -1;
    total += static_cast<size_t>(n);
    if (static_cast<size_t>(n) < iov[i].iov_len) break;
  }
  return static_cast<ssize_t>(total);
}

ssize_t do_send_iov(int fd, Sock* s, const iovec* iov, int cnt, int flags) {
  if (cnt < 0 || cnt > IOV_MAX) return fail_errno(EINVAL);
  size_t total = 0;
  for (int i = 0; i < cnt; ++i) {
    if (iov[i].iov_len == 0) continue;
    const ssize_t n = do_send(fd, s, iov[i].iov_base, iov[i].iov_len, flags);
    if (n < 0) return total > 0 ? static_cast<ssize_t>(total) : -1;
    total += static_cast<size_t>(n);
    if (static_cast<size_t>(n) < iov[i].iov_len) break;
  }
  return static_cast<ssize_t>(total);
}

}  // namespace

namespace xtcp::preload {

ssize_t stash_fill(Sock* s) {
  if (!s->stash) {
    s->stash = static_cast<char*>(std::malloc(Sock::kStashSize));
    if (!s->stash) return fail_errno(ENOMEM);
  }
  if (s->stash_off > 0) {
    std::memmove(s->stash, s->stash + s->stash_off, s->stash_len);
    s->stash_off = 0;
  }
  if (s->stash_len == Sock::kStashSize) return s->stash_len;
  const ssize_t n = xtcp_recv(shim().ctx, s->h, s->stash + s->stash_len, Sock::kStashSize - s->stash_len, 0);
  if (n > 0) s->stash_len += static_cast<uint32_t>(n);
  return n;
}

}  // namespace xtcp::preload

extern "C" {

ssize_t read(int fd, void* buf, size_t len) {
  Sock* s = conn_of(fd);
  return xtcp_io(s) ? do_recv(fd, s, buf, len, 0) : real().read(fd, buf, len);
}

ssize_t __read_chk(int fd, void* buf, size_t len, size_t buflen) {
  if (len > buflen) abort();  // what glibc's __chk_fail ends in
  return read(fd, buf, len);
}

ssize_t write(int fd, const void* buf, size_t len) {
  Sock* s = conn_of(fd);
  return xtcp_io(s) ? do_send(fd, s, buf, len, 0) : real().write(fd, buf, len);
}

ssize_t readv(int fd, const iovec* iov, int cnt) {
  Sock* s = conn_of(fd);
  return xtcp_io(s) ? do_recv_iov(fd, s, iov, cnt, 0) : real().readv(fd, iov, cnt);
}

ssize_t writev(int fd, const iovec* iov, int cnt) {
  Sock* s = conn_of(fd);
  return xtcp_io(s) ? do_send_iov(fd, s, iov, cnt, 0) : real().writev(fd, iov, cnt);
}

ssize_t recv(int fd, void* buf, size_t len, int flags) {
  Sock* s = conn_of(fd);
  return xtcp_io(s) ? do_recv(fd, s, buf, len, flags) : real().recvfrom(fd, buf, len, flags, nullptr, nullptr);
}

ssize_t __recv_chk(int fd, void* buf, size_t len, size_t buflen, int flags) {
  if (len > buflen) abort();
  return recv(fd, buf, len, flags);
}

ssize_t recvfrom(int fd, void* buf, size_t len, int flags, sockaddr* from, socklen_t* fromlen) {
  Sock* s = conn_of(fd);
  if (!xtcp_io(s)) return real().recvfrom(fd, buf, len, flags, from, fromlen);
  if (fromlen) *fromlen = 0;  // a connected stream socket reports no address
  return do_recv(fd, s, buf, len, flags);
}

ssize_t __recvfrom_chk(int fd, void* buf, size_t len, size_t buflen, int flags, sockaddr* from,
                       socklen_t* fromlen) {
  if (len > buflen) abort();
  return recvfrom(fd, buf, len, flags, from, fromlen);
}

ssize_t send(int fd, const void* buf, size_t len, int flags) {
  Sock* s = conn_of(fd);
  return xtcp_io(s) ? do_send(fd, s, buf, len, flags) : real().sendto(fd, buf, len, flags, nullptr, 0);
}

ssize_t sendto(int fd, const void* buf, size_t len, int flags, const sockaddr* to, socklen_t tolen) {
  Sock* s = conn_of(fd);
  // A destination on a connected stream socket is ignored (or EISCONN): Linux ignores it.
  return xtcp_io(s) ? do_send(fd, s, buf, len, flags) : real().sendto(fd, buf, len, flags, to, tolen);
}

ssize_t recvmsg(int fd, msghdr* msg, int flags) {
  Sock* s = conn_of(fd);
  if (!xtcp_io(s)) return real().recvmsg(fd, msg, flags);
  msg->msg_namelen = 0;
  msg->msg_controllen = 0;
  msg->msg_flags = 0;
  return do_recv_iov(fd, s, msg->msg_iov, static_cast<int>(msg->msg_iovlen), flags);
}

ssize_t sendmsg(int fd, const msghdr* msg, int flags) {
  Sock* s = conn_of(fd);
  if (!xtcp_io(s)) return real().sendmsg(fd, msg, flags);
  return do_send_iov(fd, s, msg->msg_iov, static_cast<int>(msg->msg_iovlen), flags);
}

// sendfile to an xtcp socket: file -> a stack buffer -> the ring (the
// kernel's zero-copy path does not exist here).
ssize_t sendfile(int out_fd, int in_fd, off_t* offset, size_t count) {
  Sock* s = conn_of(out_fd);
  if (!xtcp_io(s)) return real().sendfile(out_fd, in_fd, offset, count);
  char buf[16384];
  off_t pos = offset ? *offset : lseek(in_fd, 0, SEEK_CUR);
  if (pos < 0) return -1;
  size_t done = 0;
  while (done < count) {
    const ssize_t r = pread(in_fd, buf, std::min(sizeof buf, count - done), pos);
    if (r <= 0) {
      if (r < 0 && done == 0) return -1;
      break;
    }
    const ssize_t w = do_send(out_fd, s, buf, static_cast<size_t>(r), 0);
    if (w < 0) {
      if (done == 0) return -1;
      break;
    }
    done += static_cast<size_t>(w);
    pos += w;
    if (w < r) break;
  }
  if (offset) *offset = pos;
  else lseek(in_fd, pos, SEEK_SET);
  return static_cast<ssize_t>(done);
}

ssize_t sendfile64(int out_fd, int in_fd, off_t* offset, size_t count) {
  return sendfile(out_fd, in_fd, offset, count);
}

}  // extern "C"
