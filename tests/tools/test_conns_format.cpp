// xtcpctl conns printers: state names, v4/v6 endpoints, table rows, JSON
// that a real JSON parser accepts with the documented keys and values.
#include <arpa/inet.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <fstream>
#include <vector>

#include "child_process.h"
#include "tools/conns_format.h"
#include "xtcp/channel_abi.h"

using namespace xtcp::tools;

namespace {

xtcp_ctl_conn_entry v4_entry() {
  xtcp_ctl_conn_entry e{};
  e.local_family = AF_INET;
  e.state = XTCP_CHAN_STATE_ESTABLISHED;
  e.local_port = 5001;
  e.peer_port = 40000;
  e.shard = 1;
  inet_pton(AF_INET, "10.77.0.2", e.local_addr);
  inet_pton(AF_INET, "10.77.0.1", e.peer_addr);
  e.owner_pid = 4242;
  e.mss = 1448;
  e.rtt_us = 1250;
  e.rttvar_us = 7;
  e.rto_ms = 201;
  e.cwnd = 14480;
  e.ssthresh = UINT32_MAX;
  e.rx_queue = 11;
  e.tx_queue = 22;
  e.retransmits = 3;
  e.bytes_sent = 5000000000ull;  // above 32 bits on purpose
  e.bytes_acked = 4999999000ull;
  e.bytes_received = 123;
  return e;
}

xtcp_ctl_conn_entry v6_entry() {
  xtcp_ctl_conn_entry e = v4_entry();
  e.local_family = AF_INET6;
  e.state = XTCP_CHAN_STATE_SYN_SENT;
  std::memset(e.local_addr, 0, 16);
  std::memset(e.peer_addr, 0, 16);
  inet_pton(AF_INET6, "fd77::2", e.local_addr);
  inet_pton(AF_INET6, "fd77::1", e.peer_addr);
  e.local_port = 45000;
  e.peer_port = 80;
  e.ssthresh = 65536;
  e.owner_pid = 0;
  return e;
}

}  // namespace

TEST_CASE("every RFC 9293 state has its name; out-of-range values say UNKNOWN", "[tools][conns]") {
  const char* want[] = {"CLOSED",     "LISTEN",     "SYN_SENT",  "SYN_RECEIVED",
                        "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT",
                        "CLOSING",    "LAST_ACK",   "TIME_WAIT"};
  for (uint32_t s = 0; s <= XTCP_CHAN_STATE_TIME_WAIT; ++s) CHECK(std::string(conn_state_name(s)) == want[s]);
  CHECK(std::string(conn_state_name(11)) == "UNKNOWN");
  CHECK(std::string(conn_state_name(255)) == "UNKNOWN");
}

TEST_CASE("endpoints: IPv4 plain, IPv6 in brackets, unknown family marked", "[tools][conns]") {
  const auto a = v4_entry(), b = v6_entry();
  CHECK(format_endpoint(AF_INET, a.local_addr, 5001) == "10.77.0.2:5001");
  CHECK(format_endpoint(AF_INET6, b.local_addr, 45000) == "[fd77::2]:45000");
  CHECK(format_endpoint(99, a.local_addr, 7) == "?:7");
}

TEST_CASE("table: a header and one aligned row per connection", "[tools][conns]") {
  const std::vector<xtcp_ctl_conn_entry> v{v4_entry(), v6_entry()};
  const std::string t = format_conns_table(v);
  REQUIRE(xtcp::test::count_lines(t) == 3);
  const std::string header = t.substr(0, t.find('\n'));
  const std::string row1 = t.substr(header.size() + 1, t.find('\n', header.size() + 1) - header.size() - 1);
  CHECK(header.starts_with("State"));
  CHECK(row1.starts_with("ESTABLISHED"));
  for (const char* cell : {"10.77.0.2:5001", "10.77.0.1:40000", "4242", "1.250/0.007", "201", "14480",
                           "inf", "1448", "5000000000", "4999999000", "123"})
    CHECK(row1.find(cell) != std::string::npos);
  CHECK(t.find("SYN_SENT") != std::string::npos);
  CHECK(t.find("[fd77::2]:45000") != std::string::npos);
  CHECK(t.find("[fd77::1]:80") != std::string::npos);
  // Aligned: every line as long as the header.
  size_t start = 0;
  for (size_t nl; (nl = t.find('\n', start)) != std::string::npos; start = nl + 1)
    CHECK(nl - start == header.size());
  CHECK(xtcp::test::count_lines(format_conns_table({})) == 1);  // header only
}

TEST_CASE("JSON: shape and values", "[tools][conns]") {
  const std::vector<xtcp_ctl_conn_entry> v{v4_entry(), v6_entry()};
  const std::string j = format_conns_json(v);
  CHECK(j.starts_with("{\"connections\":[{\"state\":\"ESTABLISHED\",\"local\":\"10.77.0.2:5001\""));
  CHECK(j.ends_with("],\"total\":2}"));
  CHECK(j.find("\"rtt_ms\":1.25,\"rttvar_ms\":0.007") != std::string::npos);
  CHECK(j.find("\"ssthresh\":4294967295") != std::string::npos);
  CHECK(j.find("\"local\":\"[fd77::2]:45000\",\"peer\":\"[fd77::1]:80\"") != std::string::npos);
  CHECK(format_conns_json({}) == "{\"connections\":[],\"total\":0}");
}

TEST_CASE("JSON: Python's json module parses it and reads the documented keys", "[tools][conns]") {
  if (access(SYSTEM_PYTHON, X_OK) != 0) {
    WARN("no " SYSTEM_PYTHON ": JSON parse check not run");
    return;
  }
  std::vector<xtcp_ctl_conn_entry> v;
  for (uint32_t s = 0; s <= XTCP_CHAN_STATE_TIME_WAIT; ++s) {
    auto e = s % 2 ? v6_entry() : v4_entry();
    e.state = static_cast<uint8_t>(s);
    v.push_back(e);
  }
  char path[] = "/tmp/xtcp-tools-json-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  const std::string j = format_conns_json(v);
  REQUIRE(write(fd, j.data(), j.size()) == static_cast<ssize_t>(j.size()));
  close(fd);
  // g++ 12 warns falsely (-Warray-bounds) on long operator+ chains: append.
  std::string check = SYSTEM_PYTHON;
  check.append(" -c \"");
  check.append("import json,sys; d=json.load(open(sys.argv[1])); c=d['connections']; assert d['total']==11 and len(c)==11, d['total']; assert [x['state'] for x in c][:3]==['CLOSED','LISTEN','SYN_SENT'], c[:3]; assert c[10]['state']=='TIME_WAIT'; k={'state','local','peer','local_port','peer_port','shard','pid','rtt_ms','rttvar_ms','rto_ms','cwnd','ssthresh','mss','retransmits','bytes_sent','bytes_acked','bytes_received','rx_queue','tx_queue'}; assert all(set(x)==k for x in c); assert c[0]['rtt_ms']==1.25 and c[0]['bytes_sent']==5000000000 and c[1]['peer']=='[fd77::1]:80'");
  check.append("\" ");
  check.append(path);
  CHECK(std::system(check.c_str()) == 0);
  unlink(path);
}
