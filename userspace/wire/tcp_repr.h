// The typed form of a TCP header (RFC 9293 section 3.1) with its options
// (RFC 9293 3.2 MSS, RFC 7323 window scale and timestamps, RFC 2018 SACK).
// parse/emit live in tcp.h; this header is what the TCP engine consumes and
// produces, so it has no dependencies.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "wire/seq.h"

namespace xtcp::wire {

namespace tcp_flags {
inline constexpr uint8_t kFin = 0x01;
inline constexpr uint8_t kSyn = 0x02;
inline constexpr uint8_t kRst = 0x04;
inline constexpr uint8_t kPsh = 0x08;
inline constexpr uint8_t kAck = 0x10;
inline constexpr uint8_t kUrg = 0x20;
inline constexpr uint8_t kEce = 0x40;
inline constexpr uint8_t kCwr = 0x80;
}  // namespace tcp_flags

// A SACK block [left, right) (RFC 2018 section 3).
struct SackBlock {
  SeqNumber left;
  SeqNumber right;
  bool operator==(const SackBlock&) const = default;
};

// RFC 7323 section 3: TSval and TSecr.
struct Timestamps {
  uint32_t tsval = 0;
  uint32_t tsecr = 0;
  bool operator==(const Timestamps&) const = default;
};

inline constexpr size_t kMaxSackBlocks = 4;  // 40 option bytes hold at most 4

struct TcpOptions {
  std::optional<uint16_t> mss;          // kind 2, SYN only
  std::optional<uint8_t> window_scale;  // kind 3, SYN only; shift count
  bool sack_permitted = false;          // kind 4, SYN only
  std::optional<Timestamps> timestamps; // kind 8
  uint8_t sack_count = 0;               // kind 5: number of valid blocks
  std::array<SackBlock, kMaxSackBlocks> sack{};

  std::span<const SackBlock> sack_blocks() const { return {sack.data(), sack_count}; }
  bool operator==(const TcpOptions&) const = default;
};

struct TcpRepr {
  uint16_t src_port = 0;  // host order
  uint16_t dst_port = 0;  // host order
  SeqNumber seq;
  SeqNumber ack;
  uint8_t flags = 0;      // tcp_flags::*
  uint16_t window = 0;    // raw header field, before scaling
  uint16_t urgent = 0;
  TcpOptions options;
  std::span<const uint8_t> payload;  // points into the frame it was parsed from

  bool has(uint8_t f) const { return (flags & f) != 0; }
  // Sequence space the segment occupies: payload plus one each for SYN, FIN.
  uint32_t segment_len() const {
    return static_cast<uint32_t>(payload.size()) + (has(tcp_flags::kSyn) ? 1 : 0) +
           (has(tcp_flags::kFin) ? 1 : 0);
  }
};

}  // namespace xtcp::wire
