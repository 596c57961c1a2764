// Whole-frame parse on arbitrary bytes; a frame that parses is rebuilt,
// re-parsed and must come back equal (fields, options and payload bytes),
// and rebuilding that again must give identical bytes.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "wire/frame.h"

using namespace xtcp::wire;

namespace {

bool same_tcp(const TcpRepr& a, const TcpRepr& b) {
  return a.src_port == b.src_port && a.dst_port == b.dst_port && a.seq == b.seq &&
         a.ack == b.ack && a.flags == b.flags && a.window == b.window && a.urgent == b.urgent &&
         a.options == b.options &&
         std::equal(a.payload.begin(), a.payload.end(), b.payload.begin(), b.payload.end());
}

std::array<uint8_t, 70000> g_out1;
std::array<uint8_t, 70000> g_out2;

void check_round_trip(const ParsedFrame& f) {
  const size_t n = build_frame(f.hdr, f.tcp, g_out1);
  // Re-emitted TCP options may use the aligned layout and grow the header,
  // so an IPv6 packet near 64 KiB may no longer fit its 16-bit length.
  if (n == 0) {
    if (frame_header_len(f.hdr, f.tcp) + f.tcp.payload.size() < 65000) std::abort();
    return;
  }
  ParsedFrame g;
  if (parse_frame({g_out1.data(), n}, g) != ParseError::kOk) std::abort();
  if (!(g.hdr == f.hdr) || !same_tcp(g.tcp, f.tcp)) std::abort();
  const size_t m = build_frame(g.hdr, g.tcp, g_out2);
  if (m != n || !std::equal(g_out1.begin(), g_out1.begin() + n, g_out2.begin())) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> in(data, size);
  for (ChecksumCheck check : {ChecksumCheck::kVerify, ChecksumCheck::kSkip}) {
    ParsedFrame f;
    if (parse_frame(in, f, check) != ParseError::kOk) continue;
    // The payload is a view inside the input.
    if (!f.tcp.payload.empty() &&
        (f.tcp.payload.data() < data || f.tcp.payload.data() + f.tcp.payload.size() > data + size)) {
      std::abort();
    }
    check_round_trip(f);
  }
  return 0;
}
