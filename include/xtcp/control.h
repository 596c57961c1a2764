/* SPDX-License-Identifier: MIT */
/*
 * control.h: the control protocol between applications/tools and xtcpd.
 *
 * Transport: an AF_UNIX SOCK_SEQPACKET socket ($XTCP_SOCKET, else
 * XTCP_CTL_DEFAULT_SOCKET). One message per datagram, never larger than
 * XTCP_CTL_MAX_MESSAGE. Every message starts with struct xtcp_ctl_header;
 * header.length is the size of the whole message and must equal the size of
 * the datagram. A reply echoes the request's seq. All integers are in host
 * byte order (both ends are on the same machine).
 *
 * Plain C (usable from the C API of libxtcp); the C++ side gets the same
 * definitions plus static_asserts on the layout.
 *
 * Errors: a malformed message (see xtcp_ctl_validate) is answered with an
 * XTCP_CTL_ERROR carrying the negative of the validator's code as a
 * positive errno, and the daemon then closes that session. A well-formed
 * request the daemon cannot serve (a reserved type, a bad argument) gets an
 * XTCP_CTL_ERROR and the session stays open.
 */
#ifndef XTCP_CONTROL_H
#define XTCP_CONTROL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define XTCP_CTL_MAGIC 0x50435458u /* "XTCP" read as little-endian bytes */
#define XTCP_CTL_VERSION 1
#define XTCP_CTL_MAX_MESSAGE 16384
#define XTCP_CTL_DEFAULT_SOCKET "/run/xtcp/xtcpd.sock"
#define XTCP_CTL_SOCKET_ENV "XTCP_SOCKET"

/* The control socket's path: $XTCP_SOCKET when set and non-empty, else
 * XTCP_CTL_DEFAULT_SOCKET. xtcpd serves it and every client reaches it. */
static inline const char *xtcp_ctl_socket_path(void) {
  const char *env = getenv(XTCP_CTL_SOCKET_ENV);
  return env != NULL && env[0] != '\0' ? env : XTCP_CTL_DEFAULT_SOCKET;
}

/*
 * Message types. A reply has XTCP_CTL_REPLY_BIT set on its request's type;
 * XTCP_CTL_ERROR may answer any request.
 */
#define XTCP_CTL_REPLY_BIT 0x8000u
enum xtcp_ctl_type {
  XTCP_CTL_HELLO = 1,
  XTCP_CTL_STATS_REQUEST = 2,
  XTCP_CTL_CONNS_REQUEST = 3, /* live connections, like `ss -ti` */
  /* The application API (issue 4); layouts below. */
  XTCP_CTL_LISTEN = 16,
  XTCP_CTL_ACCEPT = 17,
  XTCP_CTL_CONNECT = 18,
  XTCP_CTL_SHUTDOWN = 19,
  XTCP_CTL_CLOSE = 20,
  XTCP_CTL_SET_OPTION = 21,
  XTCP_CTL_GET_OPTION = 22,
  XTCP_CTL_SHARE = 23, /* another process holds a listener too (fork) */
  XTCP_CTL_RESERVED_LAST = 23,

  XTCP_CTL_ERROR = XTCP_CTL_REPLY_BIT,
  XTCP_CTL_HELLO_REPLY = XTCP_CTL_REPLY_BIT | XTCP_CTL_HELLO,
  XTCP_CTL_STATS_REPLY = XTCP_CTL_REPLY_BIT | XTCP_CTL_STATS_REQUEST,
  XTCP_CTL_CONNS_REPLY = XTCP_CTL_REPLY_BIT | XTCP_CTL_CONNS_REQUEST,
  XTCP_CTL_LISTEN_REPLY = XTCP_CTL_REPLY_BIT | XTCP_CTL_LISTEN,
  XTCP_CTL_ACCEPT_REPLY = XTCP_CTL_REPLY_BIT | XTCP_CTL_ACCEPT,
  XTCP_CTL_CONNECT_REPLY = XTCP_CTL_REPLY_BIT | XTCP_CTL_CONNECT,
  XTCP_CTL_SHUTDOWN_REPLY = XTCP_CTL_REPLY_BIT | XTCP_CTL_SHUTDOWN,
  XTCP_CTL_CLOSE_REPLY = XTCP_CTL_REPLY_BIT | XTCP_CTL_CLOSE,
  XTCP_CTL_SET_OPTION_REPLY = XTCP_CTL_REPLY_BIT | XTCP_CTL_SET_OPTION,
  XTCP_CTL_GET_OPTION_REPLY = XTCP_CTL_REPLY_BIT | XTCP_CTL_GET_OPTION,
  XTCP_CTL_SHARE_REPLY = XTCP_CTL_REPLY_BIT | XTCP_CTL_SHARE
};

