#include "daemon/config.h"

#include <cstdlib>

namespace xtcp::daemon {

std::string default_socket_path() {
  const char* env = std::getenv(XTCP_CTL_SOCKET_ENV);
  if (env != nullptr && env[0] != '\0') return env;
  return Config::kDefaultSocketPath;
}

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
