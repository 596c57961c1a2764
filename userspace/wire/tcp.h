// TCP headers (RFC 9293 section 3.1) and options: parse into and emit from
// wire::TcpRepr (tcp_repr.h). Options: EOL/NOP/MSS (RFC 9293 3.2), window
// scale and timestamps (RFC 7323), SACK-permitted and SACK (RFC 2018).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "wire/checksum.h"
#include "wire/error.h"
#include "wire/ip_address.h"
#include "wire/tcp_repr.h"

namespace xtcp::wire {

namespace tcp_option {
inline constexpr uint8_t kEol = 0;
inline constexpr uint8_t kNop = 1;
inline constexpr uint8_t kMss = 2;
inline constexpr uint8_t kWindowScale = 3;
inline constexpr uint8_t kSackPermitted = 4;
inline constexpr uint8_t kSack = 5;
inline constexpr uint8_t kTimestamps = 8;
}  // namespace tcp_option

// Read-only view over a TCP segment (header + payload, exactly the IP
// payload). check_len() validates the data offset; afterwards getters,
// options() and payload() stay inside the buffer.
class TcpSegment {
 public:
  static constexpr size_t kHeaderLen = 20;
  static constexpr size_t kMaxOptionsLen = 40;

  explicit TcpSegment(std::span<const uint8_t> buf) : buf_(buf) {}

  ParseError check_len() const;

  uint16_t src_port() const;
  uint16_t dst_port() const;
  SeqNumber seq() const;
  SeqNumber ack() const;
  size_t header_len() const { return static_cast<size_t>(buf_[12] >> 4) * 4; }
  uint8_t flags() const { return buf_[13]; }
  uint16_t window() const;
  uint16_t checksum() const;
  uint16_t urgent() const;
  std::span<const uint8_t> options() const {
    return buf_.subspan(kHeaderLen, header_len() - kHeaderLen);
  }
  std::span<const uint8_t> payload() const { return buf_.subspan(header_len()); }
  // RFC 9293 3.1: checksum over pseudo-header + segment. pseudo_sum as
  // from tcp_pseudo_sum(); the length is added here.
  bool checksum_ok(uint32_t pseudo_sum) const;

 private:
  std::span<const uint8_t> buf_;
};

// Parses an options area. Rejects, without reading past opts: a length byte
// missing, length < 2, a length running past the area (kBadOption); a known
// kind with the wrong length (kBadOption); a known kind twice
// (kDuplicateOption). Unknown kinds are skipped by their length; EOL stops.
ParseError parse_tcp_options(std::span<const uint8_t> opts, TcpOptions& out);

// Bytes emit_tcp_options() writes (a multiple of 4, at most 40). Uses the
// 4-byte-aligned layout of RFC 7323 appendix A when it fits, a packed one
// otherwise; SACK blocks that fit in neither are dropped from the end.
size_t tcp_options_len(const TcpOptions& o);
size_t emit_tcp_options(const TcpOptions& o, uint8_t* out);

// The address part of the pseudo-header (length 0), cacheable per
// connection; parse and emit add the segment length.
inline uint32_t tcp_pseudo_sum(const IpAddress& src, const IpAddress& dst) {
  return pseudo_header_sum(src, dst, 6, 0);
}

// segment: the IP payload (header + data). On success out.payload points
// into segment.
ParseError tcp_parse(std::span<const uint8_t> segment, uint32_t pseudo_sum, TcpRepr& out,
                     ChecksumCheck check = ChecksumCheck::kVerify);
inline ParseError tcp_parse(std::span<const uint8_t> segment, const IpAddress& src,
                            const IpAddress& dst, TcpRepr& out,
                            ChecksumCheck check = ChecksumCheck::kVerify) {
  return tcp_parse(segment, tcp_pseudo_sum(src, dst), out, check);
}

// Payload in up to two pieces (a send ring that wraps), copied in order.
struct PayloadParts {
  std::span<const uint8_t> first;
  std::span<const uint8_t> second;
  size_t size() const { return first.size() + second.size(); }
};

size_t tcp_header_len(const TcpRepr& r);  // 20 + options
inline size_t tcp_buffer_len(const TcpRepr& r) { return tcp_header_len(r) + r.payload.size(); }

// Each emit writes header + options, places the payload after them and fills
// the checksum. Returns the bytes written (header + payload), or 0 when buf
// is too short. r.payload is used by the first form only.
size_t tcp_emit(const TcpRepr& r, std::span<uint8_t> buf, uint32_t pseudo_sum);
size_t tcp_emit(const TcpRepr& r, PayloadParts payload, std::span<uint8_t> buf,
                uint32_t pseudo_sum);
// The payload_len bytes are already at buf[tcp_header_len(r)...].
size_t tcp_emit_in_place(const TcpRepr& r, size_t payload_len, std::span<uint8_t> buf,
                         uint32_t pseudo_sum);

inline size_t tcp_emit(const TcpRepr& r, std::span<uint8_t> buf, const IpAddress& src,
                       const IpAddress& dst) {
  return tcp_emit(r, buf, tcp_pseudo_sum(src, dst));
}

}  // namespace xtcp::wire
