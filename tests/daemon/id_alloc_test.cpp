// Issue 15: ids wrap without aliasing a live one.
#include <catch2/catch.hpp>

#include <cstdint>
#include <set>

#include "daemon/id_alloc.h"

using xtcp::daemon::next_free_id;

TEST_CASE("ids: after wrap, live ids and 0 are skipped", "[daemon][ids]") {
  std::set<uint32_t> live{UINT32_MAX, 1, 2, 5};
  auto in_use = [&](uint32_t id) { return live.count(id) != 0; };
  uint32_t cursor = UINT32_MAX - 1;
  const uint32_t a = next_free_id(cursor, in_use);
  CHECK(a == UINT32_MAX - 1);
  live.insert(a);
  const uint32_t b = next_free_id(cursor, in_use);  // MAX live, 0 never, 1 and 2 live
  CHECK(b == 3);
  live.insert(b);
  CHECK(next_free_id(cursor, in_use) == 4);
  CHECK(next_free_id(cursor, in_use) == 6);  // 5 is live
}

TEST_CASE("ids: a freed id can be reused once the counter comes round", "[daemon][ids]") {
  std::set<uint32_t> live;
  auto in_use = [&](uint32_t id) { return live.count(id) != 0; };
  uint32_t cursor = UINT32_MAX;
  CHECK(next_free_id(cursor, in_use) == UINT32_MAX);
  CHECK(cursor == 1);  // 0 is skipped on the way round
  live.insert(1);
  CHECK(next_free_id(cursor, in_use) == 2);
  live.erase(1);
  cursor = 1;
  CHECK(next_free_id(cursor, in_use) == 1);  // free again: reusable
}
