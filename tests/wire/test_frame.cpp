#include <catch2/catch.hpp>

#include <array>
#include <random>
#include <string_view>
#include <vector>

#include "known_frames.h"
#include "tcp_compare.h"
#include "wire/bytes.h"
#include "wire/frame.h"

using namespace xtcp::wire;
using testing::kDataV6;
using testing::kSynV4;
using testing::same_tcp;

namespace {

std::vector<uint8_t> rebuild(const ParsedFrame& f) {
  std::vector<uint8_t> out(frame_header_len(f.hdr, f.tcp) + f.tcp.payload.size());
  REQUIRE(build_frame(f.hdr, f.tcp, out) == out.size());
  return out;
}

// Every strict prefix must be refused; each is a fresh heap buffer of exactly
// that size so the sanitizer build catches a read past it.
void check_every_prefix_refused(std::span<const uint8_t> frame) {
  for (size_t n = 0; n < frame.size(); ++n) {
    std::vector<uint8_t> cut(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(n));
    ParsedFrame f;
    REQUIRE(parse_frame(cut, f) != ParseError::kOk);
  }
}

FrameHeaders random_headers(std::mt19937& rng) {
  FrameHeaders h;
  for (auto& b : h.eth.dst.bytes) b = static_cast<uint8_t>(rng());
  for (auto& b : h.eth.src.bytes) b = static_cast<uint8_t>(rng());
  if (rng() % 3 == 0) h.eth.vlan_tci = static_cast<uint16_t>(rng());
  const bool v6 = rng() % 2;
  for (IpAddress* ip : {&h.src_ip, &h.dst_ip}) {
    ip->family = v6 ? IpFamily::kV6 : IpFamily::kV4;
    for (size_t i = 0; i < ip->size(); ++i) ip->bytes[i] = static_cast<uint8_t>(rng());
  }
  h.eth.ethertype = v6 ? ethertype::kIpv6 : ethertype::kIpv4;
  h.ttl = static_cast<uint8_t>(rng());
  h.dscp = static_cast<uint8_t>(rng() % 64);
  h.ecn = static_cast<uint8_t>(rng() % 4);
  if (!v6) {
    h.ip_id = static_cast<uint16_t>(rng());
    h.dont_fragment = rng() % 2;
  } else {
    h.flow_label = rng() & 0xfffff;
  }
  return h;
}

}  // namespace

TEST_CASE("whole-frame parse of an IPv4 SYN", "[wire][frame]") {
  ParsedFrame f;
  REQUIRE(parse_frame(kSynV4, f) == ParseError::kOk);
  CHECK(f.hdr.src_ip == IpAddress::v4(10, 77, 0, 1));
  CHECK(f.hdr.dst_ip == IpAddress::v4(10, 77, 0, 2));
  CHECK(f.hdr.ttl == 64);
  CHECK(f.hdr.ip_id == 0x1c46);
  CHECK(f.l3_offset == 14);
  CHECK(f.l4_offset == 34);
  CHECK(f.tcp.src_port == 40000);
  CHECK(f.tcp.has(tcp_flags::kSyn));
  CHECK(f.tcp.options.mss == uint16_t{1460});
  // Rebuilding from the parsed fields gives the captured bytes back.
  const auto again = rebuild(f);
  CHECK(std::equal(again.begin(), again.end(), kSynV4.begin(), kSynV4.end()));
}

TEST_CASE("whole-frame parse of an IPv6 data segment", "[wire][frame]") {
  ParsedFrame f;
  REQUIRE(parse_frame(kDataV6, f) == ParseError::kOk);
  CHECK(f.hdr.src_ip.family == IpFamily::kV6);
  CHECK(f.hdr.flow_label == 0x12345);
  CHECK(f.l4_offset == 54);
  CHECK(f.tcp.ack == SeqNumber(0x01020304));
  CHECK(f.tcp.options.timestamps == Timestamps{7, 9});
  CHECK(std::string_view(reinterpret_cast<const char*>(f.tcp.payload.data()),
                         f.tcp.payload.size()) == "hello");
  CHECK(f.tcp.payload.data() == kDataV6.data() + 86);  // in place, no copy
  const auto again = rebuild(f);
  CHECK(std::equal(again.begin(), again.end(), kDataV6.begin(), kDataV6.end()));
}

TEST_CASE("every truncation of a frame is refused", "[wire][frame]") {
  check_every_prefix_refused(kSynV4);
  check_every_prefix_refused(kDataV6);
  ParsedFrame f;
  REQUIRE(parse_frame(kDataV6, f) == ParseError::kOk);
  f.hdr.eth.vlan_tci = 0x0005;
  check_every_prefix_refused(rebuild(f));
}

