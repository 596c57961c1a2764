// frame_builder.h: builds test frames layer by layer for the XDP table tests.
//
//   Frame f = FrameBuilder{}.eth().ipv4({.src = a, .dst = b}).tcp({.dport = 80})
//                 .build();
//
// Each layer fills the previous layer's type field (EtherType, IPv4
// protocol, IPv6 next header) unless a knob overrides it; lengths (IPv4 total
// length, IPv6 payload length, UDP length) and the IPv4 header checksum are
// filled in by build(). Knobs produce broken frames on purpose: bad IHL, TCP
// data offset, fragment bits, IP options, IPv6 extension headers, truncation.
#pragma once

#include <arpa/inet.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace xtcp::bpftest {

using Bytes = std::vector<std::uint8_t>;
using Ip4 = std::array<std::uint8_t, 4>;
using Ip6 = std::array<std::uint8_t, 16>;

inline Ip4 ip4(const char* text) {
  Ip4 a{};
  ::inet_pton(AF_INET, text, a.data());
  return a;
}

inline Ip6 ip6(const char* text) {
  Ip6 a{};
  ::inet_pton(AF_INET6, text, a.data());
  return a;
}

// EtherTypes (IEEE 802 numbers) and IP protocol numbers (IANA).
inline constexpr std::uint16_t kEthIpv4 = 0x0800;
inline constexpr std::uint16_t kEthArp = 0x0806;
inline constexpr std::uint16_t kEthVlan = 0x8100;    // 802.1Q
inline constexpr std::uint16_t kEthQinQ = 0x88a8;    // 802.1AD
inline constexpr std::uint16_t kEthIpv6 = 0x86dd;
inline constexpr std::uint8_t kProtoIcmp = 1;
inline constexpr std::uint8_t kProtoTcp = 6;
inline constexpr std::uint8_t kProtoUdp = 17;
inline constexpr std::uint8_t kProtoIcmpv6 = 58;

// TCP flags (RFC 9293 section 3.1).
inline constexpr std::uint8_t kFin = 0x01;
inline constexpr std::uint8_t kSyn = 0x02;
inline constexpr std::uint8_t kAck = 0x10;

struct Ipv4Knobs {
  Ip4 src{};
  Ip4 dst{};
  std::optional<std::uint8_t> version;   // default 4
  std::optional<std::uint8_t> ihl;       // default from options length
  std::optional<std::uint16_t> tot_len;  // default: to the end of the frame
  bool more_fragments = false;           // MF flag (RFC 791 section 3.1)
  std::uint16_t frag_offset = 0;         // in 8-byte units
  Bytes options;                         // appended after the fixed header
};

struct Ipv6Knobs {
  Ip6 src{};
  Ip6 dst{};
  std::optional<std::uint8_t> version;        // default 6
  std::optional<std::uint8_t> ext_header;     // one 8-byte extension header
  std::optional<std::uint16_t> payload_len;   // default: to the end
  std::optional<std::uint8_t> next_header;    // default from the next layer
};

struct TcpKnobs {
  std::uint16_t sport = 40000;
  std::uint16_t dport = 80;
  std::uint8_t flags = kSyn;
  std::optional<std::uint8_t> doff;  // default from options length
  Bytes options;                     // padded to 4 bytes by the caller
  Bytes payload;
};

class FrameBuilder {
 public:
  FrameBuilder& eth(std::optional<std::uint16_t> ethertype = std::nullopt) {
    append({0x02, 0x00, 0x00, 0x00, 0x00, 0x02});  // dst MAC
    append({0x02, 0x00, 0x00, 0x00, 0x00, 0x01});  // src MAC
    open_type16(ethertype);
    return *this;
  }

  // One 802.1Q/802.1AD tag: TPID goes in the previous type field.
  FrameBuilder& vlan(std::uint16_t vid, std::uint16_t tpid = kEthVlan) {
    fill_type(tpid);
    put16(vid & 0x0fff);
    open_type16(std::nullopt);
    return *this;
  }

