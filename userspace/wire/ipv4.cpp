#include "wire/ipv4.h"

#include <cstring>

#include "wire/bytes.h"
#include "wire/checksum.h"

namespace xtcp::wire {

ParseError Ipv4Packet::check_len() const {
  if (buf_.size() < kHeaderLen) return ParseError::kTruncated;
  if (version() != 4) return ParseError::kBadVersion;
  if (header_len() < kHeaderLen) return ParseError::kBadHeaderLen;
  if (buf_.size() < header_len()) return ParseError::kTruncated;
  if (total_len() < header_len()) return ParseError::kBadLength;
  // Trailing bytes beyond total_len are link padding and are ignored.
  if (buf_.size() < total_len()) return ParseError::kTruncated;
  return ParseError::kOk;
}

bool Ipv4Packet::checksum_ok() const {
  Checksum c;
  c.add(buf_.first(header_len()));
  return c.verifies();
}

uint16_t Ipv4Packet::total_len() const { return load_be16(buf_.data() + 2); }
uint16_t Ipv4Packet::ident() const { return load_be16(buf_.data() + 4); }
uint16_t Ipv4Packet::frag_offset() const { return load_be16(buf_.data() + 6) & 0x1fff; }
uint16_t Ipv4Packet::checksum() const { return load_be16(buf_.data() + 10); }

std::span<const uint8_t> Ipv4Packet::payload() const {
  return buf_.subspan(header_len(), total_len() - header_len());
}

ParseError Ipv4Repr::parse(const Ipv4Packet& pkt, Ipv4Repr& out, ChecksumCheck check) {
  if (ParseError e = pkt.check_len(); e != ParseError::kOk) return e;
  if (check == ChecksumCheck::kVerify && !pkt.checksum_ok()) return ParseError::kBadChecksum;
  if (pkt.more_fragments() || pkt.frag_offset() != 0) return ParseError::kFragment;
  out.src = pkt.src();
  out.dst = pkt.dst();
  out.protocol = pkt.protocol();
  out.ttl = pkt.ttl();
  out.dscp = pkt.dscp();
  out.ecn = pkt.ecn();
  out.ident = pkt.ident();
  out.dont_fragment = pkt.dont_fragment();
  out.payload_len = static_cast<uint16_t>(pkt.total_len() - pkt.header_len());
  return ParseError::kOk;
}

size_t Ipv4Repr::emit(std::span<uint8_t> buf) const {
  if (buf.size() < Ipv4Packet::kHeaderLen) return 0;
  uint8_t* p = buf.data();
  p[0] = 0x45;  // version 4, IHL 5
  p[1] = static_cast<uint8_t>((dscp << 2) | (ecn & 0x03));
  store_be16(p + 2, static_cast<uint16_t>(Ipv4Packet::kHeaderLen + payload_len));
  store_be16(p + 4, ident);
  store_be16(p + 6, dont_fragment ? 0x4000 : 0);
  p[8] = ttl;
  p[9] = protocol;
  store_be16(p + 10, 0);
  std::memcpy(p + 12, src.bytes.data(), 4);
  std::memcpy(p + 16, dst.bytes.data(), 4);
  store_be16(p + 10, internet_checksum({p, Ipv4Packet::kHeaderLen}));
  return Ipv4Packet::kHeaderLen;
}

}  // namespace xtcp::wire
