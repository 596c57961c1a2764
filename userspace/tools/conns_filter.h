// `xtcpctl conns` filters, in the spirit of ss's state and port filters:
//   --state S[,S...]  RFC 9293 state names, any case, '-' or '_'
//                     (established, syn-sent, TIME_WAIT, ...); repeatable
//   --sport P / --dport P / --port P   local, peer, or either port
// Every given filter must match (ss's "and"). Pure: no I/O.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "xtcp/control.h"

namespace xtcp::tools {

struct ConnsFilter {
  std::vector<uint32_t> states;  // enum xtcp_chan_state values; empty: any
  int sport = -1, dport = -1, port = -1;  // -1: any
  bool matches(const xtcp_ctl_conn_entry& e) const;
};

// Adds the states in a comma-separated list; "" or why it is wrong.
std::string add_state_filter(std::string_view list, ConnsFilter* f);
// Parses a port 1..65535 into *out; "" or why it is wrong.
std::string parse_port_filter(std::string_view opt, std::string_view value, int* out);

std::vector<xtcp_ctl_conn_entry> filter_conns(std::span<const xtcp_ctl_conn_entry> all, const ConnsFilter& f);

}  // namespace xtcp::tools