  FrameBuilder& ipv4(const Ipv4Knobs& k) {
    fill_type(kEthIpv4);
    ip4_at_ = buf_.size();
    ip4_tot_len_ = k.tot_len;
    const std::size_t hlen = 20 + k.options.size();
    const std::uint8_t ihl = k.ihl.value_or(static_cast<std::uint8_t>(hlen / 4));
    buf_.push_back(static_cast<std::uint8_t>(k.version.value_or(4) << 4 | (ihl & 0x0f)));
    buf_.push_back(0);  // DSCP/ECN
    put16(0);           // total length, filled by build()
    put16(0x1234);      // identification
    put16(static_cast<std::uint16_t>((k.more_fragments ? 0x2000 : 0) |
                                     (k.frag_offset & 0x1fff)));
    buf_.push_back(64);  // TTL
    open_type8(std::nullopt);
    put16(0);  // header checksum, filled by build()
    append(Bytes(k.src.begin(), k.src.end()));
    append(Bytes(k.dst.begin(), k.dst.end()));
    append(k.options);
    ip4_hlen_ = hlen;
    return *this;
  }

  FrameBuilder& ipv6(const Ipv6Knobs& k) {
    fill_type(kEthIpv6);
    ip6_at_ = buf_.size();
    ip6_payload_len_ = k.payload_len;
    buf_.push_back(static_cast<std::uint8_t>(k.version.value_or(6) << 4));
    append({0, 0, 0});  // traffic class, flow label
    put16(0);           // payload length, filled by build()
    if (k.ext_header) {
      buf_.push_back(*k.ext_header);
    } else {
      open_type8(k.next_header);
    }
    buf_.push_back(64);  // hop limit
    append(Bytes(k.src.begin(), k.src.end()));
    append(Bytes(k.dst.begin(), k.dst.end()));
    if (k.ext_header) {
      // RFC 8200 section 4: next header, length in 8-octet units beyond the
      // first 8, then options/data; PadN-style zeros fill the rest.
      open_type8(k.next_header);
      append({0, 0, 0, 0, 0, 0, 0});
    }
    return *this;
  }

  FrameBuilder& tcp(const TcpKnobs& k) {
    fill_type(kProtoTcp);
    put16(k.sport);
    put16(k.dport);
    put32(1000);                           // sequence number
    put32(k.flags & kAck ? 2000u : 0u);    // acknowledgment number
    const std::size_t hlen = 20 + k.options.size();
    const std::uint8_t doff = k.doff.value_or(static_cast<std::uint8_t>(hlen / 4));
    buf_.push_back(static_cast<std::uint8_t>(doff << 4));
    buf_.push_back(k.flags);
    put16(65535);  // window
    put16(0);      // checksum: the steering program does not verify it
    put16(0);      // urgent pointer
    append(k.options);
    append(k.payload);
    return *this;
  }

  FrameBuilder& udp(std::uint16_t sport, std::uint16_t dport, const Bytes& payload = {}) {
    fill_type(kProtoUdp);
    put16(sport);
    put16(dport);
    put16(static_cast<std::uint16_t>(8 + payload.size()));
    put16(0);
    append(payload);
    return *this;
  }

  // Echo request: ICMP type 8 (RFC 792) or ICMPv6 type 128 (RFC 4443).
  FrameBuilder& icmp_echo() { return echo(kProtoIcmp, 8); }
  FrameBuilder& icmpv6_echo() { return echo(kProtoIcmpv6, 128); }

  // ARP request for 10.77.0.2 (RFC 826).
  FrameBuilder& arp() {
    fill_type(kEthArp);
    append({0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01});
    append({0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 10, 77, 0, 1});
    append({0, 0, 0, 0, 0, 0, 10, 77, 0, 2});
    return *this;
  }

  FrameBuilder& raw(const Bytes& bytes) {
    append(bytes);
    return *this;
  }

  // Zero bytes after the packet, as Ethernet pads short frames to 60 bytes.
  FrameBuilder& pad_to(std::size_t len) {
    pad_to_ = len;
    return *this;
  }

