#include <catch2/catch.hpp>

#include <array>
#include <vector>

#include "known_frames.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/ethernet.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"

using namespace xtcp::wire;
using testing::kDataV6;
using testing::kSynV4;

namespace {

std::span<const uint8_t> ipv4_of_syn() { return {kSynV4.data() + 14, 60}; }

std::vector<uint8_t> mutable_ipv4() { return {kSynV4.begin() + 14, kSynV4.end()}; }

// Re-seal the IPv4 header checksum after a test edits a field.
void reseal(std::vector<uint8_t>& ip) {
  store_be16(&ip[10], 0);
  const size_t ihl = size_t{ip[0] & 0x0fu} * 4;
  store_be16(&ip[10], internet_checksum({ip.data(), std::min(ihl, ip.size())}));
}

}  // namespace

TEST_CASE("Ethernet parse of a real header", "[wire][ethernet]") {
  EthernetRepr e;
  REQUIRE(EthernetRepr::parse(EthernetFrame(kSynV4), e) == ParseError::kOk);
  CHECK(e.dst == MacAddress{{0x02, 0, 0, 0, 0, 0x02}});
  CHECK(e.src == MacAddress{{0x02, 0, 0, 0, 0, 0x01}});
  CHECK(e.ethertype == ethertype::kIpv4);
  CHECK_FALSE(e.vlan_tci.has_value());
  CHECK_FALSE(e.dst.is_multicast());
  CHECK(MacAddress{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}.is_broadcast());
}

TEST_CASE("Ethernet 802.1Q tag round trip", "[wire][ethernet][vlan]") {
  EthernetRepr e{.dst = {{1, 2, 3, 4, 5, 6}}, .src = {{7, 8, 9, 10, 11, 12}},
                 .ethertype = ethertype::kIpv6, .vlan_tci = uint16_t{0xa123}};
  std::array<uint8_t, 18> buf{};
  REQUIRE(e.buffer_len() == 18);
  REQUIRE(e.emit(buf) == 18);
  CHECK(load_be16(&buf[12]) == 0x8100);
  CHECK(load_be16(&buf[14]) == 0xa123);
  CHECK(load_be16(&buf[16]) == 0x86dd);
  EthernetFrame f(buf);
  CHECK(f.has_vlan());
  CHECK(f.header_len() == 18);
  EthernetRepr back;
  REQUIRE(EthernetRepr::parse(f, back) == ParseError::kOk);
  CHECK(back == e);
  // A tagged frame cut inside the tag is truncated, not misread.
  CHECK(EthernetFrame({buf.data(), 17}).check_len() == ParseError::kTruncated);
  CHECK(e.emit({buf.data(), 17}) == 0);
}

TEST_CASE("IPv4 parse of the SYN's header", "[wire][ipv4]") {
  Ipv4Repr ip;
  REQUIRE(Ipv4Repr::parse(Ipv4Packet(ipv4_of_syn()), ip) == ParseError::kOk);
  CHECK(ip.src == IpAddress::v4(10, 77, 0, 1));
  CHECK(ip.dst == IpAddress::v4(10, 77, 0, 2));
  CHECK(ip.protocol == ip_protocol::kTcp);
  CHECK(ip.ttl == 64);
  CHECK(ip.ident == 0x1c46);
  CHECK(ip.dont_fragment);
  CHECK(ip.payload_len == 40);
}

TEST_CASE("IPv4 emit then parse is equal, checksum filled", "[wire][ipv4]") {
  Ipv4Repr ip{.src = IpAddress::v4(192, 0, 2, 1), .dst = IpAddress::v4(198, 51, 100, 7),
              .protocol = ip_protocol::kTcp, .ttl = 3, .dscp = 46, .ecn = 2, .ident = 999,
              .dont_fragment = false, .payload_len = 11};
  std::vector<uint8_t> buf(31, 0xee);
  REQUIRE(ip.emit(buf) == 20);
  CHECK(internet_checksum({buf.data(), 20}) == 0);
  Ipv4Repr back;
  REQUIRE(Ipv4Repr::parse(Ipv4Packet(buf), back) == ParseError::kOk);
  CHECK(back == ip);
}

