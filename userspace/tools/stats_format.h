// How xtcpctl prints a stats snapshot: an aligned name/value table for
// people, and one JSON object of a fixed shape for scripts:
//   {"version":1,"iface":"xt-d","mode":"copy",
//    "queues":[{"queue":0,"rx_frames":N,"rx_bytes":N,"xsk_rx_dropped":N,
//               "xsk_rx_ring_full":N,"xsk_fill_ring_empty":N}, ...],
//    "bpf":{"rx_frames":N, ... every name of XTCP_STEER_STAT_NAMES}}
#pragma once

#include <string>

#include "tools/control_client.h"

namespace xtcp::tools {

std::string format_stats_table(const StatsResult& s);
std::string format_stats_json(const StatsResult& s);  // one line, no newline

// True for a statistic that is a current level (connections held, UMEM
// frames in each place, sessions), false for a counter that only grows.
// Keyed by the name after its "queueN." / "app." scope.
bool stat_is_gauge(const std::string& name);

// Prometheus text exposition format 0.0.4 (stats_prometheus.cpp): one
// family per statistic, "xtcp_<scope>_<name>" with "_total" for counters,
// labels iface (every sample) and queue (per-queue ones), # HELP and
// # TYPE before each family's samples, plus xtcp_info{iface,mode} 1.
std::string format_stats_prometheus(const StatsResult& s);

// `xtcpctl stats --watch N` (stats_rates.cpp): what changed between two
// snapshots taken `seconds` apart, like nstat: counters as the increase
// and the rate per second, gauges as the new level and its change.
std::string format_stats_rates(const StatsResult& before, const StatsResult& after, double seconds);

}  // namespace xtcp::tools
