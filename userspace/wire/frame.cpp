#include "wire/frame.h"

#include "wire/ipv4.h"
#include "wire/ipv6.h"

namespace xtcp::wire {
namespace {

ParseError parse_ipv4(std::span<const uint8_t> l3, ChecksumCheck check, FrameHeaders& h,
                      std::span<const uint8_t>& l4, size_t& l4_offset) {
  const Ipv4Packet pkt(l3);
  Ipv4Repr ip;
  if (ParseError e = Ipv4Repr::parse(pkt, ip, check); e != ParseError::kOk) return e;
  if (ip.protocol != ip_protocol::kTcp) return ParseError::kNotTcp;
  h.src_ip = ip.src;
  h.dst_ip = ip.dst;
  h.ttl = ip.ttl;
  h.dscp = ip.dscp;
  h.ecn = ip.ecn;
  h.ip_id = ip.ident;
  h.dont_fragment = ip.dont_fragment;
  h.flow_label = 0;
  l4 = pkt.payload();
  l4_offset = pkt.header_len();
  return ParseError::kOk;
}

ParseError parse_ipv6(std::span<const uint8_t> l3, FrameHeaders& h,
                      std::span<const uint8_t>& l4, size_t& l4_offset) {
  const Ipv6Packet pkt(l3);
  Ipv6Repr ip;
  if (ParseError e = Ipv6Repr::parse(pkt, ip); e != ParseError::kOk) return e;
  // Extension headers are not walked: xtcp's peers send none on TCP flows.
  if (ip.next_header != ip_protocol::kTcp) return ParseError::kNotTcp;
  h.src_ip = ip.src;
  h.dst_ip = ip.dst;
  h.ttl = ip.hop_limit;
  h.dscp = ip.traffic_class >> 2;
  h.ecn = ip.traffic_class & 0x03;
  h.ip_id = 0;
  h.dont_fragment = true;
  h.flow_label = ip.flow_label;
  l4 = pkt.payload();
  l4_offset = Ipv6Packet::kHeaderLen;
  return ParseError::kOk;
}

size_t ip_header_len(const FrameHeaders& h) {
  return h.src_ip.family == IpFamily::kV4 ? Ipv4Packet::kHeaderLen : Ipv6Packet::kHeaderLen;
}

// Writes Ethernet and IP headers for a TCP segment of tcp_len bytes;
// returns the offset of the TCP header, or 0 on overflow.
size_t put_lower_headers(const FrameHeaders& h, size_t tcp_len, std::span<uint8_t> out) {
  if (tcp_len > 0xffff - ip_header_len(h)) return 0;
  EthernetRepr eth = h.eth;
  const bool v4 = h.src_ip.family == IpFamily::kV4;
  eth.ethertype = v4 ? ethertype::kIpv4 : ethertype::kIpv6;
  const size_t l3 = eth.emit(out);
  if (v4) {
    const Ipv4Repr ip{.src = h.src_ip, .dst = h.dst_ip, .protocol = ip_protocol::kTcp,
                      .ttl = h.ttl, .dscp = h.dscp, .ecn = h.ecn, .ident = h.ip_id,
                      .dont_fragment = h.dont_fragment,
                      .payload_len = static_cast<uint16_t>(tcp_len)};
    return l3 + ip.emit(out.subspan(l3));
  }
  const Ipv6Repr ip{.src = h.src_ip, .dst = h.dst_ip, .next_header = ip_protocol::kTcp,
                    .hop_limit = h.ttl,
                    .traffic_class = static_cast<uint8_t>((h.dscp << 2) | (h.ecn & 0x03)),
                    .flow_label = h.flow_label,
                    .payload_len = static_cast<uint16_t>(tcp_len)};
  return l3 + ip.emit(out.subspan(l3));
}

}  // namespace

ParseError parse_frame(std::span<const uint8_t> frame, ParsedFrame& out, ChecksumCheck check) {
  const EthernetFrame eth_view(frame);
  if (ParseError e = EthernetRepr::parse(eth_view, out.hdr.eth); e != ParseError::kOk) return e;
  const size_t l3_offset = eth_view.header_len();
  const std::span<const uint8_t> l3 = eth_view.payload();
  std::span<const uint8_t> l4;
  size_t l4_rel = 0;
  ParseError e = ParseError::kUnsupportedEthertype;
  if (out.hdr.eth.ethertype == ethertype::kIpv4) {
    e = parse_ipv4(l3, check, out.hdr, l4, l4_rel);
  } else if (out.hdr.eth.ethertype == ethertype::kIpv6) {
    e = parse_ipv6(l3, out.hdr, l4, l4_rel);
  }
  if (e != ParseError::kOk) return e;
  e = tcp_parse(l4, out.hdr.src_ip, out.hdr.dst_ip, out.tcp, check);
  if (e != ParseError::kOk) return e;
  out.l3_offset = static_cast<uint16_t>(l3_offset);
  out.l4_offset = static_cast<uint16_t>(l3_offset + l4_rel);
  return ParseError::kOk;
}

size_t frame_header_len(const FrameHeaders& h, const TcpRepr& r) {
  return h.eth.buffer_len() + ip_header_len(h) + tcp_header_len(r);
}

size_t build_frame_in_place(const FrameHeaders& h, const TcpRepr& r, size_t payload_len,
                            std::span<uint8_t> out) {
  const size_t hdr_len = frame_header_len(h, r);
  if (out.size() < hdr_len || out.size() - hdr_len < payload_len) return 0;
  const size_t l4 = put_lower_headers(h, tcp_header_len(r) + payload_len, out);
  if (l4 == 0) return 0;
  const size_t n = tcp_emit_in_place(r, payload_len, out.subspan(l4),
                                     tcp_pseudo_sum(h.src_ip, h.dst_ip));
  return n == 0 ? 0 : l4 + n;
}

size_t build_frame(const FrameHeaders& h, const TcpRepr& r, PayloadParts payload,
                   std::span<uint8_t> out) {
  const size_t hdr_len = frame_header_len(h, r);
  if (out.size() < hdr_len || out.size() - hdr_len < payload.size()) return 0;
  const size_t l4 = put_lower_headers(h, tcp_header_len(r) + payload.size(), out);
  if (l4 == 0) return 0;
  const size_t n = tcp_emit(r, payload, out.subspan(l4), tcp_pseudo_sum(h.src_ip, h.dst_ip));
  return n == 0 ? 0 : l4 + n;
}

size_t build_frame(const FrameHeaders& h, const TcpRepr& r, std::span<uint8_t> out) {
  return build_frame(h, r, PayloadParts{r.payload, {}}, out);
}

}  // namespace xtcp::wire
