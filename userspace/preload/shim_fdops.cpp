// Interposed descriptor and option calls: dup, dup2, dup3, fcntl, ioctl,
// getsockopt, setsockopt. For an xtcp descriptor O_NONBLOCK lives in the
// Sock (shared by dups like a file description's flags); FD_CLOEXEC stays
// the kernel's (it is per descriptor).
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <linux/tcp.h>  // struct tcp_info with the byte counters
#include <sys/ioctl.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdarg>
#include <cstring>

#include "preload/shim.h"
#include "preload/shim_convert.h"

using namespace xtcp::preload;

namespace {

// `newfd` is about to be replaced: drop what the shim knew about it.
void forget_target(int newfd) {
  if (shim().fds.get(newfd)) {
    epoll_forget_fd(newfd);
    if (Sock* last = shim().fds.release(newfd)) {
      close_handles(last);
      delete last;
    }
  }
  epoll_forget_set(newfd);
}

int dup_into(int oldfd, int newfd, int flags, bool dup2_style) {
  if (inside()) return dup2_style ? real().dup2(oldfd, newfd) : real().dup3(oldfd, newfd, flags);
  if (oldfd == newfd) return dup2_style ? real().dup2(oldfd, newfd) : real().dup3(oldfd, newfd, flags);
  Locked l;
  forget_target(newfd);
  const int r = dup2_style ? real().dup2(oldfd, newfd) : real().dup3(oldfd, newfd, flags);
  if (r >= 0 && shim().fds.get(oldfd)) shim().fds.share(oldfd, r);
  return r;
}

int put_int(void* val, socklen_t* len, int v) {
  if (!val || !len) return fail_errno(EFAULT);
  const socklen_t n = *len < sizeof(int) ? *len : sizeof(int);
  std::memcpy(val, &v, n);
  *len = n;
  return 0;
}

int get_int(const void* val, socklen_t len, int* out) {
  if (!val || len < sizeof(int)) return fail_errno(EINVAL);
  std::memcpy(out, val, sizeof(int));
  return 0;
}

// TCP_INFO from XTCP_INFO: the fields a user reads (state, rtt, cwnd,
// retransmits, mss, bytes); the rest stays zero.
int tcp_info_of(Sock* s, void* val, socklen_t* len) {
  xtcp_info xi{};
  size_t n = sizeof xi;
  if (xtcp_getopt(shim().ctx, s->h, XTCP_INFO, &xi, &n) < 0) return -1;
  tcp_info ti{};
  // Linux TCP_ESTABLISHED..: RFC 9293 numbering differs; map the common ones.
  static const uint8_t kLinuxState[] = {7, 10, 2, 3, 1, 4, 5, 8, 11, 9, 6};
  ti.tcpi_state = xi.state < sizeof kLinuxState ? kLinuxState[xi.state] : 7;
  ti.tcpi_rto = xi.rto_ms * 1000;
  ti.tcpi_snd_mss = xi.mss;
  ti.tcpi_rcv_mss = xi.mss;
  ti.tcpi_rtt = xi.rtt_us;
  ti.tcpi_rttvar = xi.rttvar_us;
  ti.tcpi_snd_cwnd = xi.cwnd;
  ti.tcpi_snd_ssthresh = xi.ssthresh;
  ti.tcpi_retransmits = static_cast<uint8_t>(xi.retransmits);
  ti.tcpi_total_retrans = static_cast<uint32_t>(xi.total_retrans);
  ti.tcpi_bytes_acked = xi.bytes_acked;
  ti.tcpi_bytes_received = xi.bytes_received;
  ti.tcpi_bytes_sent = xi.bytes_sent;
  const socklen_t out = *len < sizeof ti ? *len : sizeof ti;
  std::memcpy(val, &ti, out);
  *len = out;
  return 0;
}

int xtcp_int_opt(Sock* s, int opt, void* val, socklen_t* len) {
  int v = 0;
  size_t n = sizeof v;
  if (s->kind != SockKind::kConn) return fail_errno(ENOPROTOOPT);
  if (xtcp_getopt(shim().ctx, s->h, opt, &v, &n) < 0) return -1;
  return put_int(val, len, v);
}

int getsockopt_xtcp(Sock* s, int level, int name, void* val, socklen_t* len) {
  if (!val || !len) return fail_errno(EFAULT);
  const bool conn = s->kind == SockKind::kConn;
  if (level == SOL_SOCKET) {
    switch (name) {
      case SO_ERROR: return put_int(val, len, conn ? xtcp_socket_error(shim().ctx, s->h) : 0);
      case SO_TYPE: return put_int(val, len, SOCK_STREAM);
      case SO_DOMAIN: return put_int(val, len, s->domain);
      case SO_PROTOCOL: return put_int(val, len, IPPROTO_TCP);
      case SO_ACCEPTCONN: return put_int(val, len, !conn);
      case SO_KEEPALIVE: return put_int(val, len, s->keepalive > 0);
      case SO_RCVTIMEO:
      case SO_SNDTIMEO: {
        const int ms = name == SO_RCVTIMEO ? s->rcvtimeo_ms : s->sndtimeo_ms;
        timeval tv{};
        if (ms > 0) tv = {ms / 1000, (ms % 1000) * 1000};
        const socklen_t n = *len < sizeof tv ? *len : sizeof tv;
        std::memcpy(val, &tv, n);
        *len = n;
        return 0;
      }
      case SO_REUSEADDR: return put_int(val, len, s->reuse_addr);
      case SO_REUSEPORT: return put_int(val, len, 1);
      // A listener has no rings: what was asked, else tcp(7)'s defaults.
      case SO_RCVBUF: return conn ? xtcp_int_opt(s, XTCP_RCVBUF, val, len) : put_int(val, len, s->rcvbuf > 0 ? s->rcvbuf : 131072);
      case SO_SNDBUF: return conn ? xtcp_int_opt(s, XTCP_SNDBUF, val, len) : put_int(val, len, s->sndbuf > 0 ? s->sndbuf : 16384);
      default: return fail_errno(ENOPROTOOPT);
    }
  }
  if (level == IPPROTO_TCP) {
    switch (name) {
      case TCP_NODELAY: return xtcp_int_opt(s, XTCP_NODELAY, val, len);
      case TCP_INFO: return conn ? tcp_info_of(s, val, len) : fail_errno(ENOTCONN);
      case TCP_MAXSEG: {
        xtcp_info xi{};
        size_t n = sizeof xi;
        if (!conn) return put_int(val, len, 536);  // RFC 9293 3.7.1 default before a handshake
        if (xtcp_getopt(shim().ctx, s->h, XTCP_INFO, &xi, &n) < 0) return -1;
        return put_int(val, len, static_cast<int>(xi.mss));
      }
      case TCP_CONGESTION: {
        char cc[16] = {};
        size_t n = sizeof cc;
        if (!conn) std::strcpy(cc, s->congestion[0] != '\0' ? s->congestion : "cubic");
        else if (xtcp_getopt(shim().ctx, s->h, XTCP_CONGESTION, cc, &n) < 0) return -1;
        // Linux names its NewReno "reno" (and refuses "newreno"): an app
        // reads back the name it would see on the kernel.
        if (std::strcmp(cc, "newreno") == 0) std::strcpy(cc, "reno");
        const socklen_t out = *len < sizeof cc ? *len : sizeof cc;
        std::memcpy(val, cc, out);
        *len = out;
        return 0;
      }
      case TCP_USER_TIMEOUT:
        return conn ? xtcp_int_opt(s, XTCP_USER_TIMEOUT, val, len)
                    : put_int(val, len, s->user_timeout_ms > 0 ? s->user_timeout_ms : 0);
      case TCP_KEEPIDLE: return put_int(val, len, s->keep_idle > 0 ? s->keep_idle : 7200);
      case TCP_KEEPINTVL: return put_int(val, len, s->keep_intvl > 0 ? s->keep_intvl : 75);
      case TCP_KEEPCNT: return put_int(val, len, s->keep_cnt > 0 ? s->keep_cnt : 9);
      default: return fail_errno(ENOPROTOOPT);
    }
  }
  if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY && s->domain == AF_INET6)
    return put_int(val, len, s->v6only);
  return fail_errno(ENOPROTOOPT);
}

