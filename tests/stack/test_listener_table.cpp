// ListenerTable: exact local address beats the wildcard of its family; the
// families do not mix; erase falls back to the remaining entry.
#include <catch2/catch.hpp>

#include <map>
#include <random>

#include "stack/listener_table.h"

namespace xtcp::stack {
namespace {

using wire::IpAddress;
using wire::IpFamily;

IpAddress v6(uint8_t last) {
  uint8_t b[16] = {0xfd, 0x77};
  b[15] = last;
  return IpAddress::v6_from_bytes(b);
}

TEST_CASE("listener: exact address wins over the wildcard, per port", "[listener]") {
  ListenerTable<int> t(64, HashKey{5, 6});
  const IpAddress a = IpAddress::v4(10, 77, 0, 2);
  const IpAddress b = IpAddress::v4(10, 77, 0, 3);
  REQUIRE(t.insert(wildcard_of(IpFamily::kV4), 80, 1).status == InsertStatus::kInserted);
  REQUIRE(t.insert(a, 80, 2).status == InsertStatus::kInserted);
  REQUIRE(t.insert(a, 443, 3).status == InsertStatus::kInserted);

  CHECK(*t.match(a, 80) == 2);
  CHECK(*t.match(b, 80) == 1);  // no exact entry: wildcard
  CHECK(*t.match(a, 443) == 3);
  CHECK(t.match(b, 443) == nullptr);
  CHECK(t.match(a, 8080) == nullptr);
  CHECK(t.find_exact(b, 80) == nullptr);

  REQUIRE(t.erase(a, 80));
  CHECK(*t.match(a, 80) == 1);
  REQUIRE(t.erase(wildcard_of(IpFamily::kV4), 80));
  CHECK(t.match(a, 80) == nullptr);
  CHECK_FALSE(t.erase(a, 80));
}

TEST_CASE("listener: families are separate", "[listener]") {
  ListenerTable<int> t;
  REQUIRE(t.insert(wildcard_of(IpFamily::kV6), 5201, 6).status == InsertStatus::kInserted);
  CHECK(t.match(IpAddress::v4(10, 77, 0, 2), 5201) == nullptr);
  CHECK(*t.match(v6(2), 5201) == 6);
  REQUIRE(t.insert(wildcard_of(IpFamily::kV4), 5201, 4).status == InsertStatus::kInserted);
  CHECK(*t.match(IpAddress::v4(10, 77, 0, 2), 5201) == 4);
  REQUIRE(t.insert(v6(2), 5201, 7).status == InsertStatus::kInserted);
  CHECK(*t.match(v6(2), 5201) == 7);
  CHECK(*t.match(v6(9), 5201) == 6);
  CHECK(t.insert(v6(2), 5201, 8).status == InsertStatus::kExists);
  CHECK(*t.match(v6(2), 5201) == 7);
}

// Random binds and unbinds against a reference that applies the rule
// directly: exact (family, address, port), else the family's wildcard.
TEST_CASE("listener: random binds match the precedence rule", "[listener]") {
  std::mt19937_64 rng(23);
  ListenerTable<int> t(256, HashKey{7, 8});
  std::map<std::pair<std::array<uint8_t, 17>, uint16_t>, int> ref;
  auto key = [](const IpAddress& a, uint16_t port) {
    std::array<uint8_t, 17> k{};
    k[0] = static_cast<uint8_t>(a.family);
    std::copy(a.bytes.begin(), a.bytes.end(), k.begin() + 1);
    return std::make_pair(k, port);
  };
  auto pick = [&]() {
    const unsigned r = static_cast<unsigned>(rng() % 10);
    if (r == 0) return wildcard_of(IpFamily::kV4);
    if (r == 1) return wildcard_of(IpFamily::kV6);
    if (r < 6) return IpAddress::v4(10, 77, 0, static_cast<uint8_t>(1 + rng() % 4));
    return v6(static_cast<uint8_t>(1 + rng() % 4));
  };
  for (int i = 0; i < 20'000; ++i) {
    const IpAddress a = pick();
    const uint16_t port = static_cast<uint16_t>(80 + rng() % 6);
    switch (rng() % 3) {
      case 0: {
        const bool fresh = ref.emplace(key(a, port), i).second;
        REQUIRE((t.insert(a, port, i).status == InsertStatus::kInserted) == fresh);
        break;
      }
      case 1:
        REQUIRE(t.erase(a, port) == (ref.erase(key(a, port)) == 1));
        break;
      default: {
        auto it = ref.find(key(a, port));
        if (it == ref.end()) it = ref.find(key(wildcard_of(a.family), port));
        const int* got = t.match(a, port);
        REQUIRE((got != nullptr) == (it != ref.end()));
        if (got) REQUIRE(*got == it->second);
      }
    }
    REQUIRE(t.size() == ref.size());
  }
}

}  // namespace
}  // namespace xtcp::stack
