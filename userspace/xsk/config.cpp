#include "xsk/config.h"

#include <linux/bpf.h>  // XDP_PACKET_HEADROOM

namespace xtcp::xsk {

namespace {

bool is_pow2(uint32_t v) { return v != 0 && (v & (v - 1)) == 0; }

// Room a frame must keep for received data: an 802.1Q-tagged Ethernet frame
// of MTU 1500 (14 + 4 + 1500).
constexpr uint32_t kMinPayloadRoom = 1518;

}  // namespace

Status validate(const XskConfig& c) {
  auto bad = [](std::string s) { return Status(Error{-EINVAL, std::move(s)}); };
  // Aligned-mode UMEM chunks are 2048 or 4096 bytes (kernel xdp_umem_reg).
  if (c.frame_size != 2048 && c.frame_size != 4096)
    return bad("frame_size " + std::to_string(c.frame_size) + " is invalid; use 2048 or 4096.");
  if (c.frame_count == 0 || c.frame_count > XskConfig::kMaxFrameCount)
    return bad("frame_count " + std::to_string(c.frame_count) + " is invalid; use 1.." +
               std::to_string(XskConfig::kMaxFrameCount) + ".");
  const struct {
    const char* name;
    uint32_t v;
  } rings[] = {{"fill_size", c.fill_size}, {"comp_size", c.comp_size},
               {"rx_size", c.rx_size}, {"tx_size", c.tx_size}};
  for (const auto& r : rings)
    if (!is_pow2(r.v))
      return bad(std::string(r.name) + " " + std::to_string(r.v) +
                 " is invalid; ring sizes must be non-zero powers of two.");
  // The kernel puts RX data XDP_PACKET_HEADROOM plus our headroom into the
  // chunk and drops frames longer than the rest (xsk_buff_pool.c frame_len).
  if (uint64_t{c.frame_headroom} + XDP_PACKET_HEADROOM + kMinPayloadRoom > c.frame_size)
    return bad("frame_headroom " + std::to_string(c.frame_headroom) + " plus the kernel's " +
               std::to_string(XDP_PACKET_HEADROOM) + " bytes leaves no room for a " +
               std::to_string(kMinPayloadRoom) + "-byte frame; lower it or use 4096-byte frames.");
  return Status::success();
}

}  // namespace xtcp::xsk
