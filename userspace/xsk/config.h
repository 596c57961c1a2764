// XskConfig: everything that sizes one AF_XDP socket and its UMEM, in one
// aggregate whose members default to named constants.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "xsk/result.h"

namespace xtcp::xsk {

// How to bind: auto tries zero-copy and falls back to copy (veth only does
// copy); the other two force one mode and fail if it is not available.
enum class BindMode : uint8_t { kAuto, kZeroCopy, kCopy };

// "auto", "zerocopy", "copy". Inline, like parse_bind_mode, so option
// parsers that do not link the xsk library (xtcpd's core) share them.
inline const char* bind_mode_name(BindMode m) {
  switch (m) {
    case BindMode::kAuto: return "auto";
    case BindMode::kZeroCopy: return "zerocopy";
    case BindMode::kCopy: return "copy";
  }
  return "?";
}

// Parses "auto" / "zerocopy" / "copy"; false on anything else.
inline bool parse_bind_mode(std::string_view s, BindMode* out) {
  if (s == "auto") *out = BindMode::kAuto;
  else if (s == "zerocopy") *out = BindMode::kZeroCopy;
  else if (s == "copy") *out = BindMode::kCopy;
  else return false;
  return true;
}

struct XskConfig {
  static constexpr uint32_t kDefaultFrameSize = 4096;   // one page per frame
  static constexpr uint32_t kDefaultFrameCount = 8192;  // 32 MiB of UMEM
  static constexpr uint32_t kDefaultFillSize = 4096;
  static constexpr uint32_t kDefaultCompSize = 2048;
  static constexpr uint32_t kDefaultRxSize = 2048;
  static constexpr uint32_t kDefaultTxSize = 2048;
  static constexpr uint32_t kDefaultHeadroom = 0;
  static constexpr uint32_t kMaxFrameCount = 1u << 20;

  uint32_t frame_size = kDefaultFrameSize;    // 2048 or 4096
  uint32_t frame_count = kDefaultFrameCount;  // frames in the UMEM
  uint32_t fill_size = kDefaultFillSize;      // ring sizes: powers of two
  uint32_t comp_size = kDefaultCompSize;
  uint32_t rx_size = kDefaultRxSize;
  uint32_t tx_size = kDefaultTxSize;
  uint32_t frame_headroom = kDefaultHeadroom;  // bytes the kernel leaves free
  BindMode mode = BindMode::kAuto;
};

// Checks sizes before anything is mapped: frame size 2048 or 4096, ring
// sizes non-zero powers of two, headroom (plus the kernel's 256 bytes of
// XDP_PACKET_HEADROOM) leaving room for a VLAN-tagged MTU-1500 frame,
// 1 <= frame_count <= kMaxFrameCount. Error code -EINVAL with the reason.
Status validate(const XskConfig& cfg);

}  // namespace xtcp::xsk
