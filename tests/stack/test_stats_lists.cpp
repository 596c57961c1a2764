// Issue 15: every counter the shard and the XSK layer keep is exported.
// The lists that define the fields are the lists `xtcpctl stats` walks
// (dataplane.cpp); static_asserts in the headers tie each struct's size to
// its list. Here: the names are the fields' own, distinct, and each visits
// its own field.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>

#include "stack/shard_stats.h"
#include "stack/xsk_packet_io.h"

using namespace xtcp;

TEST_CASE("shard counters: one exported name per field, each its own", "[stack][stats]") {
  stack::ShardStats s;
  uint64_t next = 1;
  s.for_each_counter_mut([&](const char*, uint64_t& v) { v = next++; });
  std::set<std::string> names;
  uint64_t expect = 1;
  bool in_order = true;
  s.for_each_counter([&](const char* name, uint64_t v) {
    names.insert(name);
    in_order &= v == expect++;
  });
  CHECK(in_order);
  CHECK(names.size() == stack::kShardCounterCount);
  // Fields the issue found unexported, by name and value.
  std::map<std::string, uint64_t> by_name;
  s.for_each_counter([&](const char* name, uint64_t v) { by_name[name] = v; });
  CHECK(by_name.at("rx_to_listener") == s.rx_to_listener);
  CHECK(by_name.at("resets_dropped") == s.resets_dropped);
  CHECK(by_name.at("tx_ring_full") == s.tx_ring_full);
  CHECK(by_name.at("tx_build_failed") == s.tx_build_failed);
  CHECK(by_name.at("tx_completions") == s.tx_completions);
  CHECK(by_name.at("neighbour_pending") == s.neighbour_pending);
  CHECK(by_name.at("egress_visits") == s.egress_visits);
  CHECK(by_name.at("timers_fired") == s.timers_fired);
  CHECK(by_name.at("commands_failed") == s.commands_failed);
  CHECK(by_name.at("memory_refused") == s.memory_refused);
  CHECK(by_name.at("steering_errors") == s.steering_errors);
  CHECK(by_name.at("flow_steering_refused") == s.flow_steering_refused);
}

TEST_CASE("XSK counters: every field has its name", "[stack][stats]") {
  xsk::XskStats k;
  k.tx_invalid_descs = 7;
  k.tx_ring_empty_descs = 9;
  std::map<std::string, uint64_t> kn;
  k.for_each_counter([&](const char* name, uint64_t v) { kn[name] = v; });
  CHECK(kn.size() == sizeof(xsk::XskStats) / sizeof(uint64_t));
  CHECK(kn.at("tx_invalid_descs") == 7);
  CHECK(kn.at("tx_ring_empty_descs") == 9);
  stack::XskIoStats io;
  io.kick_errors = 3;
  io.recycle_misses = 4;
  std::map<std::string, uint64_t> in;
  io.for_each_counter([&](const char* name, uint64_t v) { in[name] = v; });
  CHECK(in.size() == 3);
  CHECK(in.at("kick_errors") == 3);
  CHECK(in.at("recycle_misses") == 4);
  CHECK(in.at("rx_wakeups") == 0);
}
