// TCP options and the TCP header parser on arbitrary bytes. Options that
// parse and fit in 40 bytes must survive emit -> parse unchanged.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "wire/tcp.h"

using namespace xtcp::wire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> in(data, size);

  // 1. The bytes as an options area (the parser must stay inside it).
  TcpOptions o;
  if (parse_tcp_options(in, o) == ParseError::kOk && size <= TcpSegment::kMaxOptionsLen) {
    std::array<uint8_t, TcpSegment::kMaxOptionsLen> area{};
    const size_t n = emit_tcp_options(o, area.data());
    if (n % 4 != 0 || n > area.size()) std::abort();
    TcpOptions back;
    if (parse_tcp_options({area.data(), n}, back) != ParseError::kOk) std::abort();
    if (!(back == o)) std::abort();
  }

  // 2. The bytes as a whole segment, checksum both skipped and verified.
  TcpRepr r;
  if (tcp_parse(in, 0, r, ChecksumCheck::kSkip) == ParseError::kOk) {
    if (r.payload.size() > size) std::abort();
    std::array<uint8_t, 60 + 4096> seg{};
    if (r.payload.size() + 60 <= seg.size()) {
      const size_t n = tcp_emit(r, seg, 0x1234);
      TcpRepr back;
      if (n == 0 || tcp_parse({seg.data(), n}, 0x1234, back) != ParseError::kOk) std::abort();
      if (!(back.options == r.options) || back.seq != r.seq || back.flags != r.flags) std::abort();
    }
  }
  (void)tcp_parse(in, 0, r, ChecksumCheck::kVerify);
  return 0;
}
