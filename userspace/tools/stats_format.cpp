#include "tools/stats_format.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <unordered_map>

#include "xtcp/steer_abi.h"

namespace xtcp::tools {
namespace {

// Per-queue keys, in the order the JSON shape fixes.
constexpr const char* kQueueKeys[] = {"rx_frames", "rx_bytes", "xsk_rx_dropped",
                                      "xsk_rx_ring_full", "xsk_fill_ring_empty"};
constexpr const char* kSteerNames[] = XTCP_STEER_STAT_NAMES;
static_assert(sizeof(kSteerNames) / sizeof(kSteerNames[0]) == XTCP_STAT_COUNT);

// Missing counters read as 0: an older daemon may not have every name.
uint64_t lookup(const std::unordered_map<std::string, uint64_t>& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? 0 : it->second;
}

}  // namespace

std::string format_stats_table(const StatsResult& s) {
  size_t width = 4;
  for (const auto& e : s.entries) width = std::max(width, e.first.size());
  std::string out = "iface " + s.iface + "  mode " + bind_mode_text(s.bind_mode) + "  queues " +
                    std::to_string(s.queue_count) + "\n";
  char line[128];
  std::snprintf(line, sizeof(line), "%-*s  %20s\n", static_cast<int>(width), "name", "value");
  out += line;
  for (const auto& [name, value] : s.entries) {
    std::snprintf(line, sizeof(line), "%-*s  %20llu\n", static_cast<int>(width), name.c_str(),
                  static_cast<unsigned long long>(value));
    out += line;
  }
  return out;
}

std::string format_stats_json(const StatsResult& s) {
  using Json = nlohmann::ordered_json;
  std::unordered_map<std::string, uint64_t> m(s.entries.begin(), s.entries.end());
  Json queues = Json::array();
  for (uint32_t q = 0; q < s.queue_count; ++q) {
    const std::string prefix = "queue" + std::to_string(q) + ".";
    Json one = {{"queue", q}};
    for (const char* k : kQueueKeys) one[k] = lookup(m, prefix + k);
    queues.push_back(std::move(one));
  }
  Json bpf = Json::object();
  for (size_t i = 0; i < XTCP_STAT_COUNT; ++i) bpf[kSteerNames[i]] = lookup(m, std::string("bpf.") + kSteerNames[i]);
  const Json out = {{"version", 1}, {"iface", s.iface}, {"mode", bind_mode_text(s.bind_mode)},
                    {"queues", std::move(queues)}, {"bpf", std::move(bpf)}};
  // An interface name is bytes from the daemon: never throw on bad UTF-8.
  return out.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace xtcp::tools
