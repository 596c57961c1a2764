#include "tools/stats_format.h"

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

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

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
  std::unordered_map<std::string, uint64_t> m(s.entries.begin(), s.entries.end());
  std::string out = "{\"version\":1,\"iface\":" + json_string(s.iface) +
                    ",\"mode\":" + json_string(bind_mode_text(s.bind_mode)) + ",\"queues\":[";
  for (uint32_t q = 0; q < s.queue_count; ++q) {
    const std::string prefix = "queue" + std::to_string(q) + ".";
    out += (q ? ",{\"queue\":" : "{\"queue\":") + std::to_string(q);
    for (const char* k : kQueueKeys)
      out += ",\"" + std::string(k) + "\":" + std::to_string(lookup(m, prefix + k));
    out += "}";
  }
  out += "],\"bpf\":{";
  for (size_t i = 0; i < XTCP_STAT_COUNT; ++i) {
    out += (i ? ",\"" : "\"") + std::string(kSteerNames[i]) + "\":" +
           std::to_string(lookup(m, std::string("bpf.") + kSteerNames[i]));
  }
  return out + "}}";
}

}  // namespace xtcp::tools
