#include "tools/conns_format.h"

#include <nlohmann/json.hpp>

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <vector>

#include "xtcp/channel_abi.h"

namespace xtcp::tools {
namespace {

constexpr const char* kStateNames[] = {
    "CLOSED",      "LISTEN",     "SYN_SENT",   "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1",
    "FIN_WAIT_2",  "CLOSE_WAIT", "CLOSING",    "LAST_ACK",     "TIME_WAIT"};
static_assert(sizeof(kStateNames) / sizeof(kStateNames[0]) == XTCP_CHAN_STATE_TIME_WAIT + 1,
              "one name per enum xtcp_chan_state value");

// Microseconds as milliseconds with 3 decimals, without going through double.
std::string ms3(uint32_t us) {
  char b[32];
  std::snprintf(b, sizeof(b), "%u.%03u", us / 1000, us % 1000);
  return b;
}

std::string u64(uint64_t v) { return std::to_string(v); }

constexpr size_t kColumns = 16;
constexpr std::array<const char*, kColumns> kHeader = {
    "State", "Local", "Peer", "Shard", "Pid", "Rtt/Var(ms)", "Rto(ms)", "Cwnd",
    "Ssthresh", "Mss", "Retrans", "Sent", "Acked", "Received", "RxQ", "TxQ"};

std::array<std::string, kColumns> row_cells(const xtcp_ctl_conn_entry& e) {
  return {conn_state_name(e.state),
          format_endpoint(e.local_family, e.local_addr, e.local_port),
          format_endpoint(e.local_family, e.peer_addr, e.peer_port),
          u64(e.shard),
          u64(e.owner_pid),
          ms3(e.rtt_us) + "/" + ms3(e.rttvar_us),
          u64(e.rto_ms),
          u64(e.cwnd),
          e.ssthresh == UINT32_MAX ? std::string("inf") : u64(e.ssthresh),
          u64(e.mss),
          u64(e.retransmits),
          u64(e.bytes_sent),
          u64(e.bytes_acked),
          u64(e.bytes_received),
          u64(e.rx_queue),
          u64(e.tx_queue)};
}

// State and addresses align left (text), every number aligns right.
void append_row(std::string& out, const std::array<std::string, kColumns>& cells,
                const std::array<size_t, kColumns>& width) {
  for (size_t i = 0; i < kColumns; ++i) {
    const std::string pad(width[i] - cells[i].size(), ' ');
    out += i < 3 ? cells[i] + pad : pad + cells[i];
    out += i + 1 < kColumns ? "  " : "\n";
  }
}

}  // namespace

const char* conn_state_name(uint32_t state) {
  return state <= XTCP_CHAN_STATE_TIME_WAIT ? kStateNames[state] : "UNKNOWN";
}

std::string format_endpoint(uint8_t family, const uint8_t (&addr)[16], uint16_t port) {
  char text[INET6_ADDRSTRLEN] = "?";
  if (family == AF_INET) inet_ntop(AF_INET, addr, text, sizeof(text));
  if (family == AF_INET6) {
    inet_ntop(AF_INET6, addr, text, sizeof(text));
    return "[" + std::string(text) + "]:" + std::to_string(port);
  }
  return std::string(text) + ":" + std::to_string(port);
}

std::string format_conns_table(std::span<const xtcp_ctl_conn_entry> entries) {
  std::vector<std::array<std::string, kColumns>> rows;
  rows.reserve(entries.size());
  std::array<size_t, kColumns> width{};
  for (size_t i = 0; i < kColumns; ++i) width[i] = std::string(kHeader[i]).size();
  for (const auto& e : entries) {
    rows.push_back(row_cells(e));
    for (size_t i = 0; i < kColumns; ++i) width[i] = std::max(width[i], rows.back()[i].size());
  }
  std::array<std::string, kColumns> header;
  for (size_t i = 0; i < kColumns; ++i) header[i] = kHeader[i];
  std::string out;
  append_row(out, header, width);
  for (const auto& r : rows) append_row(out, r, width);
  return out;
}

std::string format_conns_json(std::span<const xtcp_ctl_conn_entry> entries) {
  using Json = nlohmann::ordered_json;
  Json list = Json::array();
  for (const xtcp_ctl_conn_entry& e : entries) {
    list.push_back(Json{{"state", conn_state_name(e.state)},
                        {"local", format_endpoint(e.local_family, e.local_addr, e.local_port)},
                        {"peer", format_endpoint(e.local_family, e.peer_addr, e.peer_port)},
                        {"local_port", e.local_port},
                        {"peer_port", e.peer_port},
                        {"shard", e.shard},
                        {"pid", e.owner_pid},
                        {"rtt_ms", e.rtt_us / 1000.0},
                        {"rttvar_ms", e.rttvar_us / 1000.0},
                        {"rto_ms", e.rto_ms},
                        {"cwnd", e.cwnd},
                        {"ssthresh", e.ssthresh},
                        {"mss", e.mss},
                        {"retransmits", e.retransmits},
                        {"bytes_sent", e.bytes_sent},
                        {"bytes_acked", e.bytes_acked},
                        {"bytes_received", e.bytes_received},
                        {"rx_queue", e.rx_queue},
                        {"tx_queue", e.tx_queue}});
  }
  return Json{{"connections", std::move(list)}, {"total", entries.size()}}.dump();
}

}  // namespace xtcp::tools