// Remembers what a later conversion must apply (undecided) or applies it.
int setsockopt_common(Sock* s, int level, int name, const void* val, socklen_t len, bool live) {
  int v = 0;
  const bool conn = live && s->kind == SockKind::kConn;
  xtcp_ctx* ctx = shim().ctx;
  if (level == SOL_SOCKET) {
    switch (name) {
      case SO_KEEPALIVE:
        if (get_int(val, len, &v) < 0) return -1;
        s->keepalive = v != 0;
        if (conn) apply_keepalive(ctx, s);
        return 0;
      case SO_RCVBUF:
      case SO_SNDBUF:
        if (get_int(val, len, &v) < 0) return -1;
        (name == SO_RCVBUF ? s->rcvbuf : s->sndbuf) = v;
        if (conn) xtcp_setopt(ctx, s->h, name == SO_RCVBUF ? XTCP_RCVBUF : XTCP_SNDBUF, &v, sizeof v);
        return 0;  // clamped to the ring, as the kernel clamps to rmem_max
      case SO_RCVTIMEO:
      case SO_SNDTIMEO: {
        if (!val || len < sizeof(timeval)) return fail_errno(EINVAL);
        timeval tv;
        std::memcpy(&tv, val, sizeof tv);
        if (tv.tv_usec < 0 || tv.tv_usec >= 1000000 || tv.tv_sec < 0) return fail_errno(EDOM);
        const int64_t ms = tv.tv_sec * 1000LL + (tv.tv_usec + 999) / 1000;
        const int v_ms = ms == 0 ? -1 : (ms > INT32_MAX ? INT32_MAX : static_cast<int>(ms));  // 0: forever
        (name == SO_RCVTIMEO ? s->rcvtimeo_ms : s->sndtimeo_ms) = v_ms;
        return 0;
      }
      case SO_REUSEADDR:
        if (get_int(val, len, &v) < 0) return -1;
        s->reuse_addr = v != 0;
        return 0;  // takes effect at listen()
      case SO_REUSEPORT:
      case SO_LINGER:
      case SO_PRIORITY:
        return 0;  // no xtcp equivalent; accepted (docs/preload.md)
      default: return live ? fail_errno(ENOPROTOOPT) : 0;
    }
  }
  if (level == IPPROTO_TCP) {
    switch (name) {
      case TCP_NODELAY:
        if (get_int(val, len, &v) < 0) return -1;
        s->nodelay = v != 0;
        return conn ? xtcp_setopt(ctx, s->h, XTCP_NODELAY, &s->nodelay, sizeof(int)) : 0;
      case TCP_KEEPIDLE:
      case TCP_KEEPINTVL:
      case TCP_KEEPCNT:
        if (get_int(val, len, &v) < 0) return -1;
        if (v < 1) return fail_errno(EINVAL);
        (name == TCP_KEEPIDLE ? s->keep_idle : name == TCP_KEEPINTVL ? s->keep_intvl : s->keep_cnt) = v;
        if (conn && s->keepalive > 0) apply_keepalive(ctx, s);
        return 0;
      case TCP_CONGESTION: {
        if (!val) return fail_errno(EFAULT);
        char cc[16] = {};
        std::memcpy(cc, val, len < sizeof cc - 1 ? len : sizeof cc - 1);
        if (conn && xtcp_setopt(ctx, s->h, XTCP_CONGESTION, cc, sizeof cc) < 0) return -1;
        std::memcpy(s->congestion, cc, sizeof cc);  // a listener passes it on (accept)
        return 0;
      }
      case TCP_USER_TIMEOUT:  // tcp(7): unsigned int ms, negative is EINVAL
        if (get_int(val, len, &v) < 0) return -1;
        if (v < 0) return fail_errno(EINVAL);
        if (conn && xtcp_setopt(ctx, s->h, XTCP_USER_TIMEOUT, &v, sizeof v) < 0) return -1;
        s->user_timeout_ms = v;
        return 0;
      case TCP_MAXSEG:
      case TCP_QUICKACK:
      case TCP_DEFER_ACCEPT:
        return 0;  // accepted, not applied (docs/preload.md)
      default: return live ? fail_errno(ENOPROTOOPT) : 0;
    }
  }
  if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY) {
    if (get_int(val, len, &v) < 0) return -1;
    s->v6only = v != 0;
    return 0;
  }
  return live ? fail_errno(ENOPROTOOPT) : 0;
}

}  // namespace

