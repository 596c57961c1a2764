// Channel creation: header contents, ring placement, C/C++ layout agreement,
// size validation, and the seals that keep a hostile app from resizing the
// memfd under the daemon's mapping.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>

#include "channel_fixture.h"

extern "C" size_t xtcp_test_c_header_size(void);
extern "C" size_t xtcp_test_c_tx_cons_offset(void);
extern "C" size_t xtcp_test_c_app_wake_offset(void);

using xtcp::daemon::ChannelError;
using xtcp::daemon::DaemonChannel;

TEST_CASE("C and C++ see the same channel header layout", "[channel][abi]") {
  CHECK(xtcp_test_c_header_size() == sizeof(xtcp_chan_header));
  CHECK(xtcp_test_c_tx_cons_offset() == offsetof(xtcp_chan_header, tx.cons));
  CHECK(xtcp_test_c_app_wake_offset() == offsetof(xtcp_chan_header, app_wants_wake));
}

TEST_CASE("create fills the header and places the rings after it", "[channel]") {
  auto ch = DaemonChannel::create(64 * 1024, 16 * 1024);
  REQUIRE(ch);
  struct stat st {};
  REQUIRE(fstat(ch->fd(), &st) == 0);
  CHECK(st.st_size == 4096 + 64 * 1024 + 16 * 1024);
  CHECK(ch->total_size() == size_t(st.st_size));
  CHECK(ch->rx_ring().size() == 64 * 1024);
  CHECK(ch->tx_ring().size() == 16 * 1024);

  xtcp::test::RawHeader h(ch->fd());
  REQUIRE(h.ok());
  CHECK(h->magic == XTCP_CHAN_MAGIC);
  CHECK(h->version == XTCP_CHAN_VERSION);
  CHECK(h->header_size == 4096);
  CHECK(h->cacheline_size == 64);
  CHECK(h->rx_offset == 4096);
  CHECK(h->rx_size == 64 * 1024);
  CHECK(h->tx_offset == 4096 + 64 * 1024);
  CHECK(h->tx_size == 16 * 1024);
  CHECK(h->total_size == uint64_t(st.st_size));
  CHECK(h->rx.prod.value == 0);
  CHECK(h->tx.prod.value == 0);
  CHECK(h->events == 0);
  CHECK(h->daemon_wants_kick == 0);

  // The spans are the memfd's bytes at the ABI offsets: a byte written by
  // the daemon into its rx span shows at rx_offset in the file.
  ch->rx_ring()[5] = 0xab;
  ch->tx_ring()[7] = 0xcd;
  uint8_t b = 0;
  REQUIRE(pread(ch->fd(), &b, 1, 4096 + 5) == 1);
  CHECK(b == 0xab);
  REQUIRE(pread(ch->fd(), &b, 1, 4096 + 64 * 1024 + 7) == 1);
  CHECK(b == 0xcd);
}

TEST_CASE("create refuses ring sizes the ABI does not allow", "[channel]") {
  ChannelError err;
  CHECK_FALSE(DaemonChannel::create(3 * 4096, 4096, &err));
  CHECK(err.code == -EINVAL);
  CHECK(err.message.find("powers of two") != std::string::npos);
  CHECK_FALSE(DaemonChannel::create(4096, 2048, &err));
  CHECK_FALSE(DaemonChannel::create(4096, size_t(1) << 31, &err));
  CHECK_FALSE(DaemonChannel::create(0, 4096, &err));
  CHECK(DaemonChannel::create(4096, 4096, &err));
}

TEST_CASE("the app cannot resize or reseal the channel memfd", "[channel][seal]") {
  auto ch = DaemonChannel::create(4096, 4096);
  REQUIRE(ch);
  const int app_fd = xtcp::test::pass_fd(ch->fd());
  REQUIRE(app_fd >= 0);

  const int seals = fcntl(app_fd, F_GET_SEALS);
  CHECK((seals & F_SEAL_SHRINK) != 0);
  CHECK((seals & F_SEAL_GROW) != 0);
  CHECK((seals & F_SEAL_SEAL) != 0);

  errno = 0;
  CHECK(ftruncate(app_fd, 4096) == -1);  // shrink would SIGBUS the daemon
  CHECK(errno == EPERM);
  errno = 0;
  CHECK(ftruncate(app_fd, 0) == -1);
  CHECK(errno == EPERM);
  errno = 0;
  CHECK(ftruncate(app_fd, 1 << 20) == -1);
  CHECK(errno == EPERM);
  errno = 0;
  CHECK(fcntl(app_fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE) == -1);
  CHECK(errno == EPERM);

  struct stat st {};
  REQUIRE(fstat(ch->fd(), &st) == 0);
  CHECK(st.st_size == 3 * 4096);
  // The daemon's mapping still works after the attempts.
  ch->tx_ring()[4095] = 1;
  CHECK(ch->tx_ring()[4095] == 1);
  close(app_fd);
}

TEST_CASE("a moved channel keeps the mapping and the fd", "[channel]") {
  auto ch = DaemonChannel::create(4096, 4096);
  REQUIRE(ch);
  const int fd = ch->fd();
  DaemonChannel moved = std::move(*ch);
  CHECK(moved.fd() == fd);
  CHECK(ch->fd() == -1);
  moved.rx_ring()[0] = 9;
  CHECK(moved.publish_rx(1));
  CHECK(moved.rx_prod() == 1);
}
