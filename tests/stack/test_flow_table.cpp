// FlowTable against std::unordered_map: same answers for every operation,
// the documented full-table result, correctness under total collisions,
// and the keyed hash defeating a precomputed collision set.
#include <catch2/catch.hpp>

#include <random>
#include <unordered_map>
#include <vector>

#include "stack/flow_table.h"
#include "tuples.h"

namespace xtcp::stack {
namespace {

using test::random_tuple;
using test::TupleStdHash;
using Model = std::unordered_map<tcp::FourTuple, uint64_t, TupleStdHash>;

constexpr HashKey kKey{0x0123456789abcdefULL, 0xfedcba9876543210ULL};

struct ConstantHash {  // every key on one home slot: the worst case
  uint64_t operator()(const tcp::FourTuple&) const { return 0x5555'0000'0000'0007ULL; }
};

template <class Table>
void check_same(Table& table, const Model& model) {
  REQUIRE(table.size() == model.size());
  size_t seen = 0;
  table.for_each([&](const tcp::FourTuple& k, uint64_t& v) {
    auto it = model.find(k);
    REQUIRE(it != model.end());
    REQUIRE(it->second == v);
    ++seen;
  });
  REQUIRE(seen == model.size());
}

// One random operation, applied to both, answers compared. `erase_bias` in
// percent tilts the mix between growth and shrink phases.
template <class Table>
void random_op(Table& table, Model& model, std::vector<tcp::FourTuple>& pool,
               std::mt19937_64& rng, unsigned erase_bias) {
  const tcp::FourTuple& k = pool[rng() % pool.size()];
  const unsigned dice = static_cast<unsigned>(rng() % 100);
  auto it = model.find(k);
  if (dice < erase_bias) {
    REQUIRE(table.erase(k) == (it != model.end()));
    if (it != model.end()) model.erase(it);
  } else if (dice < erase_bias + (100 - erase_bias) / 2) {
    const uint64_t v = rng();
    const auto r = table.insert(k, v);
    if (it != model.end()) {
      REQUIRE(r.status == InsertStatus::kExists);
      REQUIRE(*r.value == it->second);
    } else if (model.size() >= table.max_size()) {
      REQUIRE(r.status == InsertStatus::kFull);
      REQUIRE(r.value == nullptr);
    } else {
      REQUIRE(r.status == InsertStatus::kInserted);
      REQUIRE(*r.value == v);
      model.emplace(k, v);
    }
  } else {
    const uint64_t* v = table.find(k);
    REQUIRE((v != nullptr) == (it != model.end()));
    if (v) REQUIRE(*v == it->second);
  }
  REQUIRE(table.size() == model.size());
}

TEST_CASE("flow table matches unordered_map over 100k random operations", "[flow_table]") {
  std::mt19937_64 rng(GENERATE(1u, 2u, 3u));
  FlowTable<uint64_t> table(1024, FlowHasher{kKey});
  REQUIRE(table.capacity() == 1024);
  Model model;
  // A pool larger than the limit so the table fills up and reports full.
  std::vector<tcp::FourTuple> pool;
  for (int i = 0; i < 1500; ++i) pool.push_back(random_tuple(rng, i % 3 == 0));

  const unsigned phases[] = {10, 70, 20, 90, 35, 80, 5, 60};  // erase bias
  for (unsigned bias : phases) {
    for (int i = 0; i < 12'500; ++i) random_op(table, model, pool, rng, bias);
    check_same(table, model);
  }
}

TEST_CASE("flow table full: documented result, nothing changed, room after erase", "[flow_table]") {
  std::mt19937_64 rng(7);
  FlowTable<uint64_t> table(64, FlowHasher{kKey}, 75);
  REQUIRE(table.max_size() == 48);
  std::vector<tcp::FourTuple> keys;
  while (keys.size() < 49) {
    auto t = random_tuple(rng, false);
    if (std::find(keys.begin(), keys.end(), t) == keys.end()) keys.push_back(t);
  }
  for (size_t i = 0; i < 48; ++i) REQUIRE(table.insert(keys[i], i).status == InsertStatus::kInserted);

  const auto full = table.insert(keys[48], 48);
  CHECK(full.status == InsertStatus::kFull);
  CHECK(full.value == nullptr);
  CHECK(table.size() == 48);
  CHECK(table.find(keys[48]) == nullptr);
  // A present key is still reported as present, value untouched.
  const auto again = table.insert(keys[3], 999);
  CHECK(again.status == InsertStatus::kExists);
  CHECK(*again.value == 3);
  for (size_t i = 0; i < 48; ++i) REQUIRE(*table.find(keys[i]) == i);

  REQUIRE(table.erase(keys[10]));
  CHECK(table.insert(keys[48], 48).status == InsertStatus::kInserted);
  CHECK(*table.find(keys[48]) == 48);
  CHECK(table.find(keys[10]) == nullptr);
}

TEST_CASE("flow table never fills its last slot, even at 100 percent", "[flow_table]") {
  FlowTable<int, ConstantHash> table(8, ConstantHash{}, 100);
  CHECK(table.max_size() == 7);
  std::mt19937_64 rng(9);
  int inserted = 0;
  for (int i = 0; i < 20; ++i)
    if (table.insert(random_tuple(rng, true), i).status == InsertStatus::kInserted) ++inserted;
  CHECK(inserted == 7);
  // A miss must terminate (there is an empty slot to stop at).
  CHECK(table.find(random_tuple(rng, true)) == nullptr);
}

TEST_CASE("flow table stays correct when every key collides", "[flow_table]") {
  std::mt19937_64 rng(11);
  FlowTable<uint64_t, ConstantHash> table(256, ConstantHash{}, 90);
  Model model;
  std::vector<tcp::FourTuple> pool;
  for (int i = 0; i < 300; ++i) pool.push_back(random_tuple(rng, i % 2 == 0));
  const unsigned phases[] = {10, 80, 30, 60};
  for (unsigned bias : phases) {
    for (int i = 0; i < 5'000; ++i) random_op(table, model, pool, rng, bias);
    check_same(table, model);
  }
}

TEST_CASE("flow table with an all-zero secret is still a correct table", "[flow_table]") {
  std::mt19937_64 rng(13);
  FlowTable<uint64_t> table(512, FlowHasher{HashKey{0, 0}});
  Model model;
  std::vector<tcp::FourTuple> pool;
  for (int i = 0; i < 600; ++i) pool.push_back(random_tuple(rng, false));
  for (int i = 0; i < 20'000; ++i) random_op(table, model, pool, rng, i < 10'000 ? 20 : 70);
  check_same(table, model);
}

TEST_CASE("flow table secret: collisions found under one key do not carry over", "[flow_table]") {
  // An attacker who knew the secret could aim many tuples at one home slot.
  const HashKey known{1, 2};
  const HashKey secret{0x9e3779b97f4a7c15ULL, 0x243f6a8885a308d3ULL};
  constexpr size_t kCap = 1024;
  const FlowHasher attacker{known};
  std::mt19937_64 rng(17);
  std::vector<tcp::FourTuple> aimed;
  const size_t target = attacker(random_tuple(rng, false)) & (kCap - 1);
  for (int tries = 0; aimed.size() < 100 && tries < 2'000'000; ++tries) {
    auto t = random_tuple(rng, false);
    if ((attacker(t) & (kCap - 1)) == target) aimed.push_back(t);
  }
  REQUIRE(aimed.size() == 100);

  FlowTable<int> victim_known(kCap, FlowHasher{known});
  FlowTable<int> victim_secret(kCap, FlowHasher{secret});
  for (size_t i = 0; i < aimed.size(); ++i) {
    victim_known.insert(aimed[i], static_cast<int>(i));
    victim_secret.insert(aimed[i], static_cast<int>(i));
  }
  CHECK(victim_known.max_displacement() >= 99);
  CHECK(victim_secret.max_displacement() < 8);
}

// The O(1) claim without a clock: count slot inspections per operation at
// the configured load limit, and again after heavy churn (no tombstones).
TEST_CASE("flow table probe counts stay bounded at the load limit", "[flow_table]") {
  std::mt19937_64 rng(19);
  constexpr size_t kCap = 1 << 16;
  FlowTable<uint32_t> table(kCap, FlowHasher{kKey});  // default 85 percent
  std::vector<tcp::FourTuple> in;
  Model model;
  while (table.size() < table.max_size()) {
    auto t = random_tuple(rng, in.size() % 4 == 0);
    if (table.insert(t, 1).status == InsertStatus::kInserted) in.push_back(t);
  }

  auto mean_probes = [&](auto&& op, int n) {
    table.reset_probe_count();
    for (int i = 0; i < n; ++i) op();
    return static_cast<double>(table.probe_count()) / n;
  };
  auto hit = [&] { REQUIRE(table.find(in[rng() % in.size()]) != nullptr); };
  auto miss = [&] { table.find(random_tuple(rng, true)); };

  const double hit0 = mean_probes(hit, 50'000);
  const double miss0 = mean_probes(miss, 50'000);
  INFO("hit " << hit0 << " miss " << miss0 << " max displacement " << table.max_displacement());
  // Linear probing at load 0.85 averages (1 + 1/(1 - a)) / 2 = 3.8 probes
  // per hit; Robin Hood keeps that mean and shortens misses and the tail.
  CHECK(hit0 < 5.0);
  CHECK(miss0 < 8.0);
  CHECK(table.max_displacement() < 48);

  // 400k erase+insert pairs at full load: a tombstone table would decay.
  for (int i = 0; i < 400'000; ++i) {
    const size_t j = rng() % in.size();
    REQUIRE(table.erase(in[j]));
    for (;;) {
      auto t = random_tuple(rng, i % 4 == 0);
      if (table.insert(t, 2).status == InsertStatus::kInserted) {
        in[j] = t;
        break;
      }
    }
  }
  REQUIRE(table.size() == table.max_size());
  const double hit1 = mean_probes(hit, 50'000);
  const double miss1 = mean_probes(miss, 50'000);
  INFO("after churn: hit " << hit1 << " miss " << miss1);
  CHECK(hit1 < 5.0);
  CHECK(miss1 < 8.0);
  CHECK(table.max_displacement() < 48);
}

}  // namespace
}  // namespace xtcp::stack
