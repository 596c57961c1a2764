#include <catch2/catch.hpp>

#include <array>
#include <random>
#include <vector>

#include "known_frames.h"
#include "wire/bytes.h"
#include "wire/checksum.h"

using namespace xtcp::wire;

namespace {

// Reference: RFC 1071 section 4.1, one 16-bit word at a time.
uint16_t reference_sum(const std::vector<uint8_t>& v) {
  uint32_t s = 0;
  size_t i = 0;
  for (; i + 1 < v.size(); i += 2) s += (uint32_t{v[i]} << 8) | v[i + 1];
  if (i < v.size()) s += uint32_t{v[i]} << 8;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<uint16_t>(s);
}

std::vector<uint8_t> random_bytes(std::mt19937& rng, size_t n) {
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

}  // namespace

TEST_CASE("RFC 1071 section 3 example", "[wire][checksum]") {
  const std::array<uint8_t, 8> b = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  Checksum c;
  c.add(b);
  CHECK(c.sum() == 0xddf2);
  CHECK(internet_checksum(b) == 0x220d);
}

TEST_CASE("checksum of every length and alignment matches the reference", "[wire][checksum]") {
  std::mt19937 rng(1);
  std::vector<uint8_t> storage = random_bytes(rng, 300);
  for (size_t start = 0; start < 8; ++start) {
    for (size_t n = 0; n < 290; ++n) {
      std::vector<uint8_t> v(storage.begin() + start, storage.begin() + start + n);
      Checksum c;
      c.add({storage.data() + start, n});
      REQUIRE(c.sum() == reference_sum(v));
    }
  }
}

TEST_CASE("all-0xff data sums to 0xffff without overflow", "[wire][checksum]") {
  std::vector<uint8_t> v(65536, 0xff);
  Checksum c;
  c.add(v);
  CHECK(c.sum() == 0xffff);
  CHECK(reference_sum(v) == 0xffff);
}

TEST_CASE("chunked sums with odd splits equal one pass", "[wire][checksum]") {
  std::mt19937 rng(2);
  for (int round = 0; round < 500; ++round) {
    const auto v = random_bytes(rng, rng() % 200);
    Checksum c;
    size_t pos = 0;
    while (pos < v.size()) {
      size_t n = std::min<size_t>(rng() % 9, v.size() - pos);
      c.add({v.data() + pos, n});
      pos += n;
    }
    REQUIRE(c.sum() == reference_sum(v));
  }
}

TEST_CASE("add_u16/add_u32 equal adding the big-endian bytes, also at odd offsets",
          "[wire][checksum]") {
  std::mt19937 rng(3);
  for (int round = 0; round < 200; ++round) {
    auto v = random_bytes(rng, 1 + rng() % 7);  // odd or even prefix
    const uint32_t x = rng();
    Checksum c;
    c.add(v);
    c.add_u32(x);
    std::array<uint8_t, 4> be{};
    store_be32(be.data(), x);
    v.insert(v.end(), be.begin(), be.end());
    REQUIRE(c.sum() == reference_sum(v));
  }
}

TEST_CASE("pseudo-header sums verify real TCP checksums", "[wire][checksum]") {
  using testing::kDataV6;
  using testing::kSynV4;
  {
    Checksum c;  // IPv4 SYN: TCP starts at 34, 40 bytes
    c.add_sum(pseudo_header_sum_v4(kSynV4.data() + 26, kSynV4.data() + 30, 6, 40));
    c.add({kSynV4.data() + 34, 40});
    CHECK(c.verifies());
  }
  {
    Checksum c;  // IPv6 data: TCP starts at 54, 37 bytes
    c.add_sum(pseudo_header_sum_v6(kDataV6.data() + 22, kDataV6.data() + 38, 6, 37));
    c.add({kDataV6.data() + 54, 37});
    CHECK(c.verifies());
  }
  {
    Checksum c;  // a one-bit change is caught
    c.add_sum(pseudo_header_sum_v4(kSynV4.data() + 26, kSynV4.data() + 30, 6, 41));
    c.add({kSynV4.data() + 34, 40});
    CHECK_FALSE(c.verifies());
  }
  // The IPv4 header checksum: the header sums to 0xffff.
  Checksum ip;
  ip.add({kSynV4.data() + 14, 20});
  CHECK(ip.verifies());
}

TEST_CASE("RFC 1624 incremental update equals a full recompute", "[wire][checksum]") {
  std::mt19937 rng(4);
  for (int round = 0; round < 2000; ++round) {
    auto v = random_bytes(rng, 20 + 2 * (rng() % 40));
    v[0] |= 1;  // never all zero, where 0x0000 and 0xffff would both be right
    const uint16_t before = internet_checksum(v);
    const size_t off = 2 * (rng() % (v.size() / 2 - 1));
    if (round % 2 == 0) {
      const uint16_t old_v = load_be16(&v[off]);
      const uint16_t new_v = static_cast<uint16_t>(rng());
      store_be16(&v[off], new_v);
      REQUIRE(checksum_adjust16(before, old_v, new_v) == internet_checksum(v));
    } else {
      const uint32_t old_v = load_be32(&v[off]);
      const uint32_t new_v = rng();
      store_be32(&v[off], new_v);
      REQUIRE(checksum_adjust32(before, old_v, new_v) == internet_checksum(v));
    }
  }
}
