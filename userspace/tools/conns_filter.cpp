#include "tools/conns_filter.h"

#include <algorithm>
#include <charconv>

#include "tools/conns_format.h"
#include "xtcp/channel_abi.h"

namespace xtcp::tools {
namespace {

// "time-wait" / "Time_Wait" -> "TIME_WAIT".
std::string canonical_state(std::string_view s) {
  std::string out;
  for (char c : s) out += c == '-' ? '_' : static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return out;
}

}  // namespace

bool ConnsFilter::matches(const xtcp_ctl_conn_entry& e) const {
  if (!states.empty() && std::find(states.begin(), states.end(), e.state) == states.end()) return false;
  if (sport >= 0 && e.local_port != sport) return false;
  if (dport >= 0 && e.peer_port != dport) return false;
  if (port >= 0 && e.local_port != port && e.peer_port != port) return false;
  return true;
}

std::string add_state_filter(std::string_view list, ConnsFilter* f) {
  while (true) {
    const size_t comma = list.find(',');
    const std::string want = canonical_state(list.substr(0, comma));
    uint32_t s = 0;
    while (s <= XTCP_CHAN_STATE_TIME_WAIT && want != conn_state_name(s)) ++s;
    if (s > XTCP_CHAN_STATE_TIME_WAIT || want.empty())
      return "--state: unknown state '" + std::string(list.substr(0, comma)) +
             "' (closed, listen, syn-sent, syn-received, established, fin-wait-1, fin-wait-2, close-wait, "
             "closing, last-ack, time-wait)";
    f->states.push_back(s);
    if (comma == std::string_view::npos) return "";
    list.remove_prefix(comma + 1);
  }
}

std::string parse_port_filter(std::string_view opt, std::string_view value, int* out) {
  int v = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || end != value.data() + value.size() || v < 1 || v > 65535)
    return std::string(opt) + " needs a port from 1 to 65535, got '" + std::string(value) + "'";
  *out = v;
  return "";
}

std::vector<xtcp_ctl_conn_entry> filter_conns(std::span<const xtcp_ctl_conn_entry> all, const ConnsFilter& f) {
  std::vector<xtcp_ctl_conn_entry> out;
  for (const auto& e : all)
    if (f.matches(e)) out.push_back(e);
  return out;
}

}  // namespace xtcp::tools
