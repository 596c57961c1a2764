// EventFd: non-blocking counter semantics and readiness seen by poll(2).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>

#include "stack/event_fd.h"

namespace xtcp::stack {
namespace {

bool readable(const EventFd& e) {
  pollfd p{e.fd(), POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

TEST_CASE("eventfd: signals add up, drain resets, poll sees readiness", "[eventfd]") {
  EventFd e;
  CHECK_FALSE(e.valid());
  REQUIRE(EventFd::create(e) == 0);
  REQUIRE(e.valid());
  CHECK(::fcntl(e.fd(), F_GETFL) & O_NONBLOCK);
  CHECK(::fcntl(e.fd(), F_GETFD) & FD_CLOEXEC);
  CHECK(e.drain() == 0);  // nothing pending: no block, no error
  CHECK_FALSE(readable(e));
  CHECK(e.signal() == 0);
  CHECK(e.signal() == 0);
  CHECK(e.signal() == 0);
  CHECK(readable(e));
  CHECK(e.drain() == 3);
  CHECK_FALSE(readable(e));
}

TEST_CASE("eventfd: moving transfers ownership and closes the old fd", "[eventfd]") {
  EventFd a, b;
  REQUIRE(EventFd::create(a) == 0);
  REQUIRE(EventFd::create(b) == 0);
  const int old_b = b.fd();
  const int fd_a = a.fd();
  b = std::move(a);
  CHECK(b.fd() == fd_a);
  CHECK_FALSE(a.valid());
  CHECK(::fcntl(old_b, F_GETFD) == -1);  // closed by the assignment
  EventFd c(std::move(b));
  CHECK(c.fd() == fd_a);
  CHECK(c.signal() == 0);
  CHECK(c.drain() == 1);
}

TEST_CASE("eventfd: a closed fd reports -errno", "[eventfd]") {
  EventFd e;
  CHECK(e.signal() < 0);  // fd -1: EBADF
  CHECK(e.drain() < 0);
}

}  // namespace
}  // namespace xtcp::stack
