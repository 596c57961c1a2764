// fd -> Sock with dup reference counts (fd_table.h).
#include <catch2/catch.hpp>

#include "preload/fd_table.h"

using xtcp::preload::FdTable;
using xtcp::preload::Sock;

TEST_CASE("a descriptor's Sock lives until its last dup is released", "[preload][fdtable]") {
  static FdTable t;  // 512 KiB: not on the stack
  auto* s = new Sock;
  REQUIRE(t.put(5, s));
  CHECK(t.get(5) == s);
  CHECK(t.get(6) == nullptr);

  REQUIRE(t.share(5, 9));  // dup(5) -> 9
  REQUIRE(t.share(9, 12));  // dup(9) -> 12
  CHECK(s->refs == 3);
  CHECK(t.get(12) == s);

  CHECK(t.release(5) == nullptr);  // others still hold it
  CHECK(t.get(5) == nullptr);
  CHECK(t.release(12) == nullptr);
  CHECK(t.release(9) == s);  // the last one hands it back for closing
  CHECK(s->refs == 0);
  CHECK(t.get(9) == nullptr);
  delete s;

  CHECK(t.release(9) == nullptr);  // releasing an unknown fd does nothing
  CHECK_FALSE(t.share(9, 10));     // nothing to share
}

TEST_CASE("descriptors outside the table stay kernel descriptors", "[preload][fdtable]") {
  static FdTable t;
  Sock s;
  CHECK_FALSE(t.put(-1, &s));
  CHECK_FALSE(t.put(FdTable::kMaxFd, &s));
  CHECK(t.get(FdTable::kMaxFd) == nullptr);
  CHECK(t.get(-3) == nullptr);
  REQUIRE(t.put(FdTable::kMaxFd - 1, &s));
  CHECK_FALSE(t.share(FdTable::kMaxFd - 1, FdTable::kMaxFd));
  CHECK(s.refs == 1);  // a failed share takes no reference
  t.release(FdTable::kMaxFd - 1);
}
