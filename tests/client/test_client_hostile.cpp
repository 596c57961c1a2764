// A hostile or faulty daemon: every malformed reply is refused with
// EPROTO (or ECONNRESET when it hangs up), nothing crashes, no descriptor
// leaks, and the broken session refuses further requests.
#include <catch2/catch.hpp>
#include <string>

#include "client_fixture.h"

using namespace xtcp::test;

TEST_CASE("malformed replies from a hostile daemon are refused without leaks", "[client][hostile]") {
  const std::pair<Hostile, int> cases[] = {
      {Hostile::kTruncated, EPROTO},  {Hostile::kWrongSeq, EPROTO},
      {Hostile::kWrongType, EPROTO},  {Hostile::kMissingFds, EPROTO},
      {Hostile::kBadMemfd, EPROTO},   {Hostile::kBadFamily, EPROTO},
      {Hostile::kGarbage, EPROTO},    {Hostile::kOversized, EPROTO},
      {Hostile::kHangUp, ECONNRESET},
  };
  for (auto [mode, want] : cases) {
    INFO("hostile mode " << static_cast<int>(mode));
    const size_t fds_before = open_fds();  // fake included: same process
    {
    FakeDaemon fake;
    xtcp_ctx* ctx = xtcp_open(fake.path().c_str());
    REQUIRE(ctx != nullptr);
    fake.set_hostile(mode);
    CHECK(connect_one(ctx) == -1);
    CHECK(errno == want);
    CHECK(std::string(xtcp_last_error()).size() > 10);
    if (mode != Hostile::kBadMemfd) {
      // The session is out of step: later requests are refused, not misread.
      CHECK(connect_one(ctx) == -1);
      CHECK(errno == ENOTCONN);
    }
    xtcp_close_ctx(ctx);
    }
    CHECK(open_fds() == fds_before);
  }
}

TEST_CASE("a corrupt ring index from the daemon cannot make recv read out of bounds",
          "[client][hostile]") {
  FakeDaemon fake;
  xtcp_ctx* ctx = xtcp_open(fake.path().c_str());
  REQUIRE(ctx != nullptr);
  const int s = connect_one(ctx);
  REQUIRE(s >= 0);
  auto c = fake.conn(0);
  REQUIRE(c);
  // rx.prod far beyond the ring: the library must treat the ring as empty.
  RawHeaderWriter(c->ch.fd()).set_rx_prod(1ull << 40);
  uint8_t b[64];
  CHECK(xtcp_recv(ctx, s, b, sizeof b, 0) == -1);
  CHECK(errno == EAGAIN);
  xtcp_close_ctx(ctx);
}
