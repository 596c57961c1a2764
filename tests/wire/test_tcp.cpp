#include <catch2/catch.hpp>

#include <array>
#include <random>
#include <vector>

#include "known_frames.h"
#include "tcp_compare.h"
#include "wire/bytes.h"
#include "wire/tcp.h"

using namespace xtcp::wire;
using testing::kSynV4;
using testing::same_tcp;

namespace {

const IpAddress kSrc = IpAddress::v4(10, 77, 0, 1);
const IpAddress kDst = IpAddress::v4(10, 77, 0, 2);

std::span<const uint8_t> syn_segment() { return {kSynV4.data() + 34, 40}; }

// A 20-byte header followed by the given options (padded with EOL to a
// 4-byte multiple); checksum not filled (parse with kSkip).
std::vector<uint8_t> segment_with_options(std::vector<uint8_t> opts) {
  while (opts.size() % 4 != 0) opts.push_back(0);
  std::vector<uint8_t> s(20 + opts.size(), 0);
  s[12] = static_cast<uint8_t>((s.size() / 4) << 4);
  for (size_t i = 0; i < opts.size(); ++i) s[20 + i] = opts[i];
  return s;
}

ParseError parse_opts(std::vector<uint8_t> opts) {
  TcpRepr r;
  return tcp_parse(segment_with_options(std::move(opts)), 0, r, ChecksumCheck::kSkip);
}

TcpRepr random_repr(std::mt19937& rng, std::vector<uint8_t>& payload_storage) {
  TcpRepr r;
  r.src_port = static_cast<uint16_t>(rng());
  r.dst_port = static_cast<uint16_t>(rng());
  r.seq = SeqNumber(rng());
  r.ack = SeqNumber(rng());
  r.flags = static_cast<uint8_t>(rng());
  r.window = static_cast<uint16_t>(rng());
  r.urgent = static_cast<uint16_t>(rng());
  if (rng() % 2) r.options.mss = static_cast<uint16_t>(rng());
  if (rng() % 2) r.options.window_scale = static_cast<uint8_t>(rng() % 15);
  r.options.sack_permitted = rng() % 2;
  if (rng() % 2) r.options.timestamps = Timestamps{static_cast<uint32_t>(rng()), static_cast<uint32_t>(rng())};
  r.options.sack_count = static_cast<uint8_t>(rng() % 5);
  // Keep to what 40 option bytes can carry, so emit drops nothing.
  auto raw_len = [&o = r.options] {
    return (o.mss ? 4 : 0) + (o.window_scale ? 3 : 0) + (o.sack_permitted ? 2 : 0) +
           (o.timestamps ? 10 : 0) + (o.sack_count ? 2 + 8 * o.sack_count : 0);
  };
  while (raw_len() > 40) --r.options.sack_count;
  for (size_t i = 0; i < r.options.sack_count; ++i) {
    r.options.sack[i] = {SeqNumber(rng()), SeqNumber(rng())};
  }
  payload_storage.resize(rng() % 300);
  for (auto& b : payload_storage) b = static_cast<uint8_t>(rng());
  r.payload = payload_storage;
  return r;
}

}  // namespace

TEST_CASE("TCP parse of a real SYN", "[wire][tcp]") {
  TcpRepr r;
  REQUIRE(tcp_parse(syn_segment(), kSrc, kDst, r) == ParseError::kOk);
  CHECK(r.src_port == 40000);
  CHECK(r.dst_port == 5201);
  CHECK(r.seq == SeqNumber(0x12345678));
  CHECK(r.ack == SeqNumber(0));
  CHECK(r.flags == tcp_flags::kSyn);
  CHECK(r.window == 64240);
  CHECK(r.options.mss == uint16_t{1460});
  CHECK(r.options.sack_permitted);
  CHECK(r.options.timestamps == Timestamps{0x01020304, 0});
  CHECK(r.options.window_scale == uint8_t{7});
  CHECK(r.options.sack_count == 0);
  CHECK(r.payload.empty());
  CHECK(r.segment_len() == 1);
}

TEST_CASE("TCP emit of the SYN repr reproduces the captured bytes", "[wire][tcp]") {
  TcpRepr r;
  REQUIRE(tcp_parse(syn_segment(), kSrc, kDst, r) == ParseError::kOk);
  REQUIRE(tcp_buffer_len(r) == 40);
  std::array<uint8_t, 40> out{};
  REQUIRE(tcp_emit(r, out, kSrc, kDst) == 40);
  CHECK(std::equal(out.begin(), out.end(), syn_segment().begin()));
}

