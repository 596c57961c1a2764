// NeighbourCache (issue 15): a SYN flood from spoofed sources keeps the
// cache at its bound, evicting the least recently used answers; an answer
// in use survives a flood it is looked up during.
#include <catch2/catch.hpp>

#include "stack/neighbour_cache.h"

using namespace xtcp;
using stack::NeighbourCache;

namespace {

wire::IpAddress source(uint32_t n) {
  return wire::IpAddress::v4(10, static_cast<uint8_t>(n >> 16), static_cast<uint8_t>(n >> 8),
                             static_cast<uint8_t>(n));
}

wire::MacAddress mac(uint8_t last) {
  wire::MacAddress m;
  m.bytes = {2, 0, 0, 0, 0, last};
  return m;
}

}  // namespace

TEST_CASE("neighbour cache: a flood of 1,000,000 sources stays within the bound", "[stack][neighbour]") {
  NeighbourCache cache(256, stack::HashKey{1, 2});
  const wire::IpAddress peer = wire::IpAddress::v4(192, 168, 1, 1);
  NeighbourCache::Entry& p = cache.insert(peer);
  p.has_mac = true;
  p.mac = mac(1);
  for (uint32_t i = 0; i < 1'000'000; ++i) {
    cache.insert(source(i));
    if (i % 100 == 0) REQUIRE(cache.find(peer) != nullptr);  // in use: stays
  }
  CHECK(cache.size() == 256);
  CHECK(cache.capacity() == 256);
  CHECK(cache.evictions() == 1'000'000 + 1 - 256);
  NeighbourCache::Entry* again = cache.find(peer);
  REQUIRE(again != nullptr);
  CHECK(again->has_mac);
  CHECK(again->mac == mac(1));
  // The most recent sources are there, an old one was evicted.
  CHECK(cache.find(source(999'999)) != nullptr);
  CHECK(cache.find(source(0)) == nullptr);
}

TEST_CASE("neighbour cache: least recently used goes first", "[stack][neighbour]") {
  NeighbourCache cache(3);
  cache.insert(source(1));
  cache.insert(source(2));
  cache.insert(source(3));
  REQUIRE(cache.find(source(1)) != nullptr);  // 2 is now the oldest
  cache.insert(source(4));
  CHECK(cache.find(source(2)) == nullptr);
  CHECK(cache.find(source(1)) != nullptr);
  CHECK(cache.find(source(3)) != nullptr);
  CHECK(cache.find(source(4)) != nullptr);
  CHECK(cache.size() == 3);
}

TEST_CASE("neighbour cache: insert of a known remote returns its entry", "[stack][neighbour]") {
  NeighbourCache cache(4);
  NeighbourCache::Entry& a = cache.insert(source(7));
  a.has_mac = true;
  a.mac = mac(7);
  NeighbourCache::Entry& b = cache.insert(source(7));
  CHECK(&a == &b);
  CHECK(b.mac == mac(7));
  CHECK(cache.size() == 1);
}

TEST_CASE("neighbour cache: entries by next hop, and clear", "[stack][neighbour]") {
  NeighbourCache cache(8);
  const wire::IpAddress gw = wire::IpAddress::v4(10, 0, 0, 254);
  for (uint32_t i = 1; i <= 3; ++i) cache.insert(source(i)).hop = gw;
  cache.insert(source(9));  // on-link: its own hop
  int via_gw = 0;
  cache.for_each_via(gw, [&](NeighbourCache::Entry& e) {
    ++via_gw;
    e.has_mac = true;
  });
  CHECK(via_gw == 3);
  CHECK(cache.find(source(2))->has_mac);
  CHECK_FALSE(cache.find(source(9))->has_mac);
  cache.clear();
  CHECK(cache.size() == 0);
  CHECK(cache.find(source(1)) == nullptr);
  for (uint32_t i = 0; i < 8; ++i) cache.insert(source(100 + i));
  CHECK(cache.size() == 8);
  CHECK(cache.evictions() == 0);
}

TEST_CASE("neighbour cache: IPv4 and IPv6 keys with the same bytes differ", "[stack][neighbour]") {
  NeighbourCache cache(4);
  wire::IpAddress v4 = wire::IpAddress::v4(1, 2, 3, 4);
  wire::IpAddress v6 = v4;
  v6.family = wire::IpFamily::kV6;
  cache.insert(v4).has_mac = true;
  REQUIRE(cache.find(v6) == nullptr);
  CHECK_FALSE(cache.insert(v6).has_mac);
  CHECK(cache.size() == 2);
}