struct xtcp_ctl_header {
  uint32_t magic;   /* XTCP_CTL_MAGIC */
  uint16_t version; /* XTCP_CTL_VERSION */
  uint16_t type;    /* enum xtcp_ctl_type */
  uint32_t length;  /* whole message in bytes, header included */
  uint32_t seq;     /* chosen by the requester, echoed in the reply */
};

/* HELLO: optional first message of a session; names the client. */
struct xtcp_ctl_hello {
  struct xtcp_ctl_header hdr;
  uint32_t pid;     /* client's pid, for logs */
  uint32_t flags;   /* reserved, zero */
  char client[32];  /* e.g. "xtcpctl", NUL-terminated */
};

/* How the AF_XDP sockets are bound (XDP_COPY / XDP_ZEROCOPY). */
enum xtcp_ctl_bind_mode {
  XTCP_BIND_UNKNOWN = 0,
  XTCP_BIND_COPY = 1,
  XTCP_BIND_ZEROCOPY = 2,
  XTCP_BIND_MIXED = 3 /* queues differ (auto mode on odd hardware) */
};

#define XTCP_CTL_IFNAME_LEN 16 /* IFNAMSIZ */

struct xtcp_ctl_hello_reply {
  struct xtcp_ctl_header hdr;
  uint32_t daemon_pid;
  uint32_t queue_count;
  uint32_t bind_mode;         /* enum xtcp_ctl_bind_mode */
  uint32_t max_message;       /* XTCP_CTL_MAX_MESSAGE of the daemon */
  char iface[XTCP_CTL_IFNAME_LEN];
  char daemon_version[16];    /* e.g. "0.1.0" */
};

/*
 * STATS_REQUEST: asks for entries [first, first + max_entries) of a
 * snapshot. first == 0 takes a new snapshot; later pages (first > 0) read
 * the same snapshot, so a paged reply is consistent.
 */
struct xtcp_ctl_stats_request {
  struct xtcp_ctl_header hdr;
  uint32_t first;
  uint32_t max_entries; /* 0: as many as fit in one message */
};

/* One counter, e.g. "bpf.rx_frames", "queue0.rx_bytes". */
#define XTCP_CTL_STAT_NAME_LEN 48
struct xtcp_ctl_stat_entry {
  char name[XTCP_CTL_STAT_NAME_LEN]; /* NUL-terminated */
  uint64_t value;
};

struct xtcp_ctl_stats_reply {
  struct xtcp_ctl_header hdr;
  char iface[XTCP_CTL_IFNAME_LEN];
  uint32_t bind_mode;   /* enum xtcp_ctl_bind_mode */
  uint32_t queue_count;
  uint32_t total;       /* entries in the whole snapshot */
  uint32_t first;       /* index of entries[0] in the snapshot */
  uint32_t count;       /* entries in this message */
  uint32_t reserved;
  struct xtcp_ctl_stat_entry entries[]; /* count of them */
};

#define XTCP_CTL_STATS_MAX_ENTRIES                                          \
  ((XTCP_CTL_MAX_MESSAGE - sizeof(struct xtcp_ctl_stats_reply)) /           \
   sizeof(struct xtcp_ctl_stat_entry))

/*
 * CONNS_REQUEST: entries [first, first + max_entries) of a snapshot of the
 * daemon's connections (every app's: the control socket is 0660, so only
 * the daemon's group sees it). first == 0 takes a new snapshot.
 */
struct xtcp_ctl_conns_request {
  struct xtcp_ctl_header hdr;
  uint32_t first;
  uint32_t max_entries; /* 0: as many as fit in one message */
};

/* One connection. Addresses as struct xtcp_ctl_addr (defined below). */
struct xtcp_ctl_conn_entry {
  uint8_t local_family; /* AF_INET / AF_INET6 */
  uint8_t state;        /* enum xtcp_chan_state */
  uint16_t local_port;
  uint16_t peer_port;
  uint16_t shard;        /* receive queue that owns it */
  uint8_t local_addr[16];
  uint8_t peer_addr[16];
  uint32_t owner_pid;    /* app's pid (0: none, e.g. closed by the app) */
  uint32_t mss;
  uint32_t rtt_us;       /* smoothed RTT */
  uint32_t rttvar_us;
  uint32_t rto_ms;
  uint32_t cwnd;         /* bytes */
  uint32_t ssthresh;     /* bytes */
  uint32_t rx_queue;     /* bytes received, not yet read by the app */
  uint32_t tx_queue;     /* bytes written by the app, not yet acked */
  uint64_t retransmits;  /* segments retransmitted over the lifetime */
  uint64_t bytes_sent;
  uint64_t bytes_acked;
  uint64_t bytes_received;
};

