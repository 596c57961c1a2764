// The app side maps only a channel whose header matches the ABI and whose
// file size matches the header; anything else is refused with a clear
// sentence.
#include <sys/mman.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <functional>
#include <string>

#include "channel_fixture.h"

using xtcp::client::AppChannel;
using xtcp::client::ChannelOpenError;
using xtcp::client::describe;

namespace {

// A channel memfd whose header `tamper` edits, opened by the app side.
ChannelOpenError open_tampered(const std::function<void(xtcp_chan_header&)>& tamper) {
  auto d = xtcp::daemon::DaemonChannel::create(8192, 4096);
  REQUIRE(d);
  {
    xtcp::test::RawHeader h(d->fd());
    REQUIRE(h.ok());
    tamper(*h.p);
  }
  const int fd = xtcp::test::pass_fd(d->fd());
  REQUIRE(fd >= 0);
  ChannelOpenError err = ChannelOpenError::kNone;
  const bool opened = AppChannel::open(fd, &err).has_value();
  close(fd);
  CHECK(opened == (err == ChannelOpenError::kNone));
  return err;
}

// An unsealed memfd with a copy of a valid header, then resized.
ChannelOpenError open_resized(off_t size) {
  auto d = xtcp::daemon::DaemonChannel::create(4096, 4096);
  REQUIRE(d);
  xtcp_chan_header h;
  REQUIRE(pread(d->fd(), &h, sizeof h, 0) == ssize_t(sizeof h));
  const int fd = memfd_create("fake-channel", MFD_CLOEXEC);
  REQUIRE(fd >= 0);
  REQUIRE(pwrite(fd, &h, sizeof h, 0) == ssize_t(sizeof h));
  REQUIRE(ftruncate(fd, size) == 0);
  ChannelOpenError err = ChannelOpenError::kNone;
  CHECK_FALSE(AppChannel::open(fd, &err));
  close(fd);
  return err;
}

}  // namespace

TEST_CASE("a valid channel opens", "[channel][open]") {
  CHECK(open_tampered([](xtcp_chan_header&) {}) == ChannelOpenError::kNone);
}

TEST_CASE("wrong magic is refused", "[channel][open]") {
  const auto err = open_tampered([](xtcp_chan_header& h) { h.magic = 0x12345678; });
  CHECK(err == ChannelOpenError::kBadMagic);
  CHECK(std::string(describe(err)).find("magic") != std::string::npos);
}

TEST_CASE("another ABI version is refused", "[channel][open]") {
  const auto err = open_tampered([](xtcp_chan_header& h) { h.version = XTCP_CHAN_VERSION + 1; });
  CHECK(err == ChannelOpenError::kBadVersion);
  CHECK(std::string(describe(err)).find("version") != std::string::npos);
}

TEST_CASE("a different header or cache-line size is refused", "[channel][open]") {
  CHECK(open_tampered([](xtcp_chan_header& h) { h.header_size = 8192; }) ==
        ChannelOpenError::kBadLayout);
  CHECK(open_tampered([](xtcp_chan_header& h) { h.cacheline_size = 128; }) ==
        ChannelOpenError::kBadLayout);
}

TEST_CASE("ring sizes outside the ABI are refused", "[channel][open]") {
  CHECK(open_tampered([](xtcp_chan_header& h) { h.rx_size = 6000; }) ==
        ChannelOpenError::kBadRingSize);
  CHECK(open_tampered([](xtcp_chan_header& h) { h.tx_size = 0; }) ==
        ChannelOpenError::kBadRingSize);
  CHECK(open_tampered([](xtcp_chan_header& h) { h.tx_size = uint64_t(1) << 40; }) ==
        ChannelOpenError::kBadRingSize);
  // Valid power of two, but the file is smaller than the header claims.
  CHECK(open_tampered([](xtcp_chan_header& h) {
          h.rx_size = 1 << 20;
          h.tx_offset = 4096 + (1 << 20);
          h.total_size = h.tx_offset + h.tx_size;
        }) == ChannelOpenError::kSizeMismatch);
}

TEST_CASE("ring offsets not where the ABI puts them are refused", "[channel][open]") {
  CHECK(open_tampered([](xtcp_chan_header& h) { h.rx_offset = 0; }) ==
        ChannelOpenError::kBadOffsets);
  CHECK(open_tampered([](xtcp_chan_header& h) { h.tx_offset = 4096; }) ==
        ChannelOpenError::kBadOffsets);
  const auto err = open_tampered([](xtcp_chan_header& h) { h.total_size += 4096; });
  CHECK(err == ChannelOpenError::kSizeMismatch);
  CHECK(std::string(describe(err)).find("size") != std::string::npos);
}

TEST_CASE("a file whose size disagrees with the header is refused", "[channel][open]") {
  CHECK(open_resized(3 * 4096 + 4096) == ChannelOpenError::kSizeMismatch);
  CHECK(open_resized(2 * 4096) == ChannelOpenError::kSizeMismatch);
  CHECK(open_resized(100) == ChannelOpenError::kTooSmall);
}

TEST_CASE("descriptors that are not channels are refused", "[channel][open]") {
  ChannelOpenError err = ChannelOpenError::kNone;
  CHECK_FALSE(AppChannel::open(-1, &err));
  CHECK(err == ChannelOpenError::kStat);
  int p[2];
  REQUIRE(pipe(p) == 0);
  CHECK_FALSE(AppChannel::open(p[0], &err));
  CHECK(err == ChannelOpenError::kTooSmall);
  close(p[0]);
  close(p[1]);
}
