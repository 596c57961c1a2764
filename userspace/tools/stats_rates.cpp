// xtcpctl stats --watch N: per interval, what changed (like nstat / sar):
// counters as their increase and rate per second, gauges as the level and
// its change. Statistics that did not change are left out.
#include <algorithm>
#include <cstdio>
#include <unordered_map>

#include "tools/stats_format.h"

namespace xtcp::tools {

std::string format_stats_rates(const StatsResult& before, const StatsResult& after, double seconds) {
  std::unordered_map<std::string, uint64_t> old(before.entries.begin(), before.entries.end());
  size_t width = 4;
  for (const auto& e : after.entries) width = std::max(width, e.first.size());
  char line[192];
  std::snprintf(line, sizeof line, "%-*s  %20s  %14s  (%.2f s)\n", static_cast<int>(width), "name", "increase",
                "per second", seconds);
  const std::string header = line;
  std::string rows;
  for (const auto& [name, value] : after.entries) {
    auto it = old.find(name);
    const uint64_t prev = it == old.end() ? 0 : it->second;
    if (value == prev) continue;
    if (stat_is_gauge(name)) {
      const long long change = static_cast<long long>(value) - static_cast<long long>(prev);
      std::snprintf(line, sizeof line, "%-*s  %20llu  %+14lld  (level, change)\n", static_cast<int>(width),
                    name.c_str(), static_cast<unsigned long long>(value), change);
    } else if (value < prev) {  // a restarted daemon's counters start over
      std::snprintf(line, sizeof line, "%-*s  %20s  %14s\n", static_cast<int>(width), name.c_str(), "reset", "-");
    } else {
      const uint64_t inc = value - prev;
      std::snprintf(line, sizeof line, "%-*s  %20llu  %14.1f\n", static_cast<int>(width), name.c_str(),
                    static_cast<unsigned long long>(inc), seconds > 0 ? static_cast<double>(inc) / seconds : 0.0);
    }
    rows += line;
  }
  return header + (rows.empty() ? "(no change)\n" : rows);
}

}  // namespace xtcp::tools