struct xtcp_ctl_conns_reply {
  struct xtcp_ctl_header hdr;
  uint32_t total; /* entries in the whole snapshot */
  uint32_t first; /* index of entries[0] in the snapshot */
  uint32_t count; /* entries in this message */
  uint32_t reserved;
  struct xtcp_ctl_conn_entry entries[]; /* count of them */
};

#define XTCP_CTL_CONNS_MAX_ENTRIES                                          \
  ((XTCP_CTL_MAX_MESSAGE - sizeof(struct xtcp_ctl_conns_reply)) /           \
   sizeof(struct xtcp_ctl_conn_entry))

/* ERROR: code is a positive errno value; text says what to do. */
#define XTCP_CTL_ERROR_TEXT_LEN 120
struct xtcp_ctl_error {
  struct xtcp_ctl_header hdr;
  int32_t code;          /* e.g. EBADMSG */
  uint16_t request_type; /* type of the offending message, 0 if unknown */
  uint16_t reserved;
  char text[XTCP_CTL_ERROR_TEXT_LEN]; /* NUL-terminated */
};

/* ---- The application API (issue 4) ------------------------------------
 *
 * Ids: a listener id or a connection id is chosen by the daemon, is never
 * 0, and is valid only inside the session that created it (an app sees and
 * touches only its own). Ports are host byte order; address bytes are
 * network order (as in struct in_addr / in6_addr).
 *
 * Descriptors ride with replies as SCM_RIGHTS, in this order:
 *   LISTEN_REPLY:             [ready eventfd]
 *   ACCEPT_/CONNECT_REPLY:    [channel memfd, kick eventfd, notify eventfd]
 * A reply whose descriptor count differs is malformed.
 */

/* An IPv4 or IPv6 endpoint. family 0 (in optional fields): unspecified. */
struct xtcp_ctl_addr {
  uint16_t family;   /* AF_INET, AF_INET6, or 0 where optional */
  uint16_t port;     /* host byte order */
  uint32_t scope_id; /* IPv6 scope (link-local), else 0 */
  uint8_t addr[16];  /* network order; IPv4 in addr[0..3], rest zero */
};

/* LISTEN: listen on addr (all-zero addr: any) with a backlog of pending
 * connections. Reply LISTEN_REPLY + [ready eventfd], or ERROR: EADDRINUSE,
 * EACCES (port < 1024 without CAP_NET_BIND_SERVICE), EMFILE (per-app
 * limit), EINVAL. */
struct xtcp_ctl_listen {
  struct xtcp_ctl_header hdr;
  struct xtcp_ctl_addr local; /* port 1..65535 */
  uint32_t backlog;           /* 1..XTCP_CTL_MAX_BACKLOG */
  uint32_t flags;             /* XTCP_CTL_LISTEN_* */
};
#define XTCP_CTL_MAX_BACKLOG 65535u
/* SO_REUSEADDR as socket(7) and Linux mean it: the port may still have
 * TIME-WAIT connections (of a server that ran before); a listener on it
 * is refused as without the flag. */
#define XTCP_CTL_LISTEN_REUSEADDR 0x1u
#define XTCP_CTL_LISTEN_FLAGS XTCP_CTL_LISTEN_REUSEADDR

/* The daemon adds 1 to the listener's ready eventfd each time a connection
 * joins its accept queue; the app reads (resets) it, then sends ACCEPT.
 * share_id and share_key are the listener's share ticket (SHARE below). */
#define XTCP_CTL_SHARE_KEY_LEN 16
struct xtcp_ctl_listen_reply {
  struct xtcp_ctl_header hdr;
  uint32_t listener_id; /* in this session */
  uint32_t share_id;    /* in the daemon */
  uint8_t share_key[XTCP_CTL_SHARE_KEY_LEN];
};

/* SHARE: this session holds, besides the ones that hold it already, the
 * listener of a share ticket (a process forked from one that listens
 * inherited the listener, and with it the ticket in its memory). Reply
 * SHARE_REPLY (the LISTEN_REPLY layout) + the listener's ready eventfd; its
 * connections go to whichever holder accepts first, and it lives until the
 * last holder closes it or ends its session. ERROR EBADF: no listener has
 * that ticket. The key is a random secret: holding it is holding the
 * listener, as holding a descriptor is with the kernel. */
struct xtcp_ctl_share {
  struct xtcp_ctl_header hdr;
  uint32_t share_id;
  uint32_t flags; /* reserved, zero */
  uint8_t share_key[XTCP_CTL_SHARE_KEY_LEN];
};

/* ACCEPT: takes one established connection off a listener's queue, never
 * waits. Reply ACCEPT_REPLY + 3 fds, or ERROR EAGAIN (queue empty), EBADF. */
struct xtcp_ctl_accept {
  struct xtcp_ctl_header hdr;
  uint32_t listener_id;
  uint32_t flags; /* reserved, zero */
};

