#include "daemon/config.h"

#include <linux/bpf.h>  // XDP_PACKET_HEADROOM


namespace xtcp::daemon {

std::string default_socket_path() { return xtcp_ctl_socket_path(); }

xsk::XskConfig xsk_config(const Config& cfg) {
  xsk::XskConfig x;
  x.frame_size = cfg.frame_size;
  x.frame_count = cfg.frames;
  x.rx_size = cfg.ring_size;
  x.tx_size = cfg.ring_size;
  x.comp_size = cfg.ring_size;
  // The fill ring is twice the RX ring so RX never starves while frames
  // are on their way back (same ratio as the xsk defaults).
  x.fill_size = cfg.ring_size * 2;
  x.mode = cfg.xdp_mode;
  return x;
}

}  // namespace xtcp::daemon

namespace xtcp::daemon {

std::string check_mtu(const Config& cfg, uint32_t mtu) {
  constexpr uint32_t kL2 = 14 + 4;  // Ethernet header plus one 802.1Q tag
  const xsk::XskConfig x = xsk_config(cfg);
  const uint64_t room = uint64_t{x.frame_size} - x.frame_headroom - XDP_PACKET_HEADROOM;
  if (uint64_t{mtu} + kL2 <= room) return "";
  return "the MTU " + std::to_string(mtu) + " of " + cfg.iface + " does not fit in " +
         std::to_string(x.frame_size) + "-byte UMEM frames (at most " + std::to_string(room - kL2) +
         "); " + (x.frame_size < 4096 ? "use --frame-size 4096 or lower the MTU" : "lower the MTU");
}

}  // namespace xtcp::daemon
