#include <catch2/catch.hpp>

#include <array>

#include "wire/bytes.h"
#include "wire/seq.h"

using namespace xtcp::wire;

TEST_CASE("big-endian loads and stores", "[wire][bytes]") {
  std::array<uint8_t, 9> b{};
  store_be16(b.data() + 1, 0x1234);  // unaligned on purpose
  CHECK(b[1] == 0x12);
  CHECK(b[2] == 0x34);
  CHECK(load_be16(b.data() + 1) == 0x1234);
  store_be32(b.data() + 1, 0xdeadbeef);
  CHECK(b[1] == 0xde);
  CHECK(b[4] == 0xef);
  CHECK(load_be32(b.data() + 1) == 0xdeadbeef);
  store_be64(b.data() + 1, 0x0102030405060708ull);
  CHECK(b[1] == 0x01);
  CHECK(b[8] == 0x08);
  CHECK(load_be64(b.data() + 1) == 0x0102030405060708ull);
}

TEST_CASE("SeqNumber compares modulo 2^32", "[wire][seq]") {
  const SeqNumber a(0xfffffff0u);
  const SeqNumber b = a + 0x20;  // wraps past 2^32
  CHECK(b.raw() == 0x10);
  CHECK(a < b);
  CHECK(b > a);
  CHECK(a <= b);
  CHECK_FALSE(b < a);
  CHECK(b - a == 0x20);
  CHECK(a - b == -0x20);
  CHECK(seq_max(a, b) == b);
  CHECK(seq_min(a, b) == a);
  CHECK(seq_in_range(SeqNumber(0xffffffffu), a, b));
  CHECK(seq_in_range(SeqNumber(0), a, b));
  CHECK_FALSE(seq_in_range(b, a, b));
  CHECK_FALSE(seq_in_range(SeqNumber(0x11), a, b));
  CHECK((b - 0x20u) == a);
  SeqNumber c(5);
  c -= 10;
  CHECK(c.raw() == 0xfffffffbu);
  c += 10;
  CHECK(c.raw() == 5);
}

TEST_CASE("SeqNumber ordering holds within 2^31 either way of any point", "[wire][seq]") {
  for (uint32_t base : {0u, 1u, 0x7fffffffu, 0x80000000u, 0xffffffffu}) {
    const SeqNumber s(base);
    for (uint32_t d : {1u, 1000u, 0x7fffffffu}) {
      CHECK(s < s + d);
      CHECK(s + d > s);
      CHECK(s - d < s);
      CHECK((s + d) - s == static_cast<int32_t>(d));
    }
    CHECK(s == s + 0u);
    CHECK(s <= s);
    CHECK(s >= s);
  }
}
