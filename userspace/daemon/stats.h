// StatList: a snapshot of named counters as the control protocol carries
// them ("bpf.rx_frames", "queue0.rx_bytes", ...), and the interface the
// control session uses to take one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "xtcp/control.h"

namespace xtcp::daemon {

using StatList = std::vector<xtcp_ctl_stat_entry>;

// Appends one counter; a name longer than the wire field is cut (names are
// chosen by the daemon, so this only guards against a future long name).
void add_stat(StatList& list, std::string_view name, uint64_t value);

// What the daemon reports about itself in HELLO_REPLY and STATS_REPLY.
struct DaemonInfo {
  std::string iface;
  uint32_t bind_mode = XTCP_BIND_UNKNOWN;  // enum xtcp_ctl_bind_mode
  uint32_t queue_count = 0;
};

class StatsSource {
 public:
  virtual ~StatsSource() = default;
  virtual DaemonInfo info() const = 0;
  // Replaces out with the current counters.
  virtual void snapshot(StatList& out) = 0;
};

}  // namespace xtcp::daemon
