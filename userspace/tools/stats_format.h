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

}  // namespace xtcp::tools
