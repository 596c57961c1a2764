// Readiness translation between epoll/poll bits and libxtcp's XTCP_POLL*
// bits, and the edge-triggered bookkeeping of one epoll registration. Pure
// functions: unit-tested without a daemon.
#pragma once

#include <sys/epoll.h>

#include <cstdint>

namespace xtcp::preload {

// What to ask xtcp_wait_prepare for, from EPOLLIN/EPOLLOUT (POLLIN/POLLOUT
// have the same values).
short xtcp_interest(uint32_t events);

// xtcp readiness -> epoll bits for a registration asking `events`. ERR and
// HUP are reported whatever was asked, as epoll(7) does; HUP also carries
// EPOLLIN (read returns 0) and EPOLLRDHUP when asked.
uint32_t epoll_bits(short xtcp_ready, uint32_t events);

// EPOLLET on an xtcp descriptor: report when a bit turns on that was not
// on at the last report, when the daemon signalled the descriptor (new
// data, a new connection), when the app drained a direction to EAGAIN
// since (its generation counter moved), or when something arrived since
// the last report (bytes delivered or the state word changed) while the
// direction stayed readable. The last is the kernel's rule (epoll(7): an
// edge per arrival): an app that reads a request without draining to
// EAGAIN, as nginx does after a short read, must still hear of the next
// request even if it came before the app looked again.
struct EdgeState {
  uint32_t reported = 0;
  uint32_t in_gen = 0;
  uint32_t out_gen = 0;
  uint64_t rx_delivered = 0;
  uint64_t state = 0;
};

// What the descriptor has seen so far (fd_table's Sock and libxtcp's
// xtcp_progress; listeners have no progress and pass zeros).
struct EdgeCounters {
  uint32_t in_gen = 0;
  uint32_t out_gen = 0;
  uint64_t rx_delivered = 0;
  uint64_t state = 0;
};

// Returns the bits to report now (0: no edge) and updates `st`.
uint32_t edge_report(EdgeState& st, uint32_t ready, bool signalled, const EdgeCounters& now);

}  // namespace xtcp::preload