TEST_CASE("VLAN-tagged frames parse and build", "[wire][frame][vlan]") {
  ParsedFrame f;
  REQUIRE(parse_frame(kSynV4, f) == ParseError::kOk);
  f.hdr.eth.vlan_tci = 0x2064;  // PCP 1, VID 100
  const auto tagged = rebuild(f);
  REQUIRE(tagged.size() == kSynV4.size() + 4);
  CHECK(load_be16(&tagged[12]) == ethertype::kVlan);
  CHECK(load_be16(&tagged[16]) == ethertype::kIpv4);
  ParsedFrame back;
  REQUIRE(parse_frame(tagged, back) == ParseError::kOk);
  CHECK(back.hdr == f.hdr);
  CHECK(back.l3_offset == 18);
  CHECK(same_tcp(back.tcp, f.tcp));
}

TEST_CASE("Ethernet padding after a short IPv4 packet is ignored", "[wire][frame]") {
  ParsedFrame f;
  REQUIRE(parse_frame(kSynV4, f) == ParseError::kOk);
  const uint8_t data[] = {'x'};
  f.tcp.payload = data;
  f.tcp.options = {};
  auto frame = rebuild(f);  // 55 bytes, a NIC pads to 60
  frame.resize(60, 0);
  ParsedFrame back;
  REQUIRE(parse_frame(frame, back) == ParseError::kOk);
  REQUIRE(back.tcp.payload.size() == 1);
  CHECK(back.tcp.payload[0] == 'x');
}

TEST_CASE("frames that are not TCP over IP are told apart", "[wire][frame]") {
  std::vector<uint8_t> b(kSynV4.begin(), kSynV4.end());
  ParsedFrame f;
  SECTION("ARP") {
    store_be16(&b[12], ethertype::kArp);
    CHECK(parse_frame(b, f) == ParseError::kUnsupportedEthertype);
  }
  SECTION("UDP") {
    b[23] = 17;
    CHECK(parse_frame(b, f) == ParseError::kBadChecksum);  // IP header checksum first
    CHECK(parse_frame(b, f, ChecksumCheck::kSkip) == ParseError::kNotTcp);
  }
  SECTION("IPv6 next header not TCP") {
    std::vector<uint8_t> v6(kDataV6.begin(), kDataV6.end());
    v6[20] = 58;  // ICMPv6
    CHECK(parse_frame(v6, f) == ParseError::kNotTcp);
  }
  SECTION("TCP checksum") {
    b[60] ^= 0x80;  // an option byte
    CHECK(parse_frame(b, f) == ParseError::kBadChecksum);
    CHECK(parse_frame(b, f, ChecksumCheck::kSkip) == ParseError::kOk);
  }
}

TEST_CASE("build_frame forms agree and random frames round-trip", "[wire][frame]") {
  std::mt19937 rng(21);
  std::vector<uint8_t> payload;
  for (int round = 0; round < 500; ++round) {
    const FrameHeaders h = random_headers(rng);
    TcpRepr r;
    r.src_port = static_cast<uint16_t>(rng());
    r.dst_port = static_cast<uint16_t>(rng());
    r.seq = SeqNumber(rng());
    r.ack = SeqNumber(rng());
    r.flags = tcp_flags::kAck | (rng() % 2 ? tcp_flags::kPsh : 0);
    r.window = static_cast<uint16_t>(rng());
    if (rng() % 2) r.options.timestamps = Timestamps{static_cast<uint32_t>(rng()), 5};
    payload.resize(rng() % 1461);
    for (auto& b : payload) b = static_cast<uint8_t>(rng());
    r.payload = payload;

    const size_t hdr = frame_header_len(h, r);
    std::vector<uint8_t> a(hdr + payload.size()), b(a.size()), c(a.size());
    REQUIRE(build_frame(h, r, a) == a.size());
    const size_t cut = rng() % (payload.size() + 1);
    const std::span<const uint8_t> p(payload);
    REQUIRE(build_frame(h, r, PayloadParts{p.first(cut), p.subspan(cut)}, b) == b.size());
    std::copy(payload.begin(), payload.end(), c.begin() + static_cast<std::ptrdiff_t>(hdr));
    REQUIRE(build_frame_in_place(h, r, payload.size(), c) == c.size());
    REQUIRE(a == b);
    REQUIRE(a == c);

    ParsedFrame back;
    REQUIRE(parse_frame(a, back) == ParseError::kOk);
    REQUIRE(back.hdr == h);
    REQUIRE(same_tcp(back.tcp, r));
    REQUIRE(back.l4_offset + tcp_header_len(r) == hdr);

    std::vector<uint8_t> small(a.size() - 1);
    REQUIRE(build_frame(h, r, small) == 0);
  }
}
