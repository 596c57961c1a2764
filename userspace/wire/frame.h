// A whole frame: Ethernet [802.1Q] -> IPv4 | IPv6 -> TCP, parsed in place
// and built into a caller's buffer with no allocation. This is the daemon's
// and the simulated link's entry point to the wire layer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "wire/checksum.h"
#include "wire/error.h"
#include "wire/ethernet.h"
#include "wire/ip_address.h"
#include "wire/tcp.h"
#include "wire/tcp_repr.h"

namespace xtcp::wire {

// Everything below TCP. parse_frame fills it; build_frame reads it (the IP
// version follows src_ip.family, eth.ethertype is then set to match).
struct FrameHeaders {
  EthernetRepr eth;
  IpAddress src_ip;
  IpAddress dst_ip;
  uint8_t ttl = 64;            // IPv4 TTL or IPv6 hop limit
  uint8_t dscp = 0;            // IPv4 DSCP / IPv6 traffic class >> 2
  uint8_t ecn = 0;             // RFC 3168 codepoint, 2 bits
  uint16_t ip_id = 0;          // IPv4 only
  bool dont_fragment = true;   // IPv4 only
  uint32_t flow_label = 0;     // IPv6 only, 20 bits
  bool operator==(const FrameHeaders&) const = default;
};

struct ParsedFrame {
  FrameHeaders hdr;
  TcpRepr tcp;              // tcp.payload points into the frame
  uint16_t l3_offset = 0;   // where the IP header starts
  uint16_t l4_offset = 0;   // where the TCP header starts
};

// check applies to the IPv4 header checksum and the TCP checksum.
ParseError parse_frame(std::span<const uint8_t> frame, ParsedFrame& out,
                       ChecksumCheck check = ChecksumCheck::kVerify);

// Bytes before the payload (Ethernet + IP + TCP headers with options).
size_t frame_header_len(const FrameHeaders& h, const TcpRepr& r);

// Each returns the frame length, or 0 if out is too short or the IP length
// would overflow. r.payload is used by the first form only; the in-place
// form expects payload_len bytes at out[frame_header_len(h, r)...].
size_t build_frame(const FrameHeaders& h, const TcpRepr& r, std::span<uint8_t> out);
size_t build_frame(const FrameHeaders& h, const TcpRepr& r, PayloadParts payload,
                   std::span<uint8_t> out);
size_t build_frame_in_place(const FrameHeaders& h, const TcpRepr& r, size_t payload_len,
                            std::span<uint8_t> out);

}  // namespace xtcp::wire
