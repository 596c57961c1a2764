// ChannelMemory: each connection's rings live in an app-mappable memfd
// channel of the configured sizes; a daemon-wide MemoryBudget bounds them
// all; tokens name a slab entry and its generation, so a stale one (a kick
// reported after release) never reaches a reused entry.
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "client/app_channel.h"
#include "daemon/channel_memory.h"

using xtcp::client::AppChannel;
using xtcp::client::ChannelOpenError;
using xtcp::daemon::ChannelMemory;
using xtcp::daemon::MemoryBudget;
namespace tcp = xtcp::tcp;
namespace wire = xtcp::wire;

namespace {

constexpr uint32_t kRx = 8192;
constexpr uint32_t kTx = 16384;
constexpr uint64_t kPerChannel = uint64_t{kRx} + kTx + XTCP_CHAN_HEADER_SIZE;

tcp::FourTuple tuple(uint16_t port) {
  return tcp::FourTuple{wire::IpAddress::v4(10, 77, 0, 2), port, wire::IpAddress::v4(10, 77, 0, 1),
                        5201};
}

// Tokens whose kick eventfd is readable now (epoll data).
std::vector<uint64_t> kicked(int epfd) {
  epoll_event evs[8];
  const int n = epoll_wait(epfd, evs, 8, 0);
  std::vector<uint64_t> out;
  for (int i = 0; i < n; ++i) out.push_back(evs[i].data.u64);
  return out;
}

}  // namespace

TEST_CASE("acquire gives rings of the configured sizes in a channel the app can open",
          "[channel_memory]") {
  MemoryBudget budget(1u << 20);
  ChannelMemory cm(3, kRx, kTx, budget);
  REQUIRE(cm.ok());
  CHECK(cm.bytes_per_channel() == kPerChannel);
  auto lease = cm.acquire(tuple(40000));
  REQUIRE(lease);
  CHECK(lease->mem.rx.size() == kRx);
  CHECK(lease->mem.tx.size() == kTx);
  CHECK(cm.live() == 1);
  CHECK(budget.used.load() == kPerChannel);

  const auto* conn = cm.get(lease->token);
  REQUIRE(conn != nullptr);
  REQUIRE(*conn);
  CHECK((*conn)->tuple == tuple(40000));
  CHECK((*conn)->shard == 3);
  CHECK((*conn)->ch.total_size() == kPerChannel);

  // The app's side validates the header and sees the same sizes.
  ChannelOpenError err = ChannelOpenError::kNone;
  auto app = AppChannel::open((*conn)->ch.fd(), &err);
  INFO(xtcp::client::describe(err));
  REQUIRE(app);
  CHECK(app->rx_size() == kRx);
  CHECK(app->tx_size() == kTx);

  // The engine's rx ring is the app's: bytes put there and published are
  // what the app reads.
  const char msg[] = "hello through the memfd";
  std::memcpy(lease->mem.rx.data(), msg, sizeof msg);
  REQUIRE((*conn)->ch.publish_rx(sizeof msg));
  char got[64] = {};
  CHECK(app->read({reinterpret_cast<uint8_t*>(got), sizeof got}) == sizeof msg);
  CHECK(std::string(got) == msg);
  // And the other way: what the app writes lands in the engine's tx ring.
  const uint8_t out[4] = {9, 8, 7, 6};
  CHECK(app->write(out) == 4);
  CHECK(std::memcmp(lease->mem.tx.data(), out, 4) == 0);
}

TEST_CASE("the memory budget refuses past its max and gets it back on release",
          "[channel_memory]") {
  MemoryBudget budget(3 * kPerChannel);
  std::optional<uint64_t> first;
  {
    ChannelMemory cm(0, kRx, kTx, budget);
    std::vector<uint64_t> tokens;
    for (uint16_t i = 0; i < 3; ++i) {
      auto l = cm.acquire(tuple(static_cast<uint16_t>(40000 + i)));
      REQUIRE(l);
      tokens.push_back(l->token);
    }
    CHECK(budget.used.load() == 3 * kPerChannel);
    CHECK_FALSE(cm.acquire(tuple(40010)));
    CHECK(cm.refused() == 1);
    CHECK(cm.live() == 3);
    CHECK(budget.used.load() == 3 * kPerChannel);  // a refusal takes nothing

    cm.release(tokens[1]);
    CHECK(cm.live() == 2);
    CHECK(budget.used.load() == 2 * kPerChannel);
    CHECK(cm.acquire(tuple(40011)));
    CHECK(budget.used.load() == 3 * kPerChannel);

    // Another shard shares the budget: nothing left for it either.
    ChannelMemory other(1, kRx, kTx, budget);
    CHECK_FALSE(other.acquire(tuple(40012)));
    CHECK(other.refused() == 1);
  }
  // The shard's memory went away with live channels: all given back.
  CHECK(budget.used.load() == 0);
  CHECK(budget.take(3 * kPerChannel));
  CHECK_FALSE(budget.take(1));
  budget.give(3 * kPerChannel);
  CHECK(budget.used.load() == 0);
}