extern "C" {

int dup(int fd) {
  if (inside()) return real().dup(fd);
  Locked l;
  const int r = real().dup(fd);
  if (r >= 0 && shim().fds.get(fd)) shim().fds.share(fd, r);
  return r;
}

int dup2(int oldfd, int newfd) { return dup_into(oldfd, newfd, 0, true); }
int dup3(int oldfd, int newfd, int flags) { return dup_into(oldfd, newfd, flags, false); }

int fcntl(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  const long arg = va_arg(ap, long);  // int or pointer: one register either way (x86-64/arm64 ABI)
  va_end(ap);
  Sock* s = inside() ? nullptr : shim().fds.get(fd);
  if (!s) return real().fcntl(fd, cmd, arg);
  if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) {
    Locked l;
    const int r = real().fcntl(fd, cmd, arg);
    if (r >= 0) shim().fds.share(fd, r);
    return r;
  }
  if (s->kind == SockKind::kUndecided) return real().fcntl(fd, cmd, arg);
  if (cmd == F_GETFL) return O_RDWR | (s->nonblock ? O_NONBLOCK : 0);
  if (cmd == F_SETFL) {
    s->nonblock = (arg & O_NONBLOCK) != 0;
    return 0;
  }
  return real().fcntl(fd, cmd, arg);
}

