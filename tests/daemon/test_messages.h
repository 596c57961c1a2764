// Builders for control messages used by several test files.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "xtcp/control.h"

namespace xtcp::test {

template <class Msg>
std::vector<uint8_t> bytes_of(const Msg& m) {
  std::vector<uint8_t> v(sizeof(m));
  std::memcpy(v.data(), &m, sizeof(m));
  return v;
}

inline std::vector<uint8_t> hello_msg(uint32_t seq, const char* name = "test") {
  xtcp_ctl_hello m{};
  xtcp_ctl_header_init(&m.hdr, XTCP_CTL_HELLO, sizeof(m), seq);
  std::strncpy(m.client, name, sizeof(m.client) - 1);
  return bytes_of(m);
}

inline std::vector<uint8_t> stats_msg(uint32_t seq, uint32_t first, uint32_t max = 0) {
  xtcp_ctl_stats_request m{};
  xtcp_ctl_header_init(&m.hdr, XTCP_CTL_STATS_REQUEST, sizeof(m), seq);
  m.first = first;
  m.max_entries = max;
  return bytes_of(m);
}

inline xtcp_ctl_header header_of(const std::vector<uint8_t>& v) {
  xtcp_ctl_header h{};
  std::memcpy(&h, v.data(), sizeof(h));
  return h;
}

inline xtcp_ctl_error error_of(const std::vector<uint8_t>& v) {
  xtcp_ctl_error e{};
  std::memcpy(&e, v.data(), std::min(v.size(), sizeof(e)));
  return e;
}

}  // namespace xtcp::test
