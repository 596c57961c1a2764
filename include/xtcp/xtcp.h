/* SPDX-License-Identifier: MIT */
/*
 * xtcp.h: libxtcp, the application API of the xtcp stack (link -lxtcp).
 *
 * A context (xtcp_ctx) is one session with xtcpd over its control socket.
 * Sockets are small non-negative int handles valid inside their context.
 * Data moves through per-connection shared-memory rings: while the daemon
 * is awake, xtcp_send / xtcp_recv cost a copy and no syscall.
 *
 * Errors: every function that returns int returns -1 and sets errno on
 * failure (ssize_t functions likewise). xtcp_strerror(errno) gives a
 * sentence; xtcp_last_error() gives the detailed sentence of this thread's
 * last failure (e.g. which socket path could not be reached).
 *
 * When xtcpd exits or is killed, the context's session hangs up and every
 * socket of the context fails: xtcp_recv returns the bytes already received,
 * then ECONNRESET; xtcp_send, xtcp_accept, a waiting xtcp_connect and
 * xtcp_socket_error give ECONNRESET; xtcp_poll / xtcp_wait_prepare report
 * XTCP_POLLERR | XTCP_POLLHUP; xtcp_close returns 0 (released locally); new
 * requests (listen, connect, shutdown, options) fail with ENOTCONN. Open a
 * new context once xtcpd runs again.
 *
 * Timeouts (timeout_ms): -1 waits forever, 0 never waits (EAGAIN when the
 * call would block), > 0 waits at most that long (ETIMEDOUT).
 *
 * Threads: a context and its sockets are used by one thread at a time
 * (take one context per thread, or lock around calls).
 */
#ifndef XTCP_XTCP_H
#define XTCP_XTCP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct xtcp_ctx xtcp_ctx;

/* Connects to xtcpd at socket_path, or at $XTCP_SOCKET / /run/xtcp/xtcpd.sock
 * when NULL. NULL + errno (ENOENT, ECONNREFUSED, EACCES, ...) on failure. */
xtcp_ctx *xtcp_open(const char *socket_path);
/* Closes every socket of the context, then the session. NULL is a no-op. */
void xtcp_close_ctx(xtcp_ctx *ctx);

/* Listens on addr (port 1..65535; any address: INADDR_ANY / in6addr_any).
 * Returns a listener handle. EADDRINUSE, EACCES (port < 1024 without
 * CAP_NET_BIND_SERVICE), EMFILE (per-app limit), EINVAL. */
int xtcp_listen(xtcp_ctx *ctx, const struct sockaddr *addr, socklen_t addrlen, int backlog);
/* xtcp_listen with flags: XTCP_LISTEN_REUSEADDR is SO_REUSEADDR (the port
 * may be bound while only TIME-WAIT connections of an earlier server, kernel
 * or xtcp, remain on it; without it such a port gives EADDRINUSE, as on
 * Linux). Unknown flags: EINVAL. */
#define XTCP_LISTEN_REUSEADDR 0x1u
int xtcp_listen_flags(xtcp_ctx *ctx, const struct sockaddr *addr, socklen_t addrlen, int backlog,
                      unsigned flags);

/* Listeners shared between processes (a server that forks workers after it
 * listens). A listener's ticket names it and holds a random secret: whoever
 * has the ticket may join the listener, as whoever has a descriptor holds a
 * kernel socket. xtcp_listener_ticket only reads ctx's memory, so a forked
 * child may call it on the context it inherited (and must not otherwise
 * use: the session is the parent's). EBADF: not a listener. */
struct xtcp_share_ticket {
  uint32_t id;
  uint8_t key[16];
  struct sockaddr_storage local; /* the listener's address */
};
int xtcp_listener_ticket(xtcp_ctx *ctx, int listener, struct xtcp_share_ticket *out);
/* Joins the listener of a ticket in this context; returns a listener handle.
 * Each connection goes to exactly one holder, whichever accepts first; the
 * listener lives until its last holder closes it (or its process ends).
 * EBADF: no listener has that ticket; EMFILE: per-app listener limit. */
int xtcp_listen_share(xtcp_ctx *ctx, const struct xtcp_share_ticket *ticket);
/* In a forked child: frees the copy of a context inherited from the parent
 * and closes the descriptors it holds, telling xtcpd nothing (the session
 * and its sockets stay the parent's). Only the parent's own
 * descriptor copies go; NULL is a no-op. */
void xtcp_forget_inherited(xtcp_ctx *ctx);

/* Takes one established connection. peer (may be NULL) receives its
 * address. EAGAIN (timeout 0, none pending), ETIMEDOUT, EBADF. */
int xtcp_accept(xtcp_ctx *ctx, int listener, struct sockaddr_storage *peer, int timeout_ms);

/* Active open to remote, from local when not NULL. timeout_ms 0 returns
 * the handle at once while the handshake runs: xtcp_poll reports
 * XTCP_POLLOUT when it completed, XTCP_POLLERR when it failed (the error
 * then comes from xtcp_send / xtcp_recv / xtcp_socket_error). Otherwise it
 * waits: ECONNREFUSED, ETIMEDOUT (the attempt is abandoned), ENETUNREACH. */
int xtcp_connect(xtcp_ctx *ctx, const struct sockaddr *remote, socklen_t remote_len,
                 const struct sockaddr *local, socklen_t local_len, int timeout_ms);

/* Queues up to len bytes. Waiting: returns when all are queued, or with the
 * count queued when the timeout expires after some were (ETIMEDOUT if
 * none). timeout 0: what fits now, EAGAIN if the ring is full. EPIPE after
 * shutdown(SHUT_WR); the connection's error (ECONNRESET, ...) after one. */
