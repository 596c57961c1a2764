// Micro benchmark: whole-frame parse (Ethernet/IPv4/TCP with timestamps,
// both checksums verified) and whole-frame build of a 1514-byte frame.
// Not wired into bench/CMakeLists.txt; build by hand against the wire layer:
//   g++ -O2 -std=c++20 -Iuserspace bench/wire_bench.cpp
//       build/userspace/wire/libxtcp_wire.a -o /tmp/wire_bench   (one line)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "wire/frame.h"

using namespace xtcp::wire;

namespace {

template <typename F>
double ns_per_op(int iters, F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < iters; ++i) f(i);
  const auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::nano>(t1 - t0).count() / iters;
}

}  // namespace

int main() {
  FrameHeaders h;
  h.eth.dst = {{2, 0, 0, 0, 0, 2}};
  h.eth.src = {{2, 0, 0, 0, 0, 1}};
  h.src_ip = IpAddress::v4(10, 77, 0, 1);
  h.dst_ip = IpAddress::v4(10, 77, 0, 2);
  TcpRepr r;
  r.src_port = 40000;
  r.dst_port = 5201;
  r.flags = tcp_flags::kAck;
  r.window = 502;
  r.options.timestamps = Timestamps{1, 2};
  std::vector<uint8_t> payload(1448);  // 14 + 20 + 32 + 1448 = 1514
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<uint8_t>(i * 7);
  r.payload = payload;
  std::vector<uint8_t> frame(2048);
  const size_t len = build_frame(h, r, frame);
  if (len != 1514) return 1;

  const int iters = 2'000'000;
  uint64_t sink = 0;
  const double parse_ns = ns_per_op(iters, [&](int) {
    ParsedFrame f;
    if (parse_frame({frame.data(), len}, f) != ParseError::kOk) std::abort();
    sink += f.tcp.payload.size();
  });
  const double build_ns = ns_per_op(iters, [&](int i) {
    r.seq = SeqNumber(static_cast<uint32_t>(i));
    sink += build_frame(h, r, frame);
  });
  std::printf("frame %zu bytes: parse+verify %.1f ns (%.2f Gbit/s), build+copy+checksum %.1f ns"
              " (sink %llu)\n",
              len, parse_ns, len * 8 / parse_ns, build_ns, static_cast<unsigned long long>(sink));
  return 0;
}
