// Config: everything xtcpd is told on its command line, in one aggregate
// whose members default to named constants (sizes default to the xsk
// layer's own defaults).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "daemon/sandbox.h"
#include "stack/fault_packet_io.h"
#include "stack/time_wait_table.h"
#include "xsk/config.h"
#include "xtcp/control.h"

namespace xtcp::daemon {

struct Config {
  static constexpr uint32_t kDefaultQueues = 1;
  static constexpr const char* kDefaultSocketPath = XTCP_CTL_DEFAULT_SOCKET;
  static constexpr xsk::BindMode kDefaultXdpMode = xsk::BindMode::kAuto;
  static constexpr uint32_t kDefaultFrameSize = xsk::XskConfig::kDefaultFrameSize;
  static constexpr uint32_t kDefaultFrames = xsk::XskConfig::kDefaultFrameCount;
  static constexpr uint32_t kDefaultRingSize = xsk::XskConfig::kDefaultRxSize;
  static constexpr uint32_t kMaxRingSize = 1u << 16;

  std::string iface;                   // required
  uint32_t queues = kDefaultQueues;    // queues 0..queues-1 get a socket
  std::string socket_path;             // control socket
  std::vector<uint16_t> steer_ports;   // host order, sorted, unique
  xsk::BindMode xdp_mode = kDefaultXdpMode;
  uint32_t frame_size = kDefaultFrameSize;
  uint32_t frames = kDefaultFrames;    // UMEM frames per queue
  uint32_t ring_size = kDefaultRingSize;  // rx/tx/completion; fill is twice
  // The application side (issue 4).
  static constexpr uint32_t kDefaultConnBuffer = 256 * 1024;
  static constexpr uint32_t kDefaultMaxConns = 16384;
  static constexpr uint32_t kDefaultMaxAppConns = 8192;
  static constexpr uint32_t kDefaultAppMemoryMib = 4096;
  std::string poll = "adaptive";        // adaptive | busy | interrupt
  uint32_t conn_buffer = kDefaultConnBuffer;  // each ring of a connection
  uint32_t max_conns = kDefaultMaxConns;      // per queue
  uint32_t max_app_conns = kDefaultMaxAppConns;
  uint32_t app_memory_mib = kDefaultAppMemoryMib;
  std::string socket_group;             // "" : the daemon's own group
  uint32_t time_wait_s = 60;            // tcp::kDefaultTimeWait
  uint32_t neighbour_cache = 4096;      // stack::kDefaultNeighbourCacheSize, per queue
  uint32_t max_time_wait = stack::kDefaultMaxTimeWait;  // records per queue
  uint32_t rto_min_ms = 200;            // tcp::kDefaultMinRto (like ip route ... rto_min)
  SandboxMode sandbox = SandboxMode::kEnforce;  // after attach (sandbox.h)
  bool sandbox_probe = false;           // tests only: SIGUSR1 -> a forbidden call
  // --fault (issue 6, tests only): off unless fault.any().
  stack::FaultConfig fault;
};

// The socket xtcpd serves and xtcpctl reaches when no --socket is given:
// $XTCP_SOCKET if set and non-empty, else XTCP_CTL_DEFAULT_SOCKET.
std::string default_socket_path();

// The per-queue AF_XDP sizing derived from the command line.
xsk::XskConfig xsk_config(const Config& cfg);

// "" when a frame of the interface's MTU (Ethernet header and one VLAN tag
// included) fits in a UMEM frame after the kernel's XDP_PACKET_HEADROOM;
// else one sentence saying what to change. The kernel drops longer frames
// on the AF_XDP socket (counted only in xsk_rx_dropped).
std::string check_mtu(const Config& cfg, uint32_t mtu);

}  // namespace xtcp::daemon
