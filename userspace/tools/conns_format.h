// How `xtcpctl conns` prints the daemon's connection table: one aligned row
// per connection for people (like `ss -ti`), and one JSON object of a fixed
// shape for scripts (written by nlohmann-json). Pure functions of the
// entries: no I/O.
//
// JSON shape (keys are stable; `xtcpctl --help` lists them):
//   {"connections":[{"state":"ESTABLISHED","local":"10.77.0.2:5001",
//     "peer":"10.77.0.1:40000","local_port":5001,"peer_port":40000,
//     "shard":0,"pid":1234,"rtt_ms":0.25,"rttvar_ms":0.125,"rto_ms":200,
//     "cwnd":14480,"ssthresh":4294967295,"mss":1448,"retransmits":0,
//     "bytes_sent":N,"bytes_acked":N,"bytes_received":N,
//     "rx_queue":N,"tx_queue":N}, ...],"total":N}
// IPv6 endpoints are written "[fd77::2]:5001".
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "xtcp/control.h"

namespace xtcp::tools {

// RFC 9293 3.3.2 state name with '_' for '-' ("SYN_SENT"), or "UNKNOWN".
const char* conn_state_name(uint32_t state);
// "10.77.0.2:5001", "[fd77::2]:5001", or "?:PORT" for an unknown family.
std::string format_endpoint(uint8_t family, const uint8_t (&addr)[16], uint16_t port);

std::string format_conns_table(std::span<const xtcp_ctl_conn_entry> entries);
// One line, no newline; "total" is entries.size().
std::string format_conns_json(std::span<const xtcp_ctl_conn_entry> entries);

}  // namespace xtcp::tools
