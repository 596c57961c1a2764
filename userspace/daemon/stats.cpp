#include "daemon/stats.h"

#include <algorithm>
#include <cstring>

namespace xtcp::daemon {

void add_stat(StatList& list, std::string_view name, uint64_t value) {
  xtcp_ctl_stat_entry e{};
  size_t n = std::min(name.size(), sizeof(e.name) - 1);
  std::memcpy(e.name, name.data(), n);
  e.value = value;
  list.push_back(e);
}

}  // namespace xtcp::daemon