/* CONNECT: active open to remote, from local if given (family 0: the
 * daemon picks). Replies at once; completion comes in the channel's events. */
struct xtcp_ctl_connect {
  struct xtcp_ctl_header hdr;
  struct xtcp_ctl_addr remote; /* port 1..65535 */
  struct xtcp_ctl_addr local;  /* family 0, or the remote's family */
  uint32_t flags;              /* reserved, zero */
  uint32_t reserved;
};

#define XTCP_CTL_MAX_CHAN_STATE 10 /* XTCP_CHAN_STATE_TIME_WAIT */

/* ACCEPT_REPLY / CONNECT_REPLY: the new connection and its endpoints; state
 * is ESTABLISHED (accept) or SYN_SENT (connect) + [memfd, kick, notify]. */
struct xtcp_ctl_conn_reply {
  struct xtcp_ctl_header hdr;
  uint32_t conn_id;
  uint32_t state;   /* enum xtcp_chan_state (channel_abi.h) at reply time */
  struct xtcp_ctl_addr local;
  struct xtcp_ctl_addr peer;
  uint32_t pending; /* ACCEPT: connections still queued after this one */
  uint32_t reserved;
};

/* SHUTDOWN: how = SHUT_RD / SHUT_WR / SHUT_RDWR. The app publishes tx.prod
 * and XTCP_CHAN_APP_SHUTDOWN_WR first: FIN follows every published byte. */
struct xtcp_ctl_shutdown {
  struct xtcp_ctl_header hdr;
  uint32_t conn_id;
  uint32_t how;
};

/* CLOSE: releases a connection (FIN after queued data, like close(2)) or a
 * listener (queued connections are reset). kind says which id space. */
enum xtcp_ctl_object { XTCP_CTL_OBJ_CONN = 1, XTCP_CTL_OBJ_LISTENER = 2 };
struct xtcp_ctl_close {
  struct xtcp_ctl_header hdr;
  uint32_t id;
  uint32_t kind; /* enum xtcp_ctl_object */
};

/* SHUTDOWN_REPLY / CLOSE_REPLY / SET_OPTION_REPLY: done; id is the
 * request's connection or listener id. */
struct xtcp_ctl_ack {
  struct xtcp_ctl_header hdr;
  uint32_t id;
  uint32_t reserved;
};

/* Options: value layouts (value_len must equal the size given). */
enum xtcp_ctl_option_id {
  XTCP_CTL_OPT_NODELAY = 1,    /* uint32_t 0/1: Nagle off (RFC 9293 3.7.4) */
  XTCP_CTL_OPT_KEEPALIVE = 2,  /* struct xtcp_ctl_keepalive (RFC 9293 3.8.4) */
  XTCP_CTL_OPT_RCVBUF = 3,     /* uint32_t bytes, clamped to the rx ring */
  XTCP_CTL_OPT_SNDBUF = 4,     /* uint32_t bytes, clamped to the tx ring */
  XTCP_CTL_OPT_CONGESTION = 5, /* char[16] "cubic" or "newreno", NUL-padded */
  XTCP_CTL_OPT_INFO = 6,       /* struct xtcp_ctl_tcp_info, GET only */
  XTCP_CTL_OPT_USER_TIMEOUT = 7, /* uint32_t ms, 0..INT32_MAX, 0 = off (RFC 5482,
                                    Linux TCP_USER_TIMEOUT) */
  XTCP_CTL_OPT_LAST = 7
};

struct xtcp_ctl_keepalive {
  uint32_t enable;     /* 0/1 */
  uint32_t idle_s;     /* 1..86400: idle time before the first probe */
  uint32_t interval_s; /* 1..86400: between probes */
  uint32_t count;      /* 1..127: unanswered probes before reset */
};

#define XTCP_CTL_CC_NAME_LEN 16

/* Like Linux's TCP_INFO: what `ss -ti` shows. */
struct xtcp_ctl_tcp_info {
  uint32_t state;         /* enum xtcp_chan_state */
  uint32_t mss;           /* SMSS in bytes */
  uint32_t rtt_us;        /* smoothed RTT (RFC 6298) */
  uint32_t rttvar_us;
  uint32_t rto_ms;
  uint32_t cwnd;          /* congestion window, bytes */
  uint32_t ssthresh;      /* bytes */
  uint32_t retransmits;   /* consecutive RTOs of the current segment */
  uint64_t total_retrans; /* segments retransmitted over the lifetime */
  uint64_t bytes_sent;    /* payload bytes sent, retransmissions included */
  uint64_t bytes_acked;
  uint64_t bytes_received;
};

