// DirtyList: FIFO order, idempotent mark, O(1) removal of any entry, and a
// random model check against std::deque.
#include <catch2/catch.hpp>

#include <algorithm>
#include <deque>
#include <memory>
#include <random>
#include <vector>

#include "stack/dirty_list.h"

namespace xtcp::stack {
namespace {

struct Conn : DirtyHook {
  int id = 0;
};

TEST_CASE("dirty list: FIFO, marking twice queues once", "[dirty]") {
  DirtyList<Conn> list;
  Conn c[4];
  for (int i = 0; i < 4; ++i) c[i].id = i;
  CHECK(list.mark(c[2]));
  CHECK(list.mark(c[0]));
  CHECK_FALSE(list.mark(c[2]));  // already dirty: no-op, keeps its place
  CHECK(list.mark(c[3]));
  CHECK(list.size() == 3);
  CHECK(c[2].queued());
  CHECK_FALSE(c[1].queued());
  CHECK(list.pop()->id == 2);
  CHECK_FALSE(c[2].queued());
  CHECK(list.mark(c[2]));  // dirty again after being served: to the back
  CHECK(list.pop()->id == 0);
  CHECK(list.pop()->id == 3);
  CHECK(list.pop()->id == 2);
  CHECK(list.pop() == nullptr);
  CHECK(list.empty());
}

TEST_CASE("dirty list: remove from head, middle and tail; destroyed entries leave", "[dirty]") {
  DirtyList<Conn> list;
  Conn c[5];
  for (int i = 0; i < 5; ++i) {
    c[i].id = i;
    list.mark(c[i]);
  }
  CHECK(list.remove(c[0]));
  CHECK(list.remove(c[2]));
  CHECK(list.remove(c[4]));
  CHECK_FALSE(list.remove(c[4]));
  CHECK(list.size() == 2);
  {
    auto gone = std::make_unique<Conn>();
    gone->id = 99;
    list.mark(*gone);
    CHECK(list.size() == 3);
  }  // torn down while dirty
  CHECK(list.size() == 2);
  CHECK(list.pop()->id == 1);
  CHECK(list.pop()->id == 3);
  CHECK(list.pop() == nullptr);
}

TEST_CASE("dirty list matches a deque model under random marks, pops and removals", "[dirty]") {
  std::mt19937_64 rng(41);
  DirtyList<Conn> list;
  std::vector<Conn> c(64);
  for (int i = 0; i < 64; ++i) c[i].id = i;
  std::deque<int> model;
  for (int op = 0; op < 50'000; ++op) {
    const int i = static_cast<int>(rng() % 64);
    const bool in = std::find(model.begin(), model.end(), i) != model.end();
    switch (rng() % 3) {
      case 0:
        REQUIRE(list.mark(c[i]) == !in);
        if (!in) model.push_back(i);
        break;
      case 1: {
        Conn* p = list.pop();
        REQUIRE((p == nullptr) == model.empty());
        if (p) {
          REQUIRE(p->id == model.front());
          model.pop_front();
        }
        break;
      }
      default:
        REQUIRE(list.remove(c[i]) == in);
        if (in) model.erase(std::find(model.begin(), model.end(), i));
    }
    REQUIRE(list.size() == model.size());
    REQUIRE(c[i].queued() == (std::find(model.begin(), model.end(), i) != model.end()));
  }
}

}  // namespace
}  // namespace xtcp::stack