TEST_CASE("a stale token is not found and reused slots get new tokens", "[channel_memory]") {
  MemoryBudget budget(1u << 20);
  ChannelMemory cm(0, kRx, kTx, budget);
  auto a = cm.acquire(tuple(40000));
  REQUIRE(a);
  const uint64_t old_token = a->token;
  cm.release(old_token);
  CHECK(cm.get(old_token) == nullptr);
  CHECK(cm.live() == 0);
  CHECK(budget.used.load() == 0);

  auto b = cm.acquire(tuple(40001));  // takes the freed slot
  REQUIRE(b);
  CHECK(b->token != old_token);
  CHECK(cm.get(old_token) == nullptr);
  REQUIRE(cm.get(b->token) != nullptr);
  CHECK((*cm.get(b->token))->tuple == tuple(40001));

  // Releasing the stale token again frees nothing of the new owner.
  cm.release(old_token);
  CHECK(cm.live() == 1);
  CHECK(cm.get(b->token) != nullptr);
  CHECK(budget.used.load() == kPerChannel);
  // A token of a slot that never existed.
  CHECK(cm.get(uint64_t{99}) == nullptr);
  cm.release(99);
  CHECK(cm.live() == 1);
}

TEST_CASE("a kick on a channel's eventfd reports its token on the epoll set, until released",
          "[channel_memory]") {
  MemoryBudget budget(1u << 20);
  ChannelMemory cm(0, kRx, kTx, budget);
  auto a = cm.acquire(tuple(40000));
  auto b = cm.acquire(tuple(40001));
  REQUIRE(a);
  REQUIRE(b);
  CHECK(kicked(cm.epoll_fd()).empty());
  const auto conn_b = *cm.get(b->token);  // the control thread may hold it
  REQUIRE(conn_b->kick.signal() == 0);
  CHECK(kicked(cm.epoll_fd()) == std::vector<uint64_t>{b->token});
  cm.release(b->token);
  CHECK(kicked(cm.epoll_fd()).empty());  // no longer watched
  REQUIRE((*cm.get(a->token))->kick.signal() == 0);
  CHECK(kicked(cm.epoll_fd()) == std::vector<uint64_t>{a->token});
}

// Spares made in idle passes: a connection takes one instead of creating
// its channel on the SYN path; each is handed out once, and a released
// channel (which an app may still have mapped) never becomes a spare.
TEST_CASE("spare channels are fresh, used once, bounded and take no budget", "[channel_memory]") {
  MemoryBudget budget(1u << 20);
  ChannelMemory cm(0, kRx, kTx, budget);
  size_t made = 0;
  while (cm.top_up_spares()) ++made;
  CHECK(made == ChannelMemory::kSpares);
  CHECK_FALSE(cm.top_up_spares());  // full: no more descriptors taken
  CHECK(budget.used.load() == 0);
  CHECK(cm.live() == 0);

  std::vector<int> memfds;
  std::vector<uint64_t> tokens;
  for (size_t i = 0; i < ChannelMemory::kSpares + 2; ++i) {  // past the spares: created inline
    auto l = cm.acquire(tuple(static_cast<uint16_t>(41000 + i)));
    REQUIRE(l);
    tokens.push_back(l->token);
    const auto& conn = *cm.get(l->token);
    memfds.push_back(conn->ch.fd());
    // Every channel is distinct memory and starts empty.
    CHECK(conn->ch.total_size() == kPerChannel);
    for (size_t j = 0; j + 1 < memfds.size(); ++j) CHECK(memfds[j] != memfds.back());
  }
  CHECK(budget.used.load() == (ChannelMemory::kSpares + 2) * kPerChannel);

  // Released channels are closed, not kept: the next spare is a new memfd
  // (the kernel may reuse the descriptor number, so compare the inode).
  struct stat before{};
  const auto held = *cm.get(tokens[0]);  // as the control thread would hold it
  REQUIRE(fstat(held->ch.fd(), &before) == 0);
  cm.release(tokens[0]);
  REQUIRE(cm.top_up_spares());
  auto next = cm.acquire(tuple(42000));
  REQUIRE(next);
  struct stat after{};
  REQUIRE(fstat((*cm.get(next->token))->ch.fd(), &after) == 0);
  CHECK(after.st_ino != before.st_ino);
}
