#include "wire/ipv6.h"

#include <cstring>

#include "wire/bytes.h"

namespace xtcp::wire {

ParseError Ipv6Packet::check_len() const {
  if (buf_.size() < kHeaderLen) return ParseError::kTruncated;
  if (version() != 6) return ParseError::kBadVersion;
  if (buf_.size() - kHeaderLen < payload_len()) return ParseError::kTruncated;
  return ParseError::kOk;
}

uint8_t Ipv6Packet::traffic_class() const {
  return static_cast<uint8_t>((load_be16(buf_.data()) >> 4) & 0xff);
}

uint32_t Ipv6Packet::flow_label() const { return load_be32(buf_.data()) & 0xfffff; }

uint16_t Ipv6Packet::payload_len() const { return load_be16(buf_.data() + 4); }

ParseError Ipv6Repr::parse(const Ipv6Packet& pkt, Ipv6Repr& out) {
  if (ParseError e = pkt.check_len(); e != ParseError::kOk) return e;
  out.src = pkt.src();
  out.dst = pkt.dst();
  out.next_header = pkt.next_header();
  out.hop_limit = pkt.hop_limit();
  out.traffic_class = pkt.traffic_class();
  out.flow_label = pkt.flow_label();
  out.payload_len = pkt.payload_len();
  return ParseError::kOk;
}

size_t Ipv6Repr::emit(std::span<uint8_t> buf) const {
  if (buf.size() < Ipv6Packet::kHeaderLen) return 0;
  uint8_t* p = buf.data();
  store_be32(p, (6u << 28) | (uint32_t{traffic_class} << 20) | (flow_label & 0xfffff));
  store_be16(p + 4, payload_len);
  p[6] = next_header;
  p[7] = hop_limit;
  std::memcpy(p + 8, src.bytes.data(), 16);
  std::memcpy(p + 24, dst.bytes.data(), 16);
  return Ipv6Packet::kHeaderLen;
}

}  // namespace xtcp::wire