#define XTCP_CTL_OPT_VALUE_LEN 64
/* SET_OPTION: sets one option; reply SET_OPTION_REPLY or ERROR (EINVAL,
 * ENOPROTOOPT). GET_OPTION (value_len 0) -> GET_OPTION_REPLY, value filled. */
struct xtcp_ctl_option {
  struct xtcp_ctl_header hdr;
  uint32_t conn_id;
  uint32_t option;    /* enum xtcp_ctl_option_id */
  uint32_t value_len; /* bytes of value used */
  uint32_t reserved;
  uint8_t value[XTCP_CTL_OPT_VALUE_LEN]; /* unused bytes zero */
};

/* Size of an option's value, 0 for an unknown option. */
static inline uint32_t xtcp_ctl_option_size(uint32_t option) {
  switch (option) {
    case XTCP_CTL_OPT_NODELAY:
    case XTCP_CTL_OPT_RCVBUF:
    case XTCP_CTL_OPT_SNDBUF:
    case XTCP_CTL_OPT_USER_TIMEOUT: return sizeof(uint32_t);
    case XTCP_CTL_OPT_KEEPALIVE: return sizeof(struct xtcp_ctl_keepalive);
    case XTCP_CTL_OPT_CONGESTION: return XTCP_CTL_CC_NAME_LEN;
    case XTCP_CTL_OPT_INFO: return sizeof(struct xtcp_ctl_tcp_info);
    default: return 0;
  }
}

/* Fixed size of a message type, or 0 for a variable-size/unknown type. */
static inline size_t xtcp_ctl_fixed_size(uint16_t type) {
  switch (type) {
    case XTCP_CTL_HELLO: return sizeof(struct xtcp_ctl_hello);
    case XTCP_CTL_HELLO_REPLY: return sizeof(struct xtcp_ctl_hello_reply);
    case XTCP_CTL_STATS_REQUEST: return sizeof(struct xtcp_ctl_stats_request);
    case XTCP_CTL_CONNS_REQUEST: return sizeof(struct xtcp_ctl_conns_request);
    case XTCP_CTL_ERROR: return sizeof(struct xtcp_ctl_error);
    case XTCP_CTL_LISTEN: return sizeof(struct xtcp_ctl_listen);
    case XTCP_CTL_LISTEN_REPLY:
    case XTCP_CTL_SHARE_REPLY: return sizeof(struct xtcp_ctl_listen_reply);
    case XTCP_CTL_SHARE: return sizeof(struct xtcp_ctl_share);
    case XTCP_CTL_ACCEPT: return sizeof(struct xtcp_ctl_accept);
    case XTCP_CTL_CONNECT: return sizeof(struct xtcp_ctl_connect);
    case XTCP_CTL_ACCEPT_REPLY:
    case XTCP_CTL_CONNECT_REPLY: return sizeof(struct xtcp_ctl_conn_reply);
    case XTCP_CTL_SHUTDOWN: return sizeof(struct xtcp_ctl_shutdown);
    case XTCP_CTL_CLOSE: return sizeof(struct xtcp_ctl_close);
    case XTCP_CTL_SHUTDOWN_REPLY:
    case XTCP_CTL_CLOSE_REPLY:
    case XTCP_CTL_SET_OPTION_REPLY: return sizeof(struct xtcp_ctl_ack);
    case XTCP_CTL_SET_OPTION:
    case XTCP_CTL_GET_OPTION:
    case XTCP_CTL_GET_OPTION_REPLY: return sizeof(struct xtcp_ctl_option);
    default: return 0;
  }
}

static inline int xtcp_ctl_type_known(uint16_t type) {
  if (type >= XTCP_CTL_HELLO && type <= XTCP_CTL_RESERVED_LAST)
    return type <= XTCP_CTL_CONNS_REQUEST || type >= XTCP_CTL_LISTEN;
  if (type > XTCP_CTL_REPLY_BIT && type <= (XTCP_CTL_REPLY_BIT | XTCP_CTL_RESERVED_LAST))
    return xtcp_ctl_type_known((uint16_t)(type & ~XTCP_CTL_REPLY_BIT));
  return type == XTCP_CTL_ERROR;
}

/* Body size check for one known type (every type but the STATS and CONNS
 * replies is fixed). */
static inline int xtcp_ctl_size_ok(const void *buf, uint16_t type, size_t len) {
  if (type == XTCP_CTL_CONNS_REPLY) {
    const size_t base = sizeof(struct xtcp_ctl_conns_reply);
    uint32_t count;
    if (len < base) return 0;
    memcpy(&count, (const char *)buf + offsetof(struct xtcp_ctl_conns_reply, count),
           sizeof(count));
    return count <= XTCP_CTL_CONNS_MAX_ENTRIES &&
           len == base + (size_t)count * sizeof(struct xtcp_ctl_conn_entry);
  }
  if (type == XTCP_CTL_STATS_REPLY) {
    const size_t base = sizeof(struct xtcp_ctl_stats_reply);
    uint32_t count;
    if (len < base) return 0;
    memcpy(&count, (const char *)buf + offsetof(struct xtcp_ctl_stats_reply, count),
           sizeof(count));
    return count <= XTCP_CTL_STATS_MAX_ENTRIES &&
           len == base + (size_t)count * sizeof(struct xtcp_ctl_stat_entry);
  }
  size_t fixed = xtcp_ctl_fixed_size(type);
  return fixed == 0 || len == fixed;
}

