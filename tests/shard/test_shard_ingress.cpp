// Ingress: RSTs for segments to no socket (RFC 9293 3.10.7.1), malformed
// frames counted by reason and dropped without a reply.
#include <catch2/catch.hpp>

#include "shard/shard_harness.h"
#include "wire/checksum.h"

using namespace xtcp::shard_test;
using namespace xtcp;
namespace f = xtcp::wire::tcp_flags;

namespace {

std::vector<wire::ParsedFrame> sent_by_shard(Harness& h) {
  std::vector<wire::ParsedFrame> out;
  std::vector<std::vector<uint8_t>> copies;
  h.io.take_sent([&](std::span<const uint8_t> fr) { copies.emplace_back(fr.begin(), fr.end()); });
  static std::vector<std::vector<uint8_t>> keep;  // payload spans point here
  for (auto& c : copies) {
    keep.push_back(std::move(c));
    wire::ParsedFrame pf;
    REQUIRE(wire::parse_frame(keep.back(), pf) == wire::ParseError::kOk);
    out.push_back(pf);
  }
  return out;
}

}  // namespace

TEST_CASE("a segment to no connection and no listener gets a RST", "[shard][rst]") {
  const bool ipv6 = GENERATE(false, true);
  Harness h(HarnessOptions{.ipv6 = ipv6});
  REQUIRE(h.listen(80) == 0);  // another port: must not answer for 81
  const FourTuple t = h.peer_tuple(33000, 81);

  SECTION("SYN: <SEQ=0><ACK=SEG.SEQ+1><CTL=RST,ACK>") {
    h.inject(t, wire::TcpRepr{.src_port = 33000, .dst_port = 81, .seq = wire::SeqNumber(5000),
                              .flags = f::kSyn, .window = 1000});
    h.shard->run_once(h.now);
    auto sent = sent_by_shard(h);
    REQUIRE(sent.size() == 1);
    const wire::ParsedFrame& r = sent[0];
    CHECK(r.tcp.flags == (f::kRst | f::kAck));
    CHECK(r.tcp.seq == wire::SeqNumber(0));
    CHECK(r.tcp.ack == wire::SeqNumber(5001));
    CHECK(r.tcp.src_port == 81);
    CHECK(r.tcp.dst_port == 33000);
    CHECK(r.hdr.src_ip == h.shard_ip);
    CHECK(r.hdr.dst_ip == h.peer_ip);
    CHECK(r.hdr.eth.dst == h.peer_mac);
    CHECK(r.hdr.eth.src == h.shard_mac);
    CHECK(h.shard->stats().resets_sent == 1);
    CHECK(h.shard->stats().rx_no_socket == 1);
  }
  SECTION("ACK with data: <SEQ=SEG.ACK><CTL=RST>") {
    const uint8_t data[5] = {1, 2, 3, 4, 5};
    h.inject(t, wire::TcpRepr{.src_port = 33000, .dst_port = 81, .seq = wire::SeqNumber(9),
                              .ack = wire::SeqNumber(123456), .flags = f::kAck, .window = 100,
                              .payload = data});
    h.shard->run_once(h.now);
    auto sent = sent_by_shard(h);
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].tcp.flags == f::kRst);
    CHECK(sent[0].tcp.seq == wire::SeqNumber(123456));
  }
  SECTION("a RST is never answered") {
    h.inject(t, wire::TcpRepr{.src_port = 33000, .dst_port = 81, .seq = wire::SeqNumber(9),
                              .flags = f::kRst});
    h.shard->run_once(h.now);
    CHECK(sent_by_shard(h).empty());
    CHECK(h.shard->stats().rx_no_socket == 1);
    CHECK(h.shard->stats().resets_sent == 0);
  }
  CHECK(h.shard->connection_count() == 0);
}

TEST_CASE("malformed frames are counted by reason and dropped", "[shard][malformed]") {
  Harness h;
  REQUIRE(h.listen(80) == 0);
  const FourTuple t = h.peer_tuple(33000, 80);
  const wire::TcpRepr syn{.src_port = 33000, .dst_port = 80, .seq = wire::SeqNumber(1),
                          .flags = f::kSyn, .window = 1000};
  const std::vector<uint8_t> good = h.peer_frame(t, syn);

  std::vector<uint8_t> bad_tcp_sum = good;
  REQUIRE(good.size() >= 14 + 20 + 20);
  bad_tcp_sum[14 + 20 + 5] ^= 0x01;  // a sequence-number byte: only the TCP sum breaks
  std::vector<uint8_t> bad_ip_sum = good;
  bad_ip_sum[14 + 8] ^= 0x01;  // IPv4 TTL: the header checksum breaks
  std::vector<uint8_t> truncated(good.begin(), good.begin() + 30);
  std::vector<uint8_t> arp = good;
  arp[12] = 0x08, arp[13] = 0x06;  // ethertype ARP
  std::vector<uint8_t> udp = good;
  udp[14 + 9] = 17;  // protocol UDP; fix the IPv4 header checksum so only that is wrong
  udp[14 + 10] = udp[14 + 11] = 0;
  const uint16_t sum = wire::internet_checksum({udp.data() + 14, 20});
  udp[14 + 10] = static_cast<uint8_t>(sum >> 8), udp[14 + 11] = static_cast<uint8_t>(sum);

  for (const auto* fr : {&bad_tcp_sum, &bad_ip_sum, &truncated, &arp, &udp}) h.io.inject(*fr);
  h.shard->run_once(h.now);
  const ShardStats& s = h.shard->stats();
  auto count = [&](wire::ParseError e) { return s.rx_malformed[static_cast<size_t>(e)]; };
  CHECK(s.rx_frames == 5);
  CHECK(count(wire::ParseError::kBadChecksum) == 2);
  CHECK(count(wire::ParseError::kTruncated) == 1);
  CHECK(count(wire::ParseError::kUnsupportedEthertype) == 1);
  CHECK(count(wire::ParseError::kNotTcp) == 1);
  CHECK(s.malformed_total() == 5);
  CHECK(s.rx_to_listener == 0);
  CHECK(h.io.wire_len() == 0);  // no reply to any of them
  CHECK(h.io.rx_pending() == 0);  // all released

  // The intact frame still opens a connection afterwards.
  h.io.inject(good);
  h.shard->run_once(h.now);
  CHECK(s.rx_to_listener == 1);
  auto sent = sent_by_shard(h);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].tcp.flags == (f::kSyn | f::kAck));
  CHECK(sent[0].tcp.ack == wire::SeqNumber(2));
}
