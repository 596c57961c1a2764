// xtcpctl's printers: the JSON shape scripts rely on, and the table.
#include <catch2/catch.hpp>

#include "tools/stats_format.h"
#include "xtcp/steer_abi.h"

using xtcp::tools::StatsResult;

namespace {

StatsResult sample() {
  StatsResult s;
  s.iface = "xt-d";
  s.bind_mode = XTCP_BIND_COPY;
  s.queue_count = 2;
  const char* names[] = XTCP_STEER_STAT_NAMES;
  for (size_t i = 0; i < XTCP_STAT_COUNT; ++i) s.entries.emplace_back(std::string("bpf.") + names[i], 100 + i);
  s.entries.emplace_back("queue0.rx_frames", 7);
  s.entries.emplace_back("queue0.rx_bytes", 448);
  s.entries.emplace_back("queue0.xsk_rx_dropped", 1);
  s.entries.emplace_back("queue0.xsk_rx_ring_full", 2);
  s.entries.emplace_back("queue0.xsk_fill_ring_empty", 3);
  s.entries.emplace_back("queue1.rx_frames", 9);
  s.entries.emplace_back("queue1.rx_bytes", 576);
  s.entries.emplace_back("queue1.xsk_rx_dropped", 0);
  s.entries.emplace_back("queue1.xsk_rx_ring_full", 0);
  s.entries.emplace_back("queue1.xsk_fill_ring_empty", 0);
  return s;
}

}  // namespace

TEST_CASE("stats --json has exactly the documented shape", "[format]") {
  const std::string expected =
      "{\"version\":1,\"iface\":\"xt-d\",\"mode\":\"copy\",\"queues\":["
      "{\"queue\":0,\"rx_frames\":7,\"rx_bytes\":448,\"xsk_rx_dropped\":1,"
      "\"xsk_rx_ring_full\":2,\"xsk_fill_ring_empty\":3},"
      "{\"queue\":1,\"rx_frames\":9,\"rx_bytes\":576,\"xsk_rx_dropped\":0,"
      "\"xsk_rx_ring_full\":0,\"xsk_fill_ring_empty\":0}],"
      "\"bpf\":{\"rx_frames\":100,\"verdict_pass\":101,\"verdict_redirect\":102,"
      "\"reason_listener\":103,\"reason_flow\":104,\"reason_not_ip\":105,"
      "\"reason_not_tcp\":106,\"reason_no_match\":107,\"reason_ip_fragment\":108,"
      "\"reason_ipv6_ext\":109,\"reason_no_socket\":110,\"malformed_eth\":111,"
      "\"malformed_ipv4\":112,\"malformed_ipv6\":113,\"malformed_tcp\":114}}";
  CHECK(xtcp::tools::format_stats_json(sample()) == expected);
}

TEST_CASE("stats --json escapes the interface name", "[format]") {
  StatsResult s;
  s.iface = "a\"b\\c";
  s.bind_mode = XTCP_BIND_ZEROCOPY;
  std::string j = xtcp::tools::format_stats_json(s);
  CHECK(j.find("\"iface\":\"a\\\"b\\\\c\"") != std::string::npos);
  CHECK(j.find("\"mode\":\"zerocopy\",\"queues\":[]") != std::string::npos);
}

TEST_CASE("the stats table aligns names and values", "[format]") {
  std::string t = xtcp::tools::format_stats_table(sample());
  CHECK(t.rfind("iface xt-d  mode copy  queues 2\n", 0) == 0);
  // Every row has the same width: names padded to the longest, values
  // right-aligned in one column.
  size_t start = t.find('\n') + 1, width = std::string::npos;
  int rows = 0;
  for (size_t nl; (nl = t.find('\n', start)) != std::string::npos; start = nl + 1, ++rows) {
    if (width == std::string::npos) width = nl - start;
    CHECK(nl - start == width);
  }
  CHECK(rows == 1 + XTCP_STAT_COUNT + 10);
  CHECK(t.find("queue0.xsk_fill_ring_empty  ") != std::string::npos);
}