TEST_CASE("TCP checksum is verified unless skipped", "[wire][tcp]") {
  std::vector<uint8_t> s(syn_segment().begin(), syn_segment().end());
  s[15] ^= 0x01;  // window changed
  TcpRepr r;
  CHECK(tcp_parse(s, kSrc, kDst, r) == ParseError::kBadChecksum);
  CHECK(tcp_parse(s, IpAddress::v4(10, 77, 0, 3), kDst, r) == ParseError::kBadChecksum);
  CHECK(tcp_parse(s, kSrc, kDst, r, ChecksumCheck::kSkip) == ParseError::kOk);
  CHECK(r.window == (64240 ^ 1));
  // Original bytes against the wrong pseudo-header also fail.
  CHECK(tcp_parse(syn_segment(), kDst, kSrc, r) == ParseError::kOk);  // src/dst swap: same sum
  CHECK(tcp_parse(syn_segment(), IpAddress::v4(10, 77, 0, 9), kDst, r) ==
        ParseError::kBadChecksum);
}

TEST_CASE("TCP header length checks", "[wire][tcp]") {
  TcpRepr r;
  auto s = segment_with_options({});
  s[12] = 0x40;  // data offset 4
  CHECK(tcp_parse(s, 0, r, ChecksumCheck::kSkip) == ParseError::kBadHeaderLen);
  s[12] = 0x60;  // 24 bytes, buffer has 20
  CHECK(tcp_parse(s, 0, r, ChecksumCheck::kSkip) == ParseError::kTruncated);
  s.resize(19);
  CHECK(tcp_parse(s, 0, r, ChecksumCheck::kSkip) == ParseError::kTruncated);
}

TEST_CASE("malformed TCP options are rejected", "[wire][tcp][options]") {
  CHECK(parse_opts({}) == ParseError::kOk);
  CHECK(parse_opts({1, 1, 1, 1}) == ParseError::kOk);
  // Length 0 and 1 (would loop forever or step into the length byte).
  CHECK(parse_opts({99, 0, 0, 0}) == ParseError::kBadOption);
  CHECK(parse_opts({99, 1, 0, 0}) == ParseError::kBadOption);
  // Length running past the data offset.
  CHECK(parse_opts({1, 1, 99, 3}) == ParseError::kBadOption);
  CHECK(parse_opts({8, 10, 0, 0, 0, 0, 0, 0}) == ParseError::kBadOption);
  // Kind in the last byte, no room for its length.
  CHECK(parse_opts({1, 1, 1, 2}) == ParseError::kBadOption);
  // Known kinds with the wrong length.
  CHECK(parse_opts({2, 3, 5, 0}) == ParseError::kBadOption);
  CHECK(parse_opts({2, 5, 5, 0, 0, 0, 0, 0}) == ParseError::kBadOption);
  CHECK(parse_opts({3, 4, 7, 0}) == ParseError::kBadOption);
  CHECK(parse_opts({3, 2, 1, 1}) == ParseError::kBadOption);
  CHECK(parse_opts({4, 3, 0, 1}) == ParseError::kBadOption);
  CHECK(parse_opts({8, 8, 0, 0, 0, 0, 0, 0}) == ParseError::kBadOption);
  CHECK(parse_opts({5, 2, 1, 1}) == ParseError::kBadOption);                 // no block
  CHECK(parse_opts({5, 6, 0, 0, 0, 0, 1, 1}) == ParseError::kBadOption);     // half a block
  CHECK(parse_opts({5, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}) == ParseError::kBadOption);
  // The same kind twice.
  CHECK(parse_opts({2, 4, 5, 0xb4, 2, 4, 5, 0xb4}) == ParseError::kDuplicateOption);
  CHECK(parse_opts({3, 3, 1, 3, 3, 2, 1, 1}) == ParseError::kDuplicateOption);
  CHECK(parse_opts({4, 2, 4, 2}) == ParseError::kDuplicateOption);
  CHECK(parse_opts({8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0}) ==
        ParseError::kDuplicateOption);
  CHECK(parse_opts({5, 10, 0, 0, 0, 1, 0, 0, 0, 2, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2}) ==
        ParseError::kDuplicateOption);
}

TEST_CASE("unknown TCP options are skipped, EOL stops", "[wire][tcp][options]") {
  TcpOptions o;
  // Unknown kind 30 (len 4) then MSS.
  REQUIRE(parse_tcp_options(std::vector<uint8_t>{30, 4, 0xaa, 0xbb, 2, 4, 0x05, 0xdc}, o) ==
          ParseError::kOk);
  CHECK(o.mss == uint16_t{1500});
  // Unknown kinds above 31 are skipped too and never counted as duplicates.
  REQUIRE(parse_tcp_options(std::vector<uint8_t>{200, 2, 200, 2}, o) == ParseError::kOk);
  // After EOL the rest is ignored, even garbage.
  REQUIRE(parse_tcp_options(std::vector<uint8_t>{3, 3, 9, 0, 99, 0, 1}, o) == ParseError::kOk);
  CHECK(o.window_scale == uint8_t{9});
  CHECK_FALSE(o.mss.has_value());  // out was reset
  // SACK with 4 blocks.
  std::vector<uint8_t> sack = {5, 34};
  for (uint32_t i = 0; i < 8; ++i) {
    sack.resize(sack.size() + 4);
    store_be32(&sack[sack.size() - 4], 0xfffffff0u + i * 8);
  }
  REQUIRE(parse_tcp_options(sack, o) == ParseError::kOk);
  REQUIRE(o.sack_count == 4);
  CHECK(o.sack_blocks()[3] == SackBlock{SeqNumber(0xfffffff0u + 48), SeqNumber(0xfffffff0u + 56)});
}

