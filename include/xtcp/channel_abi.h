/* SPDX-License-Identifier: MIT */
/*
 * channel_abi.h: the per-connection shared-memory channel between xtcpd and
 * an application (docs/daemon-design.md, "Shared-memory channel").
 *
 * One memfd per connection, created and sealed by the daemon (it cannot
 * shrink or grow), passed to the app over the control socket (SCM_RIGHTS):
 *
 *   offset 0              header page (struct xtcp_chan_header, 4096 bytes)
 *   offset rx_offset      receive ring: daemon -> app, rx_size bytes
 *   offset tx_offset      send ring:    app -> daemon, tx_size bytes
 *
 * rx_offset = 4096, tx_offset = 4096 + rx_size, total_size = 4096 + rx_size
 * + tx_size. Both ring sizes are powers of two between XTCP_CHAN_RING_MIN
 * and XTCP_CHAN_RING_MAX, so both rings are page aligned.
 *
 * Rings are byte-granular. Indices are free-running 64-bit byte counts that
 * never wrap in practice (2^64 bytes); a byte at index i lives at ring
 * offset i & (size - 1); prod - cons is the number of bytes in the ring, so
 * full and empty differ.
 *
 * Access rules. Every shared field is a naturally aligned plain integer that
 * both sides access only atomically: C11 code with __atomic_load_n /
 * __atomic_store_n (or through an _Atomic-qualified pointer of the same
 * size), C++ with std::atomic_ref. Each field has exactly one writer:
 *
 *   field              writer  store     reader loads
 *   rx.prod            daemon  release   app: acquire (then reads the bytes)
 *   rx.cons            app     release   daemon: acquire (then reuses space)
 *   tx.prod            app     release   daemon: acquire (then reads bytes)
 *   tx.cons            daemon  release   app: acquire (then reuses space)
 *   events             daemon  release   app: acquire
 *   daemon_wants_kick  daemon  relaxed + seq_cst fence (see below)
 *   app_flags          app     release   daemon: acquire, BEFORE tx.prod, so
 *                                        a seen shutdown implies the final
 *                                        tx.prod is seen too
 *   app_wants_wake     app     relaxed + seq_cst fence (see below)
 *
 * The layout fields of line 0 are written once by the daemon before the fd
 * leaves it and never change. The daemon never reads back anything the app
 * can write except the app-written fields above, and treats those as
 * untrusted: it loads each once per pass and validates it (monotonic, and
 * within ring size of the other index of the pair).
 *
 * Waker suppression (event-index style, no lost wakeups):
 *   app -> daemon:  store tx.prod / rx.cons / app_flags; seq_cst fence; load
 *     daemon_wants_kick; write the connection's kick eventfd only if it is
 *     non-zero and differs from the value this side last kicked for (one
 *     kick per arm, however many messages follow before the daemon runs).
 *     The daemon arms only after consuming all it saw: it stores a new odd
 *     value (arm count << 1 | 1), issues a seq_cst fence and re-reads
 *     tx.prod, rx.cons and app_flags: any change means work arrived
 *     meanwhile and it must not sleep. On wake-up it stores 0 and fences
 *     before its next pass, so a publish that saw the old armed value and
 *     did not kick is seen by that pass.
 *   daemon -> app:  the mirror image with app_wants_wake. The app stores a
 *     new odd value before it blocks, fences, re-checks the rings and
 *     events, sleeps only if nothing is ready, and stores 0 + fences on
 *     wake. The daemon, after publishing rx.prod / tx.cons / events, fences,
 *     loads app_wants_wake and writes the app's notify eventfd only if it is
 *     non-zero and new.
 * The fence pairs make it impossible for both sides to miss each other
 * (store-buffer litmus test): a busy connection costs no syscall per message.
 * A reader must not rely on the value beyond "zero / non-zero and changed":
 * a hostile app may write anything there, costing the daemon at most one
 * eventfd write per publication.
 *
 * Plain C11 (usable from libxtcp's C API); C++ gets static_asserts.
 */
#ifndef XTCP_CHANNEL_ABI_H
#define XTCP_CHANNEL_ABI_H

#include <stddef.h>
#include <stdint.h>

#define XTCP_CHAN_MAGIC 0x4e484358u /* "XCHN" read as little-endian bytes */
#define XTCP_CHAN_VERSION 1
#define XTCP_CHAN_HEADER_SIZE 4096u
#define XTCP_CHAN_CACHELINE 64u
#define XTCP_CHAN_RING_MIN 4096ull        /* one page */
#define XTCP_CHAN_RING_MAX (1ull << 30)   /* 1 GiB per direction */

/* events (daemon-written): flags, an errno-style code and the TCP state. */
#define XTCP_CHAN_EV_ESTABLISHED (1ull << 0) /* handshake completed (sticky) */
#define XTCP_CHAN_EV_PEER_FIN (1ull << 1)    /* peer's FIN: no data after rx.prod */
#define XTCP_CHAN_EV_ERROR (1ull << 2)       /* connection failed: see errno field */
#define XTCP_CHAN_EV_CLOSED (1ull << 3)      /* daemon is done with this channel */
#define XTCP_CHAN_EV_ERRNO_SHIFT 16
#define XTCP_CHAN_EV_ERRNO_MASK 0xffffull /* positive errno, e.g. ECONNRESET */
#define XTCP_CHAN_EV_STATE_SHIFT 32
#define XTCP_CHAN_EV_STATE_MASK 0xffull /* enum xtcp_chan_state */