/*
 * Validates one received datagram of len bytes. Returns 0, or:
 *   -EMSGSIZE         datagram larger than XTCP_CTL_MAX_MESSAGE
 *   -EBADMSG          shorter than a header, header.length != len, or the
 *                     size does not fit the type
 *   -EPROTO           wrong magic (not an xtcp control message)
 *   -EPROTONOSUPPORT  version other than XTCP_CTL_VERSION
 *   -ENOMSG           unknown type
 */
static inline int xtcp_ctl_validate(const void *buf, size_t len) {
  struct xtcp_ctl_header h;
  if (len > XTCP_CTL_MAX_MESSAGE) return -EMSGSIZE;
  if (len < sizeof(h)) return -EBADMSG;
  memcpy(&h, buf, sizeof(h));
  if (h.magic != XTCP_CTL_MAGIC) return -EPROTO;
  if (h.version != XTCP_CTL_VERSION) return -EPROTONOSUPPORT;
  if (h.length != len) return -EBADMSG;
  if (!xtcp_ctl_type_known(h.type)) return -ENOMSG;
  if (!xtcp_ctl_size_ok(buf, h.type, len)) return -EBADMSG;
  return 0;
}

/* ---- Field checks for the application API ------------------------------
 * xtcp_ctl_validate() checks framing only. Every field is untrusted, so
 * after it passes, xtcp_ctl_check_fields() checks each field's range: the
 * daemon answers a failing request with ERROR EINVAL (session stays open),
 * libxtcp treats a failing reply as EPROTO. Returns 0 or -EINVAL. */

static inline int xtcp_ctl_zero(const void *p, size_t n) {
  const unsigned char *b = (const unsigned char *)p;
  for (size_t i = 0; i < n; ++i)
    if (b[i] != 0) return 0;
  return 1;
}

/* required: family must be AF_INET/AF_INET6 and port non-zero; else an
 * all-zero address (unspecified) passes too. */
static inline int xtcp_ctl_addr_ok(const struct xtcp_ctl_addr *a, int required) {
  if (a->family == 0) return !required && xtcp_ctl_zero(a, sizeof(*a));
  if (a->family == AF_INET)
    return a->scope_id == 0 && xtcp_ctl_zero(a->addr + 4, 12) && (!required || a->port != 0);
  if (a->family == AF_INET6) return !required || a->port != 0;
  return 0;
}

/* The value of a SET_OPTION request. */
static inline int xtcp_ctl_option_value_ok(uint32_t option, const uint8_t *v) {
  uint32_t u;
  struct xtcp_ctl_keepalive k;
  switch (option) {
    case XTCP_CTL_OPT_NODELAY:
      memcpy(&u, v, sizeof(u));
      return u <= 1;
    case XTCP_CTL_OPT_RCVBUF:
    case XTCP_CTL_OPT_SNDBUF:
      memcpy(&u, v, sizeof(u));
      return u > 0;
    case XTCP_CTL_OPT_USER_TIMEOUT:
      memcpy(&u, v, sizeof(u));
      return u <= 0x7fffffffu;
    case XTCP_CTL_OPT_KEEPALIVE:
      memcpy(&k, v, sizeof(k));
      return k.enable <= 1 && k.idle_s >= 1 && k.idle_s <= 86400 && k.interval_s >= 1 &&
             k.interval_s <= 86400 && k.count >= 1 && k.count <= 127;
    case XTCP_CTL_OPT_CONGESTION: {
      /* A name, NUL-terminated, NUL-padded. */
      size_t n = 0;
      while (n < XTCP_CTL_CC_NAME_LEN && v[n] != 0) ++n;
      return n > 0 && n < XTCP_CTL_CC_NAME_LEN &&
             xtcp_ctl_zero(v + n, XTCP_CTL_CC_NAME_LEN - n);
    }
    default: return 0; /* INFO is read-only */
  }
}