TEST_CASE("TCP emit then parse is equal for random reprs", "[wire][tcp]") {
  std::mt19937 rng(7);
  std::vector<uint8_t> payload;
  std::vector<uint8_t> buf(400);
  const IpAddress v6a = IpAddress::v6_from_bytes(testing::kDataV6.data() + 22);
  const IpAddress v6b = IpAddress::v6_from_bytes(testing::kDataV6.data() + 38);
  for (int round = 0; round < 1000; ++round) {
    const TcpRepr r = random_repr(rng, payload);
    const bool v6 = round % 2 == 1;
    const IpAddress& src = v6 ? v6a : kSrc;
    const IpAddress& dst = v6 ? v6b : kDst;
    const size_t n = tcp_emit(r, buf, src, dst);
    REQUIRE(n == tcp_buffer_len(r));
    REQUIRE(tcp_header_len(r) % 4 == 0);
    TcpRepr back;
    REQUIRE(tcp_parse({buf.data(), n}, src, dst, back) == ParseError::kOk);
    REQUIRE(same_tcp(r, back));
  }
}

TEST_CASE("TCP options beyond 40 bytes drop SACK blocks from the end", "[wire][tcp][options]") {
  TcpRepr r;
  r.options.mss = 1400;
  r.options.timestamps = Timestamps{1, 2};
  r.options.sack_count = 4;
  for (uint32_t i = 0; i < 4; ++i) r.options.sack[i] = {SeqNumber(i * 100), SeqNumber(i * 100 + 50)};
  REQUIRE(tcp_header_len(r) == 60);
  std::array<uint8_t, 60> buf{};
  REQUIRE(tcp_emit(r, buf, 0) == 60);
  TcpRepr back;
  REQUIRE(tcp_parse(buf, 0, back) == ParseError::kOk);
  CHECK(back.options.sack_count == 3);  // packed layout: 4 + 10 + 26 = 40
  CHECK(back.options.mss == uint16_t{1400});
  CHECK(back.options.timestamps == Timestamps{1, 2});
  CHECK(back.options.sack[2] == r.options.sack[2]);
  // Timestamps with three blocks fit the aligned layout: 12 + 28 = 40.
  r.options.mss.reset();
  r.options.sack_count = 3;
  REQUIRE(tcp_emit(r, buf, 0) == 60);
  CHECK(buf[20] == tcp_option::kNop);
  CHECK(buf[22] == tcp_option::kTimestamps);
}

TEST_CASE("TCP emit with payload in two parts or in place gives the same bytes",
          "[wire][tcp]") {
  std::mt19937 rng(9);
  std::vector<uint8_t> payload;
  for (int round = 0; round < 200; ++round) {
    const TcpRepr r = random_repr(rng, payload);
    const uint32_t ps = tcp_pseudo_sum(kSrc, kDst);
    std::vector<uint8_t> a(tcp_buffer_len(r)), b(a.size()), c(a.size());
    REQUIRE(tcp_emit(r, a, ps) == a.size());
    const size_t cut = payload.empty() ? 0 : rng() % (payload.size() + 1);
    const std::span<const uint8_t> p(payload);
    REQUIRE(tcp_emit(r, PayloadParts{p.first(cut), p.subspan(cut)}, b, ps) == b.size());
    const size_t h = tcp_header_len(r);
    std::copy(payload.begin(), payload.end(), c.begin() + static_cast<std::ptrdiff_t>(h));
    REQUIRE(tcp_emit_in_place(r, payload.size(), c, ps) == c.size());
    REQUIRE(a == b);
    REQUIRE(a == c);
    // One byte short is refused, not overrun.
    std::vector<uint8_t> small(a.size() - 1);
    REQUIRE(tcp_emit(r, small, ps) == 0);
  }
}

TEST_CASE("TCP segments truncated at every length are rejected without overrun",
          "[wire][tcp]") {
  std::vector<uint8_t> payload;
  std::mt19937 rng(11);
  const TcpRepr r = random_repr(rng, payload);
  std::vector<uint8_t> full(tcp_buffer_len(r));
  REQUIRE(tcp_emit(r, full, kSrc, kDst) == full.size());
  for (size_t n = 0; n < full.size(); ++n) {
    // A fresh heap copy of exactly n bytes so ASan sees any overrun.
    std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    TcpRepr back;
    REQUIRE(tcp_parse(cut, kSrc, kDst, back) != ParseError::kOk);
  }
}
