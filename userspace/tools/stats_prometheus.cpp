// xtcpctl stats --prometheus: the Prometheus text exposition format
// (version 0.0.4): metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label values with
// \\, \" and \n escaped, each family's # HELP and # TYPE once, before its
// samples, which are contiguous. Counters carry the "_total" suffix
// (OpenMetrics' rule, which Prometheus follows for counters).
#include <algorithm>
#include <map>
#include <string_view>
#include <vector>

#include "tools/stats_format.h"

namespace xtcp::tools {
namespace {

// Levels, not counts (see the daemon's add_stat calls).
constexpr std::string_view kGauges[] = {
    "conns",       "listeners",   "channels",   "frames_total", "frames_free",   "frames_fill",
    "frames_held", "frames_tx",   "sessions",   "conns_queued", "conns_closing"};

std::string metric_part(std::string_view s) {
  std::string out;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    out += ok ? c : '_';
  }
  return out;
}

std::string label_value(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

struct Sample {
  std::string labels;  // without braces
  uint64_t value;
};

struct Family {
  std::string name, help;
  bool gauge;
  std::vector<Sample> samples;
};

// "queue3.rx_frames" -> scope "queue", queue "3", stat "rx_frames";
// "app.conns" -> "app", "", "conns"; a name without a dot -> "daemon".
void split(const std::string& entry, std::string* scope, std::string* queue, std::string* stat) {
  const size_t dot = entry.find('.');
  if (dot == std::string::npos) {
    *scope = "daemon", queue->clear(), *stat = entry;
    return;
  }
  *scope = entry.substr(0, dot);
  *stat = entry.substr(dot + 1);
  queue->clear();
  if (scope->rfind("queue", 0) == 0 && scope->size() > 5 &&
      std::all_of(scope->begin() + 5, scope->end(), [](char c) { return c >= '0' && c <= '9'; })) {
    *queue = scope->substr(5);
    *scope = "queue";
  }
}

}  // namespace

bool stat_is_gauge(const std::string& name) {
  const size_t dot = name.find('.');
  const std::string_view stat = dot == std::string::npos ? std::string_view(name) : std::string_view(name).substr(dot + 1);
  if (name.rfind("bpf.", 0) == 0) return false;  // the XDP program's verdicts: all counts
  return std::find(std::begin(kGauges), std::end(kGauges), stat) != std::end(kGauges);
}

std::string format_stats_prometheus(const StatsResult& s) {
  const std::string iface = "iface=\"" + label_value(s.iface) + "\"";
  std::vector<Family> families;
  std::map<std::string, size_t> index;  // family name -> position, first appearance order
  for (const auto& [entry, value] : s.entries) {
    std::string scope, queue, stat;
    split(entry, &scope, &queue, &stat);
    const bool gauge = stat_is_gauge(entry);
    std::string name = "xtcp_" + metric_part(scope) + "_" + metric_part(stat) + (gauge ? "" : "_total");
    auto [it, fresh] = index.emplace(name, families.size());
    if (fresh) {
      const std::string what = queue.empty() ? scope + "." + stat : "queueN." + stat;
      families.push_back({name, "xtcpd statistic " + what + (gauge ? " (current level)" : " (count since start)"),
                          gauge, {}});
    }
    families[it->second].samples.push_back(
        {queue.empty() ? iface : iface + ",queue=\"" + queue + "\"", value});
  }
  std::string out =
      "# HELP xtcp_info The interface xtcpd serves and its AF_XDP bind mode.\n"
      "# TYPE xtcp_info gauge\n"
      "xtcp_info{" + iface + ",mode=\"" + label_value(bind_mode_text(s.bind_mode)) + "\"} 1\n"
      "# HELP xtcp_queues Receive queues xtcpd serves (one shard each).\n"
      "# TYPE xtcp_queues gauge\n"
      "xtcp_queues{" + iface + "} " + std::to_string(s.queue_count) + "\n";
  for (const Family& f : families) {
    out += "# HELP " + f.name + " " + f.help + "\n";
    out += "# TYPE " + f.name + (f.gauge ? " gauge\n" : " counter\n");
    for (const Sample& x : f.samples) out += f.name + "{" + x.labels + "} " + std::to_string(x.value) + "\n";
  }
  return out;
}

}  // namespace xtcp::tools