static inline int xtcp_ctl_option_ok(const struct xtcp_ctl_option *m) {
  uint32_t size = xtcp_ctl_option_size(m->option);
  if (m->conn_id == 0 || size == 0 || m->reserved != 0) return 0;
  if (m->hdr.type == XTCP_CTL_GET_OPTION)
    return m->value_len == 0 && xtcp_ctl_zero(m->value, sizeof(m->value));
  if (m->value_len != size || !xtcp_ctl_zero(m->value + size, sizeof(m->value) - size))
    return 0;
  return m->hdr.type == XTCP_CTL_GET_OPTION_REPLY || xtcp_ctl_option_value_ok(m->option, m->value);
}

static inline int xtcp_ctl_conn_reply_ok(const struct xtcp_ctl_conn_reply *m) {
  return m->conn_id != 0 && m->state <= XTCP_CTL_MAX_CHAN_STATE && m->reserved == 0 &&
         xtcp_ctl_addr_ok(&m->local, 1) && xtcp_ctl_addr_ok(&m->peer, 1) &&
         m->local.family == m->peer.family;
}

static inline int xtcp_ctl_check_fields(const void *buf, size_t len) {
  union {
    struct xtcp_ctl_header hdr;
    struct xtcp_ctl_listen listen;
    struct xtcp_ctl_listen_reply listen_reply;
    struct xtcp_ctl_share share;
    struct xtcp_ctl_accept accept;
    struct xtcp_ctl_connect connect;
    struct xtcp_ctl_conn_reply conn_reply;
    struct xtcp_ctl_shutdown shutdown;
    struct xtcp_ctl_close close;
    struct xtcp_ctl_ack ack;
    struct xtcp_ctl_option option;
    struct xtcp_ctl_error error;
  } m;
  int ok = 1;
  if (len < sizeof(m.hdr)) return -EINVAL;
  memcpy(&m, buf, len < sizeof(m) ? len : sizeof(m));
  if (len != xtcp_ctl_fixed_size(m.hdr.type))
    return m.hdr.type == XTCP_CTL_STATS_REPLY || m.hdr.type == XTCP_CTL_CONNS_REPLY ? 0 : -EINVAL;
  switch (m.hdr.type) {
    case XTCP_CTL_LISTEN:
      ok = xtcp_ctl_addr_ok(&m.listen.local, 1) && m.listen.backlog >= 1 &&
           m.listen.backlog <= XTCP_CTL_MAX_BACKLOG && (m.listen.flags & ~XTCP_CTL_LISTEN_FLAGS) == 0;
      break;
    case XTCP_CTL_LISTEN_REPLY:
    case XTCP_CTL_SHARE_REPLY:
      ok = m.listen_reply.listener_id != 0 && m.listen_reply.share_id != 0;
      break;
    case XTCP_CTL_SHARE: ok = m.share.share_id != 0 && m.share.flags == 0; break;
    case XTCP_CTL_ACCEPT: ok = m.accept.listener_id != 0 && m.accept.flags == 0; break;
    case XTCP_CTL_CONNECT:
      ok = xtcp_ctl_addr_ok(&m.connect.remote, 1) && xtcp_ctl_addr_ok(&m.connect.local, 0) &&
           (m.connect.local.family == 0 || m.connect.local.family == m.connect.remote.family) &&
           m.connect.flags == 0 && m.connect.reserved == 0;
      break;
    case XTCP_CTL_ACCEPT_REPLY:
    case XTCP_CTL_CONNECT_REPLY: ok = xtcp_ctl_conn_reply_ok(&m.conn_reply); break;
    case XTCP_CTL_SHUTDOWN:
      ok = m.shutdown.conn_id != 0 && m.shutdown.how <= SHUT_RDWR;
      break;
    case XTCP_CTL_CLOSE:
      ok = m.close.id != 0 &&
           (m.close.kind == XTCP_CTL_OBJ_CONN || m.close.kind == XTCP_CTL_OBJ_LISTENER);
      break;
    case XTCP_CTL_SHUTDOWN_REPLY:
    case XTCP_CTL_CLOSE_REPLY:
    case XTCP_CTL_SET_OPTION_REPLY: ok = m.ack.id != 0 && m.ack.reserved == 0; break;
    case XTCP_CTL_SET_OPTION:
    case XTCP_CTL_GET_OPTION:
    case XTCP_CTL_GET_OPTION_REPLY: ok = xtcp_ctl_option_ok(&m.option); break;
    case XTCP_CTL_ERROR: ok = m.error.code > 0 && m.error.code < 4096; break;
    default: break; /* HELLO and STATS: every value is acceptable */
  }
  return ok ? 0 : -EINVAL;
}

static inline void xtcp_ctl_header_init(struct xtcp_ctl_header *h, uint16_t type,
                                        uint32_t length, uint32_t seq) {
  h->magic = XTCP_CTL_MAGIC;
  h->version = XTCP_CTL_VERSION;
  h->type = type;
  h->length = length;
  h->seq = seq;
}

