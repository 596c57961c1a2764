// TCP segment view, parse and emit (RFC 9293 section 3.1).
#include "wire/tcp.h"

#include <cstring>

#include "wire/bytes.h"

namespace xtcp::wire {

ParseError TcpSegment::check_len() const {
  if (buf_.size() < kHeaderLen) return ParseError::kTruncated;
  if (header_len() < kHeaderLen) return ParseError::kBadHeaderLen;
  if (buf_.size() < header_len()) return ParseError::kTruncated;
  return ParseError::kOk;
}

uint16_t TcpSegment::src_port() const { return load_be16(buf_.data()); }
uint16_t TcpSegment::dst_port() const { return load_be16(buf_.data() + 2); }
SeqNumber TcpSegment::seq() const { return SeqNumber(load_be32(buf_.data() + 4)); }
SeqNumber TcpSegment::ack() const { return SeqNumber(load_be32(buf_.data() + 8)); }
uint16_t TcpSegment::window() const { return load_be16(buf_.data() + 14); }
uint16_t TcpSegment::checksum() const { return load_be16(buf_.data() + 16); }
uint16_t TcpSegment::urgent() const { return load_be16(buf_.data() + 18); }

bool TcpSegment::checksum_ok(uint32_t pseudo_sum) const {
  Checksum c;
  const uint64_t len = buf_.size();
  c.add_sum(pseudo_sum);
  c.add_sum(static_cast<uint32_t>((len >> 16) + (len & 0xffff)));
  c.add(buf_);
  return c.verifies();
}

ParseError tcp_parse(std::span<const uint8_t> segment, uint32_t pseudo_sum, TcpRepr& out,
                     ChecksumCheck check) {
  const TcpSegment seg(segment);
  if (ParseError e = seg.check_len(); e != ParseError::kOk) return e;
  if (check == ChecksumCheck::kVerify && !seg.checksum_ok(pseudo_sum)) {
    return ParseError::kBadChecksum;
  }
  if (ParseError e = parse_tcp_options(seg.options(), out.options); e != ParseError::kOk) {
    return e;
  }
  out.src_port = seg.src_port();
  out.dst_port = seg.dst_port();
  out.seq = seg.seq();
  out.ack = seg.ack();
  out.flags = seg.flags();
  out.window = seg.window();
  out.urgent = seg.urgent();
  out.payload = seg.payload();
  return ParseError::kOk;
}

size_t tcp_header_len(const TcpRepr& r) {
  return TcpSegment::kHeaderLen + tcp_options_len(r.options);
}

namespace {

// Writes header and options with a zero checksum; returns the header length.
size_t put_header(const TcpRepr& r, uint8_t* p) {
  store_be16(p, r.src_port);
  store_be16(p + 2, r.dst_port);
  store_be32(p + 4, r.seq.raw());
  store_be32(p + 8, r.ack.raw());
  const size_t hlen = TcpSegment::kHeaderLen + emit_tcp_options(r.options, p + 20);
  p[12] = static_cast<uint8_t>((hlen / 4) << 4);
  p[13] = r.flags;
  store_be16(p + 14, r.window);
  store_be16(p + 16, 0);
  store_be16(p + 18, r.urgent);
  return hlen;
}

void put_checksum(uint8_t* p, size_t len, uint32_t pseudo_sum) {
  Checksum c;
  c.add_sum(pseudo_sum);
  c.add_sum(static_cast<uint32_t>((len >> 16) + (len & 0xffff)));
  c.add({p, len});
  store_be16(p + 16, c.result());
}

}  // namespace

size_t tcp_emit_in_place(const TcpRepr& r, size_t payload_len, std::span<uint8_t> buf,
                         uint32_t pseudo_sum) {
  const size_t hlen = tcp_header_len(r);
  if (buf.size() < hlen || buf.size() - hlen < payload_len) return 0;
  put_header(r, buf.data());
  put_checksum(buf.data(), hlen + payload_len, pseudo_sum);
  return hlen + payload_len;
}

size_t tcp_emit(const TcpRepr& r, PayloadParts payload, std::span<uint8_t> buf,
                uint32_t pseudo_sum) {
  const size_t hlen = tcp_header_len(r);
  if (buf.size() < hlen || buf.size() - hlen < payload.size()) return 0;
  uint8_t* data = buf.data() + hlen;
  // memmove: r.payload may already sit at (or overlap) its place in buf;
  // a null source is undefined even for length 0.
  if (!payload.first.empty()) std::memmove(data, payload.first.data(), payload.first.size());
  if (!payload.second.empty()) {
    std::memmove(data + payload.first.size(), payload.second.data(), payload.second.size());
  }
  return tcp_emit_in_place(r, payload.size(), buf, pseudo_sum);
}

size_t tcp_emit(const TcpRepr& r, std::span<uint8_t> buf, uint32_t pseudo_sum) {
  return tcp_emit(r, PayloadParts{r.payload, {}}, buf, pseudo_sum);
}

}  // namespace xtcp::wire
