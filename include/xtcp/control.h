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
  /* Reserved for the application API (issue 4); not served yet. */
  XTCP_CTL_LISTEN = 16,
  XTCP_CTL_ACCEPT = 17,
  XTCP_CTL_CONNECT = 18,
  XTCP_CTL_SHUTDOWN = 19,
  XTCP_CTL_CLOSE = 20,
  XTCP_CTL_SET_OPTION = 21,
  XTCP_CTL_GET_OPTION = 22,
  XTCP_CTL_RESERVED_LAST = 22,

  XTCP_CTL_ERROR = XTCP_CTL_REPLY_BIT,
  XTCP_CTL_HELLO_REPLY = XTCP_CTL_REPLY_BIT | XTCP_CTL_HELLO,
  XTCP_CTL_STATS_REPLY = XTCP_CTL_REPLY_BIT | XTCP_CTL_STATS_REQUEST
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

/* ERROR: code is a positive errno value; text says what to do. */
#define XTCP_CTL_ERROR_TEXT_LEN 120
struct xtcp_ctl_error {
  struct xtcp_ctl_header hdr;
  int32_t code;          /* e.g. EBADMSG */
  uint16_t request_type; /* type of the offending message, 0 if unknown */
  uint16_t reserved;
  char text[XTCP_CTL_ERROR_TEXT_LEN]; /* NUL-terminated */
};

/* Fixed size of a message type, or 0 for a variable-size/unknown type. */
static inline size_t xtcp_ctl_fixed_size(uint16_t type) {
  switch (type) {
    case XTCP_CTL_HELLO: return sizeof(struct xtcp_ctl_hello);
    case XTCP_CTL_HELLO_REPLY: return sizeof(struct xtcp_ctl_hello_reply);
    case XTCP_CTL_STATS_REQUEST: return sizeof(struct xtcp_ctl_stats_request);
    case XTCP_CTL_ERROR: return sizeof(struct xtcp_ctl_error);
    default: return 0;
  }
}

static inline int xtcp_ctl_type_known(uint16_t type) {
  if (type >= XTCP_CTL_HELLO && type <= XTCP_CTL_RESERVED_LAST)
    return type <= XTCP_CTL_STATS_REQUEST || type >= XTCP_CTL_LISTEN;
  return type == XTCP_CTL_ERROR || type == XTCP_CTL_HELLO_REPLY ||
         type == XTCP_CTL_STATS_REPLY;
}

/* Body size check for one known type; reserved types carry any body. */
static inline int xtcp_ctl_size_ok(const void *buf, uint16_t type, size_t len) {
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
static_assert(XTCP_CTL_STATS_MAX_ENTRIES >= 256, "a stats page holds 256 entries");
static_assert(sizeof(xtcp_ctl_stats_reply) +
                  XTCP_CTL_STATS_MAX_ENTRIES * sizeof(xtcp_ctl_stat_entry) <=
                  XTCP_CTL_MAX_MESSAGE,
              "a full stats page fits in one datagram");
#else
_Static_assert(sizeof(struct xtcp_ctl_header) == 16, "control header layout");
_Static_assert(sizeof(struct xtcp_ctl_stat_entry) == 56, "stat entry layout");
_Static_assert(sizeof(struct xtcp_ctl_stats_reply) == 56, "stats reply layout");
#endif

#endif /* XTCP_CONTROL_H */
