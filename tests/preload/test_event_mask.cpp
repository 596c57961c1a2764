// Readiness translation and edge-triggered reporting (event_mask.h).
#include <catch2/catch.hpp>

#include "preload/event_mask.h"
#include "xtcp/xtcp.h"

using namespace xtcp::preload;

TEST_CASE("epoll interest becomes xtcp interest", "[preload][events]") {
  CHECK(xtcp_interest(EPOLLIN) == XTCP_POLLIN);
  CHECK(xtcp_interest(EPOLLOUT) == XTCP_POLLOUT);
  CHECK(xtcp_interest(EPOLLIN | EPOLLOUT | EPOLLET) == (XTCP_POLLIN | XTCP_POLLOUT));
  CHECK(xtcp_interest(EPOLLRDHUP) == XTCP_POLLIN);
  CHECK(xtcp_interest(EPOLLET) == 0);
}

TEST_CASE("xtcp readiness becomes epoll bits as epoll(7) reports them", "[preload][events]") {
  CHECK(epoll_bits(XTCP_POLLIN, EPOLLIN) == EPOLLIN);
  CHECK(epoll_bits(XTCP_POLLIN | XTCP_POLLOUT, EPOLLIN) == EPOLLIN);  // OUT not asked
  CHECK(epoll_bits(XTCP_POLLOUT, EPOLLIN | EPOLLOUT) == EPOLLOUT);
  // ERR and HUP whatever was asked; HUP makes a reader see EOF.
  CHECK(epoll_bits(XTCP_POLLERR, 0) == EPOLLERR);
  CHECK(epoll_bits(XTCP_POLLHUP, EPOLLOUT) == EPOLLHUP);
  CHECK(epoll_bits(XTCP_POLLHUP, EPOLLIN | EPOLLRDHUP) == (EPOLLHUP | EPOLLIN | EPOLLRDHUP));
  CHECK(epoll_bits(0, EPOLLIN | EPOLLOUT) == 0);
}

TEST_CASE("EPOLLET reports an edge once, and again after EAGAIN or a signal", "[preload][events]") {
  EdgeState st;
  // Data arrives: one report.
  CHECK(edge_report(st, EPOLLIN, false, {.in_gen = 0, .out_gen = 0}) == EPOLLIN);
  CHECK(edge_report(st, EPOLLIN, false, {.in_gen = 0, .out_gen = 0}) == 0);
  // Writable too: a new bit is an edge; the report carries the whole mask.
  CHECK(edge_report(st, EPOLLIN | EPOLLOUT, false, {.in_gen = 0, .out_gen = 0}) == (EPOLLIN | EPOLLOUT));
  CHECK(edge_report(st, EPOLLIN | EPOLLOUT, false, {.in_gen = 0, .out_gen = 0}) == 0);
  // The app read until EAGAIN (in_gen moved) and more data is there.
  CHECK(edge_report(st, EPOLLIN | EPOLLOUT, false, {.in_gen = 1, .out_gen = 0}) == (EPOLLIN | EPOLLOUT));
  CHECK(edge_report(st, EPOLLIN | EPOLLOUT, false, {.in_gen = 1, .out_gen = 0}) == 0);
  // The daemon signalled the descriptor (new data): an edge.
  CHECK(edge_report(st, EPOLLIN | EPOLLOUT, true, {.in_gen = 1, .out_gen = 0}) == (EPOLLIN | EPOLLOUT));
  // A bit that went off and comes back is an edge again.
  CHECK(edge_report(st, EPOLLOUT, false, {.in_gen = 1, .out_gen = 0}) == 0);
  CHECK(edge_report(st, EPOLLIN | EPOLLOUT, false, {.in_gen = 1, .out_gen = 0}) == (EPOLLIN | EPOLLOUT));
  // Nothing ready: nothing reported, even when signalled.
  EdgeState idle;
  CHECK(edge_report(idle, 0, true, {.in_gen = 0, .out_gen = 0}) == 0);
}

// nginx after a short read: it read the whole request, did not drain to
// EAGAIN, answered, and the next request arrived before it called
// epoll_wait again (the shim never saw the ring empty). The kernel reports
// that arrival; so must the shim, or the keep-alive connection hangs.
TEST_CASE("EPOLLET reports every arrival while readable, as the kernel does", "[preload][events]") {
  EdgeState st;
  const uint32_t rw = EPOLLIN | EPOLLOUT;
  CHECK(edge_report(st, rw, false, {.rx_delivered = 43}) == rw);  // request 1
  CHECK(edge_report(st, rw, false, {.rx_delivered = 43}) == 0);   // nothing new
  CHECK(edge_report(st, rw, false, {.rx_delivered = 86}) == rw);  // request 2, unseen gap
  CHECK(edge_report(st, rw, false, {.rx_delivered = 86}) == 0);
  // Writable only, nothing arrived: no edge for a bit that stayed on.
  CHECK(edge_report(st, EPOLLOUT, false, {.rx_delivered = 86}) == 0);
  CHECK(edge_report(st, EPOLLOUT, false, {.rx_delivered = 86}) == 0);
  // The state word changed (the peer's FIN): every ready bit is news.
  CHECK(edge_report(st, EPOLLOUT | EPOLLIN, false, {.rx_delivered = 86, .state = 5}) == (EPOLLOUT | EPOLLIN));
  CHECK(edge_report(st, EPOLLOUT | EPOLLIN, false, {.rx_delivered = 86, .state = 5}) == 0);
}