TEST_CASE("IPv4 malformed headers are refused with their error", "[wire][ipv4]") {
  Ipv4Repr ip;
  auto parse = [&](const std::vector<uint8_t>& b) { return Ipv4Repr::parse(Ipv4Packet(b), ip); };
  auto b = mutable_ipv4();
  SECTION("version") {
    b[0] = 0x65;
    reseal(b);
    CHECK(parse(b) == ParseError::kBadVersion);
  }
  SECTION("IHL below 5") {
    b[0] = 0x44;
    CHECK(parse(b) == ParseError::kBadHeaderLen);
  }
  SECTION("IHL beyond the buffer") {
    b.resize(30);
    b[0] = 0x4f;  // 60-byte header
    CHECK(parse(b) == ParseError::kTruncated);
  }
  SECTION("total length beyond the buffer") {
    store_be16(&b[2], 61);
    reseal(b);
    CHECK(parse(b) == ParseError::kTruncated);
  }
  SECTION("total length shorter than the header") {
    store_be16(&b[2], 19);
    reseal(b);
    CHECK(parse(b) == ParseError::kBadLength);
  }
  SECTION("bad header checksum") {
    b[8] = 63;  // TTL changed, checksum left alone
    CHECK(parse(b) == ParseError::kBadChecksum);
    CHECK(Ipv4Repr::parse(Ipv4Packet(b), ip, ChecksumCheck::kSkip) == ParseError::kOk);
    CHECK(ip.ttl == 63);
  }
  SECTION("more fragments") {
    b[6] = 0x20;
    reseal(b);
    CHECK(parse(b) == ParseError::kFragment);
  }
  SECTION("fragment offset") {
    store_be16(&b[6], 0x0001);
    reseal(b);
    CHECK(parse(b) == ParseError::kFragment);
  }
}

TEST_CASE("IPv4 options are skipped and Ethernet padding ignored", "[wire][ipv4]") {
  // 24-byte header (one NOP option word), 4 payload bytes, 6 bytes of padding.
  std::vector<uint8_t> b = {0x46, 0, 0, 28, 0, 1, 0x40, 0, 64, 6, 0, 0,
                            10, 0, 0, 1, 10, 0, 0, 2, 1, 1, 1, 0,
                            0xaa, 0xbb, 0xcc, 0xdd, 0, 0, 0, 0, 0, 0};
  reseal(b);
  Ipv4Packet p(b);
  Ipv4Repr ip;
  REQUIRE(Ipv4Repr::parse(p, ip) == ParseError::kOk);
  CHECK(ip.payload_len == 4);
  REQUIRE(p.payload().size() == 4);
  CHECK(p.payload()[0] == 0xaa);
  CHECK(p.payload()[3] == 0xdd);
}

TEST_CASE("IPv6 parse, emit and length checks", "[wire][ipv6]") {
  const std::span<const uint8_t> pkt{kDataV6.data() + 14, 77};
  Ipv6Repr ip;
  REQUIRE(Ipv6Repr::parse(Ipv6Packet(pkt), ip) == ParseError::kOk);
  CHECK(ip.flow_label == 0x12345);
  CHECK(ip.payload_len == 37);
  CHECK(ip.next_header == 6);
  CHECK(ip.hop_limit == 64);
  CHECK(ip.traffic_class == 0);
  CHECK(ip.src.family == IpFamily::kV6);
  CHECK(ip.src.bytes[0] == 0xfd);
  CHECK(ip.src.bytes[15] == 0x01);

  std::array<uint8_t, 40> hdr{};
  Ipv6Repr out = ip;
  out.traffic_class = 0xb9;
  REQUIRE(out.emit(hdr) == 40);
  CHECK(std::equal(hdr.begin() + 4, hdr.end(), pkt.begin() + 4));  // all but tc
  std::vector<uint8_t> with_payload(hdr.begin(), hdr.end());
  with_payload.resize(40 + 37);
  Ipv6Repr back;
  REQUIRE(Ipv6Repr::parse(Ipv6Packet(with_payload), back) == ParseError::kOk);
  CHECK(back == out);

  with_payload.pop_back();
  CHECK(Ipv6Packet(with_payload).check_len() == ParseError::kTruncated);
  with_payload[0] = 0x40;
  CHECK(Ipv6Packet(with_payload).check_len() == ParseError::kBadVersion);
}