ssize_t xtcp_send(xtcp_ctx *ctx, int sock, const void *buf, size_t len, int timeout_ms);
/* Returns 1..len bytes, 0 at the peer's FIN (after all data). EAGAIN
 * (timeout 0), ETIMEDOUT, or the connection's error. */
ssize_t xtcp_recv(xtcp_ctx *ctx, int sock, void *buf, size_t len, int timeout_ms);

/* how: SHUT_RD, SHUT_WR (FIN after every queued byte) or SHUT_RDWR. */
int xtcp_shutdown(xtcp_ctx *ctx, int sock, int how);
/* Closes a connection (FIN after queued data) or a listener. */
int xtcp_close(xtcp_ctx *ctx, int sock);

/* Options (values as documented per option). */
enum xtcp_option {
  XTCP_NODELAY = 1,    /* int 0/1 */
  XTCP_KEEPALIVE = 2,  /* struct xtcp_keepalive */
  XTCP_RCVBUF = 3,     /* int bytes (clamped to the ring; getopt: effective) */
  XTCP_SNDBUF = 4,     /* int bytes */
  XTCP_CONGESTION = 5, /* char[16] "cubic" or "newreno" */
  XTCP_INFO = 6,       /* struct xtcp_info, getopt only */
  XTCP_USER_TIMEOUT = 7 /* int ms >= 0: abort (ETIMEDOUT) when sent data stays
                           unacknowledged that long; 0 = the retry limits
                           (as Linux TCP_USER_TIMEOUT) */
};

struct xtcp_keepalive {
  uint32_t enable;     /* 0/1 */
  uint32_t idle_s;     /* 1..86400 */
  uint32_t interval_s; /* 1..86400 */
  uint32_t count;      /* 1..127 */
};

/* Like TCP_INFO. state: RFC 9293 state number (0 CLOSED .. 10 TIME_WAIT). */
struct xtcp_info {
  uint32_t state;
  uint32_t mss;
  uint32_t rtt_us;
  uint32_t rttvar_us;
  uint32_t rto_ms;
  uint32_t cwnd;
  uint32_t ssthresh;
  uint32_t retransmits;
  uint64_t total_retrans;
  uint64_t bytes_sent;
  uint64_t bytes_acked;
  uint64_t bytes_received;
};

/* len must equal the option's size (EINVAL); ENOPROTOOPT for an unknown
 * option; getopt sets *len to the bytes written. */
int xtcp_setopt(xtcp_ctx *ctx, int sock, int option, const void *val, size_t len);
int xtcp_getopt(xtcp_ctx *ctx, int sock, int option, void *val, size_t *len);

/* The connection's pending error (positive errno) or 0, like SO_ERROR. */
int xtcp_socket_error(xtcp_ctx *ctx, int sock);
/* Local / peer address of a connection (local also for a listener). */
int xtcp_getsockname(xtcp_ctx *ctx, int sock, struct sockaddr_storage *out);
int xtcp_getpeername(xtcp_ctx *ctx, int sock, struct sockaddr_storage *out);

/* Readiness. */
#define XTCP_POLLIN 0x1  /* data, peer FIN, or (listener) a pending connection */
#define XTCP_POLLOUT 0x4 /* established and send-ring space */
#define XTCP_POLLERR 0x8 /* the connection failed (xtcp_socket_error) */
#define XTCP_POLLHUP 0x10 /* both directions done, or closed by the daemon */

struct xtcp_pollitem {
  int sock;
  short events;  /* XTCP_POLLIN | XTCP_POLLOUT */
  short revents; /* set by xtcp_poll; ERR and HUP are always reported */
};

/* Waits until any item is ready; returns the number of ready items, 0 on
 * timeout, -1 + errno. Sleeps on the sockets' notify eventfds. */
int xtcp_poll(xtcp_ctx *ctx, struct xtcp_pollitem *items, size_t n, int timeout_ms);

/* A descriptor for the app's own epoll/poll set (POLLIN = look again): an
 * epoll fd over the connection's notify eventfd (or the listener's ready
 * eventfd) and the session's hang-up, so the app also wakes when xtcpd dies.
 * One per socket, made on the first call, owned by the library (closed by
 * xtcp_close); -1 + errno (EMFILE, ...) if it cannot be made. Never read it.
 * For a connection the daemon signals it only after xtcp_wait_prepare
 * announced the sleep, so the loop is:
 *   if (xtcp_wait_prepare(ctx, s, XTCP_POLLIN) == 0) epoll_wait(...);
 *   xtcp_wait_finish(ctx, s); then xtcp_recv(..., 0) until EAGAIN.
 * xtcp_wait_prepare returns the ready mask (non-zero: do not sleep). */
int xtcp_fd(xtcp_ctx *ctx, int sock);
int xtcp_wait_prepare(xtcp_ctx *ctx, int sock, short events);
int xtcp_wait_finish(xtcp_ctx *ctx, int sock);

/* Counters for edge-triggered readiness (epoll's EPOLLET over xtcp): the
 * kernel's epoll reports an edge on every arrival, not only when a bit turns
 * on, so an app that read a request without draining to EAGAIN still hears
 * of the next one. An edge is a counter that moved since the last report. */
struct xtcp_progress {
  uint64_t rx_delivered; /* bytes xtcpd has put in the receive ring, ever */
  uint64_t state;        /* the connection's state word (FIN, error, close) */
};
/* 0, or -1 + EBADF when `sock` is not a connection of `ctx`. No syscall. */
int xtcp_get_progress(xtcp_ctx *ctx, int sock, struct xtcp_progress *out);

/* A sentence for an errno value as libxtcp returns it. Never NULL. */
const char *xtcp_strerror(int err);
/* This thread's last failure in detail ("" if none). Never NULL. */
const char *xtcp_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* XTCP_XTCP_H */
