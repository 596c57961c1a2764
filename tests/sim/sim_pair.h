// Two TCP engines joined by two simulated links (sim_link.h) and driven by a
// deterministic event loop on a virtual clock: the client actively opens a
// Connection, the server's Listener accepts it; each side's app writes its
// share of a seeded byte stream, reads and hashes what arrives, and closes
// (the side that sends first-or-only closes first and must end in
// TIME-WAIT, the other in CLOSED).
//
// Loop: advance the clock to min(next delivery on either link, poll_at() of
// every connection/listener); deliver what is due; let the apps act; drain
// poll_transmit() on both sides into the links.
#pragma once

#include <cstdint>
#include <string>

#include "sim/sim_link.h"
#include "tcp/config.h"
#include "tcp/state.h"
#include "tcp/tcp_info.h"
#include "tcp/time.h"

namespace xtcp::sim {

struct TransferSpec {
  uint64_t client_to_server = 0;  // bytes the client app sends
  uint64_t server_to_client = 0;
  LinkParams forward;  // client -> server
  LinkParams reverse;  // server -> client
  tcp::TcpConfig client_cfg;
  tcp::TcpConfig server_cfg;
  uint64_t seed = 1;
  tcp::Duration time_limit = tcp::Duration::seconds(3600);  // virtual
  uint64_t max_steps = 100'000'000;
  bool wait_time_wait = true;  // after the close, run until TIME-WAIT ends
};

struct SideResult {
  uint64_t to_send = 0, sent = 0;        // app bytes queued into the engine
  uint64_t to_receive = 0, received = 0;  // app bytes read from the engine
  uint64_t sent_hash = 0, received_hash = 0;  // FNV-1a 64
  uint64_t expected_hash = 0;  // FNV-1a of what the peer's stream holds
  int64_t first_mismatch = -1;  // offset of the first wrong byte read
  tcp::Instant last_byte_at = tcp::Instant::never();
  bool active_closer = false;
  tcp::State state_at_finish = tcp::State::kClosed;
  tcp::State final_state = tcp::State::kClosed;
  tcp::TcpError error = tcp::TcpError::kNone;
  tcp::TcpInfo info;  // at finish (or at failure)
  uint64_t checksum_drops = 0;    // segments refused by the TCP checksum
  uint64_t corrupt_refused = 0;   // corrupted by the link and refused by parse
  uint64_t corrupt_accepted = 0;  // corrupted yet parsed: a checksum miss (a bug)
  uint64_t parse_errors = 0;      // intact segments the parser refused (a bug)
  uint64_t emit_errors = 0;     // tcp_emit refused a segment (a bug)
  uint64_t segments_out = 0;
};

struct TransferResult {
  bool finished = false;  // all data read at both ends and the close done
  std::string why;        // what went wrong when !finished
  SideResult client, server;
  LinkStats forward, reverse;
  tcp::Instant finished_at = tcp::Instant::never();
  tcp::Instant time_wait_end = tcp::Instant::never();
  uint64_t steps = 0;
  uint64_t idle_spins = 0;  // poll_at() <= now yet nothing was sent

  // Payload bits per virtual second from connect() to the last byte read.
  static double goodput_bps(const SideResult& receiver);
  std::string summary() const;  // one line for INFO and logs
};

TransferResult run_transfer(const TransferSpec& spec);

// XTCP_SIM_SEED from the environment when set, else `fallback`.
uint64_t sim_seed(uint64_t fallback);

}  // namespace xtcp::sim