/* RFC 9293 section 3.3.2 states, in the RFC's order (ABI: never renumber). */
enum xtcp_chan_state {
  XTCP_CHAN_STATE_CLOSED = 0,
  XTCP_CHAN_STATE_LISTEN = 1,
  XTCP_CHAN_STATE_SYN_SENT = 2,
  XTCP_CHAN_STATE_SYN_RECEIVED = 3,
  XTCP_CHAN_STATE_ESTABLISHED = 4,
  XTCP_CHAN_STATE_FIN_WAIT_1 = 5,
  XTCP_CHAN_STATE_FIN_WAIT_2 = 6,
  XTCP_CHAN_STATE_CLOSE_WAIT = 7,
  XTCP_CHAN_STATE_CLOSING = 8,
  XTCP_CHAN_STATE_LAST_ACK = 9,
  XTCP_CHAN_STATE_TIME_WAIT = 10
};

/* app_flags (app-written requests; the app kicks afterwards if asked to). */
#define XTCP_CHAN_APP_SHUTDOWN_WR (1u << 0) /* FIN after the last tx byte */
#define XTCP_CHAN_APP_CLOSE (1u << 1)       /* app closed its end */
/* TCP_NODELAY (Nagle off, RFC 9293 3.7.4) while set. A flag rather than a
 * control request: setting it on every new connection costs no round trip
 * to the daemon, and it applies before the bytes written after it. */
#define XTCP_CHAN_APP_NODELAY (1u << 2)

/* One index on a cache line of its own: no false sharing between writers. */
struct xtcp_chan_index {
  uint64_t value;
  uint8_t pad[XTCP_CHAN_CACHELINE - 8];
};

struct xtcp_chan_ring_indices {
  struct xtcp_chan_index prod;
  struct xtcp_chan_index cons;
};

struct xtcp_chan_header {
  /* Line 0: layout, immutable once the fd is passed (daemon-written). */
  uint32_t magic;          /* XTCP_CHAN_MAGIC */
  uint16_t version;        /* XTCP_CHAN_VERSION */
  uint16_t cacheline_size; /* XTCP_CHAN_CACHELINE */
  uint32_t header_size;    /* XTCP_CHAN_HEADER_SIZE */
  uint32_t reserved0;      /* zero */
  uint64_t rx_offset;      /* XTCP_CHAN_HEADER_SIZE */
  uint64_t rx_size;        /* power of two */
  uint64_t tx_offset;      /* rx_offset + rx_size */
  uint64_t tx_size;        /* power of two */
  uint64_t total_size;     /* tx_offset + tx_size == the memfd's size */
  uint8_t pad0[8];

  /* Lines 1-4: ring indices, one per line. */
  struct xtcp_chan_ring_indices rx; /* prod: daemon, cons: app */
  struct xtcp_chan_ring_indices tx; /* prod: app, cons: daemon */

  /* Line 5: daemon-written state. */
  uint64_t events;            /* XTCP_CHAN_EV_* */
  uint64_t daemon_wants_kick; /* 0: looking; else armed, new odd value per arm */
  uint8_t pad5[XTCP_CHAN_CACHELINE - 16];

  /* Line 6: app-written state. */
  uint32_t app_flags;      /* XTCP_CHAN_APP_* */
  uint32_t reserved1;      /* zero */
  uint64_t app_wants_wake; /* 0: awake; else sleeping, new odd value per sleep */
  uint8_t pad6[XTCP_CHAN_CACHELINE - 16];

  uint8_t reserved_tail[XTCP_CHAN_HEADER_SIZE - 7 * XTCP_CHAN_CACHELINE];
};

static inline uint64_t xtcp_chan_events_errno(uint64_t ev) {
  return (ev >> XTCP_CHAN_EV_ERRNO_SHIFT) & XTCP_CHAN_EV_ERRNO_MASK;
}

static inline uint64_t xtcp_chan_events_state(uint64_t ev) {
  return (ev >> XTCP_CHAN_EV_STATE_SHIFT) & XTCP_CHAN_EV_STATE_MASK;
}

#ifdef __cplusplus
static_assert(sizeof(xtcp_chan_index) == XTCP_CHAN_CACHELINE, "index line layout");
static_assert(sizeof(xtcp_chan_header) == XTCP_CHAN_HEADER_SIZE, "header is one page");
static_assert(offsetof(xtcp_chan_header, rx_offset) == 16, "header layout");
static_assert(offsetof(xtcp_chan_header, total_size) == 48, "header layout");
static_assert(offsetof(xtcp_chan_header, rx) == 1 * XTCP_CHAN_CACHELINE, "rx.prod on line 1");
static_assert(offsetof(xtcp_chan_header, rx.cons) == 2 * XTCP_CHAN_CACHELINE, "rx.cons on line 2");
static_assert(offsetof(xtcp_chan_header, tx) == 3 * XTCP_CHAN_CACHELINE, "tx.prod on line 3");
static_assert(offsetof(xtcp_chan_header, tx.cons) == 4 * XTCP_CHAN_CACHELINE, "tx.cons on line 4");
static_assert(offsetof(xtcp_chan_header, events) == 5 * XTCP_CHAN_CACHELINE, "daemon line");
static_assert(offsetof(xtcp_chan_header, daemon_wants_kick) == 5 * XTCP_CHAN_CACHELINE + 8,
              "daemon line");
static_assert(offsetof(xtcp_chan_header, app_flags) == 6 * XTCP_CHAN_CACHELINE, "app line");
static_assert(offsetof(xtcp_chan_header, app_wants_wake) == 6 * XTCP_CHAN_CACHELINE + 8,
              "app line");
static_assert((XTCP_CHAN_RING_MIN & (XTCP_CHAN_RING_MIN - 1)) == 0, "ring min is a power of two");
static_assert(XTCP_CHAN_RING_MIN % XTCP_CHAN_HEADER_SIZE == 0, "rings stay page aligned");
#endif

#endif /* XTCP_CHANNEL_ABI_H */