#ifdef __cplusplus
static_assert(sizeof(xtcp_ctl_header) == 16, "control header layout");
static_assert(offsetof(xtcp_ctl_header, type) == 6, "control header layout");
static_assert(offsetof(xtcp_ctl_header, seq) == 12, "control header layout");
static_assert(sizeof(xtcp_ctl_hello) == 56, "hello layout");
static_assert(sizeof(xtcp_ctl_hello_reply) == 64, "hello reply layout");
static_assert(sizeof(xtcp_ctl_stats_request) == 24, "stats request layout");
static_assert(sizeof(xtcp_ctl_stat_entry) == 56, "stat entry layout");
static_assert(offsetof(xtcp_ctl_stat_entry, value) == 48, "stat entry layout");
static_assert(sizeof(xtcp_ctl_stats_reply) == 56, "stats reply layout");
static_assert(offsetof(xtcp_ctl_stats_reply, entries) == 56, "stats reply layout");
static_assert(sizeof(xtcp_ctl_error) == 144, "error layout");
static_assert(sizeof(xtcp_ctl_conns_request) == 24, "conns request layout");
static_assert(sizeof(xtcp_ctl_conn_entry) == 112, "conn entry layout");
static_assert(offsetof(xtcp_ctl_conn_entry, retransmits) == 80, "conn entry layout");
static_assert(sizeof(xtcp_ctl_conns_reply) == 32, "conns reply layout");
static_assert(XTCP_CTL_CONNS_MAX_ENTRIES >= 128, "a conns page holds 128 entries");
static_assert(sizeof(xtcp_ctl_addr) == 24, "addr layout");
static_assert(offsetof(xtcp_ctl_addr, addr) == 8, "addr layout");
static_assert(sizeof(xtcp_ctl_listen) == 48, "listen layout");
static_assert(offsetof(xtcp_ctl_listen, backlog) == 40, "listen layout");
static_assert(sizeof(xtcp_ctl_listen_reply) == 40, "listen reply layout");
static_assert(offsetof(xtcp_ctl_listen_reply, share_key) == 24, "listen reply layout");
static_assert(sizeof(xtcp_ctl_share) == 40, "share layout");
static_assert(sizeof(xtcp_ctl_accept) == 24, "accept layout");
static_assert(sizeof(xtcp_ctl_connect) == 72, "connect layout");
static_assert(offsetof(xtcp_ctl_connect, local) == 40, "connect layout");
static_assert(sizeof(xtcp_ctl_conn_reply) == 80, "conn reply layout");
static_assert(offsetof(xtcp_ctl_conn_reply, local) == 24, "conn reply layout");
static_assert(offsetof(xtcp_ctl_conn_reply, peer) == 48, "conn reply layout");
static_assert(offsetof(xtcp_ctl_conn_reply, pending) == 72, "conn reply layout");
static_assert(sizeof(xtcp_ctl_shutdown) == 24, "shutdown layout");
static_assert(sizeof(xtcp_ctl_close) == 24, "close layout");
static_assert(sizeof(xtcp_ctl_ack) == 24, "ack layout");
static_assert(sizeof(xtcp_ctl_keepalive) == 16, "keepalive layout");
static_assert(sizeof(xtcp_ctl_tcp_info) == 64, "tcp info layout");
static_assert(offsetof(xtcp_ctl_tcp_info, total_retrans) == 32, "tcp info layout");
static_assert(sizeof(xtcp_ctl_option) == 32 + XTCP_CTL_OPT_VALUE_LEN, "option layout");
static_assert(offsetof(xtcp_ctl_option, value) == 32, "option layout");
static_assert(sizeof(xtcp_ctl_tcp_info) <= XTCP_CTL_OPT_VALUE_LEN, "info fits an option value");
static_assert(XTCP_CTL_MAX_CHAN_STATE == 10, "TIME_WAIT is the last RFC 9293 state");
static_assert(XTCP_CTL_STATS_MAX_ENTRIES >= 256, "a stats page holds 256 entries");
static_assert(sizeof(xtcp_ctl_stats_reply) +
                  XTCP_CTL_STATS_MAX_ENTRIES * sizeof(xtcp_ctl_stat_entry) <=
                  XTCP_CTL_MAX_MESSAGE,
              "a full stats page fits in one datagram");
#else
_Static_assert(sizeof(struct xtcp_ctl_header) == 16, "control header layout");
_Static_assert(sizeof(struct xtcp_ctl_stat_entry) == 56, "stat entry layout");
_Static_assert(sizeof(struct xtcp_ctl_stats_reply) == 56, "stats reply layout");
_Static_assert(sizeof(struct xtcp_ctl_conn_reply) == 80, "conn reply layout");
_Static_assert(sizeof(struct xtcp_ctl_option) == 96, "option layout");
#endif

#endif /* XTCP_CONTROL_H */
