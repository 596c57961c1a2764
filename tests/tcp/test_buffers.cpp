// The byte rings and the out-of-order assembler the engine is built on.
#include <unistd.h>

#include <cstdio>

#include "harness.h"

namespace xtcp::tcp::test {

TEST_CASE("SendBuffer: reserve/commit, peek across the wrap, release", "[buffers]") {
  SendBuffer b(8);
  CHECK(b.capacity() == 8);
  CHECK(b.write(bytes("abcdef")) == 6);
  b.release(4);
  ByteSpans w = b.writable();
  CHECK(w.size() == 6);
  CHECK(w.first.size() == 2);  // wraps
  std::memcpy(w.first.data(), "gh", 2);
  std::memcpy(w.second.data(), "ijkl", 4);
  CHECK(b.commit(6) == 6);
  CHECK(b.free() == 0);
  CHECK(b.write(bytes("z")) == 0);
  ConstByteSpans p = b.peek(1, 6);
  std::string s(p.first.begin(), p.first.end());
  s.append(p.second.begin(), p.second.end());
  CHECK(s == "fghijk");
  CHECK(b.peek(8, 1).empty());
}

TEST_CASE("SendBuffer: caller memory is used in place, rounded down to a power of two", "[buffers]") {
  std::vector<uint8_t> mem(100);
  SendBuffer b{std::span<uint8_t>(mem)};
  CHECK(b.capacity() == 64);
  b.write(bytes("hi"));
  CHECK(mem[0] == 'h');
}

TEST_CASE("RecvBuffer: out-of-order writes land at their offset", "[buffers]") {
  RecvBuffer b(16, 4);
  auto r1 = b.write_at(3, bytes("def"));
  CHECK(r1.stored);
  CHECK(r1.advanced == 0);
  CHECK(b.readable_len() == 0);
  auto r2 = b.write_at(0, bytes("abc"));
  CHECK(r2.advanced == 6);
  uint8_t out[8];
  CHECK(b.read(out) == 6);
  CHECK(std::memcmp(out, "abcdef", 6) == 0);
  // Beyond free space: trimmed; entirely beyond: refused.
  auto r3 = b.write_at(20, bytes("x"));
  CHECK_FALSE(r3.stored);
}

TEST_CASE("Assembler: merging, bounded ranges, in-order always accepted", "[buffers][ooo]") {
  Assembler a(2);
  CHECK(a.add(10, 5));
  CHECK(a.add(20, 5));
  CHECK_FALSE(a.add(30, 5));  // a third disjoint range: refused
  CHECK(a.add(15, 5));        // bridges the two
  CHECK(a.range_count() == 1);
  CHECK(a.add(40, 1));
  CHECK(a.add(0, 3));         // in-order data even when full
  CHECK(a.pop_front() == 3);
  CHECK(a.range(0).start == 7);
  CHECK(a.range(0).end == 22);
}

}  // namespace xtcp::tcp::test

namespace xtcp::tcp::test {
namespace {
// Resident set size in bytes (/proc/self/statm, second field, in pages).
size_t resident_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long size = 0, resident = 0;
  int n = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  return n == 2 ? resident * static_cast<size_t>(sysconf(_SC_PAGESIZE)) : 0;
}
}  // namespace

TEST_CASE("Engine-allocated rings are not zeroed: set-up does not touch their pages", "[buffers][setup]") {
  // 16 connections with 1 MB + 1 MB rings: zeroing them at creation would
  // make 32 MB resident (and cost ~4 M instructions per connection pair,
  // bench/engine_cost.sh); untouched they cost address space only.
  TcpConfig cfg;  // default 1 MB rings
  std::vector<std::unique_ptr<Connection>> conns;
  conns.reserve(16);
  size_t before = resident_bytes();
  REQUIRE(before > 0);
  for (uint16_t i = 0; i < 16; ++i) {
    FourTuple t = tuple();
    t.remote_port = static_cast<uint16_t>(40000 + i);
    conns.push_back(Connection::connect(cfg, t, L, ms(0)));
  }
  size_t grown = resident_bytes() - before;
  INFO("resident growth " << grown << " bytes");
  CHECK(grown < (4u << 20));
  // The rings still work: data goes in and comes back out.
  REQUIRE(conns[3]->send(bytes("ring")) == 4);
  CHECK(conns[3]->send_queue_len() == 4);
}

}  // namespace xtcp::tcp::test