  // Shorten the packet before lengths are filled in: the IP header agrees
  // with the shorter packet (an IP datagram carrying a partial TCP header).
  FrameBuilder& cut_packet(std::size_t len) {
    if (buf_.size() > len) buf_.resize(len);
    return *this;
  }

  // Cut the finished frame to its first len bytes: headers claim more bytes
  // than the frame holds.
  FrameBuilder& truncate(std::size_t len) {
    truncate_ = len;
    return *this;
  }

  Bytes build() const {
    Bytes out = buf_;
    fix_ipv4(out);
    fix_ipv6(out);
    if (pad_to_ && out.size() < *pad_to_) out.resize(*pad_to_, 0);
    if (truncate_ && out.size() > *truncate_) out.resize(*truncate_);
    return out;
  }

 private:
  FrameBuilder& echo(std::uint8_t proto, std::uint8_t type) {
    fill_type(proto);
    append({type, 0, 0, 0, 0x00, 0x01, 0x00, 0x01});
    return *this;
  }

  void append(const Bytes& b) { buf_.insert(buf_.end(), b.begin(), b.end()); }
  void put16(std::uint16_t v) {
    buf_.push_back(static_cast<std::uint8_t>(v >> 8));
    buf_.push_back(static_cast<std::uint8_t>(v));
  }
  void put32(std::uint32_t v) {
    put16(static_cast<std::uint16_t>(v >> 16));
    put16(static_cast<std::uint16_t>(v));
  }
  static void set16(Bytes& b, std::size_t at, std::uint16_t v) {
    b[at] = static_cast<std::uint8_t>(v >> 8);
    b[at + 1] = static_cast<std::uint8_t>(v);
  }

  // The type field of the layer just written; the next layer fills it unless
  // a knob already did.
  void open_type16(std::optional<std::uint16_t> fixed) {
    type_at_ = buf_.size();
    type_width_ = 2;
    type_fixed_ = fixed.has_value();
    put16(fixed.value_or(0));
  }
  void open_type8(std::optional<std::uint8_t> fixed) {
    type_at_ = buf_.size();
    type_width_ = 1;
    type_fixed_ = fixed.has_value();
    buf_.push_back(fixed.value_or(0));
  }
  void fill_type(std::uint16_t value) {
    if (!type_at_ || type_fixed_) return;
    if (type_width_ == 2) {
      set16(buf_, *type_at_, value);
    } else {
      buf_[*type_at_] = static_cast<std::uint8_t>(value);
    }
    type_at_.reset();
  }

  void fix_ipv4(Bytes& out) const {
    if (!ip4_at_) return;
    const std::size_t at = *ip4_at_;
    set16(out, at + 2, ip4_tot_len_.value_or(static_cast<std::uint16_t>(out.size() - at)));
    // RFC 791 section 3.1: one's complement sum over the header.
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < ip4_hlen_ && at + i + 1 < out.size(); i += 2)
      sum += static_cast<std::uint32_t>(out[at + i] << 8 | out[at + i + 1]);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    set16(out, at + 10, static_cast<std::uint16_t>(~sum));
  }

  void fix_ipv6(Bytes& out) const {
    if (!ip6_at_) return;
    const std::size_t at = *ip6_at_;
    set16(out, at + 4,
          ip6_payload_len_.value_or(static_cast<std::uint16_t>(out.size() - at - 40)));
  }

  Bytes buf_;
  std::optional<std::size_t> type_at_;
  int type_width_ = 0;
  bool type_fixed_ = false;
  std::optional<std::size_t> ip4_at_;
  std::size_t ip4_hlen_ = 20;
  std::optional<std::uint16_t> ip4_tot_len_;
  std::optional<std::size_t> ip6_at_;
  std::optional<std::uint16_t> ip6_payload_len_;
  std::optional<std::size_t> pad_to_;
  std::optional<std::size_t> truncate_;
};

}  // namespace xtcp::bpftest