int fcntl64(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  const long arg = va_arg(ap, long);
  va_end(ap);
  return fcntl(fd, cmd, arg);
}

int ioctl(int fd, unsigned long req, ...) {
  va_list ap;
  va_start(ap, req);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  Sock* s = inside() ? nullptr : shim().fds.get(fd);
  if (!s || s->kind == SockKind::kUndecided) return real().ioctl(fd, req, arg);
  if (req == FIONBIO) {
    if (!arg) return fail_errno(EFAULT);
    s->nonblock = *static_cast<int*>(arg) != 0;
    return 0;
  }
  if (req == FIONREAD) {
    // libxtcp has no "bytes queued" query: the ring's bytes move to the
    // stash (reads take them from there) and its fill is the answer, so
    // it is exact up to the stash's 64 KiB.
    if (!arg) return fail_errno(EFAULT);
    if (s->kind != SockKind::kConn) return fail_errno(EINVAL);
    Locked l;
    if (!is_live(s)) return fail_errno(EBADF);
    const int saved = errno;
    stash_fill(s);  // EOF or an error shows on the next read, as with the kernel
    errno = saved;
    *static_cast<int*>(arg) = static_cast<int>(s->stash_len);
    return 0;
  }
  return fail_errno(ENOTTY);
}

int getsockopt(int fd, int level, int name, void* val, socklen_t* len) {
  Sock* s = inside() ? nullptr : shim().fds.get(fd);
  if (!s || s->kind == SockKind::kUndecided) return real().getsockopt(fd, level, name, val, len);
  Locked l;
  if (!is_live(s)) return fail_errno(EBADF);
  return getsockopt_xtcp(s, level, name, val, len);
}

int setsockopt(int fd, int level, int name, const void* val, socklen_t len) {
  Sock* s = inside() ? nullptr : shim().fds.get(fd);
  if (!s) return real().setsockopt(fd, level, name, val, len);
  Locked l;
  if (s->kind == SockKind::kUndecided) {
    // The kernel socket takes it too: it may stay a kernel socket.
    if (real().setsockopt(fd, level, name, val, len) < 0) return -1;
    return setsockopt_common(s, level, name, val, len, false);
  }
  if (!is_live(s)) return fail_errno(EBADF);
  return setsockopt_common(s, level, name, val, len, true);
}

}  // extern "C"
