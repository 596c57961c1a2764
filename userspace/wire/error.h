// Why a parser refused its input. One small enum for the whole wire layer:
// the data path never throws, it counts these (name() is the counter key).
#pragma once

#include <cstdint>

namespace xtcp::wire {

enum class ParseError : uint8_t {
  kOk = 0,
  kTruncated,             // the buffer ends before a header or length says
  kBadVersion,            // IP version field is not 4 (resp. 6)
  kBadHeaderLen,          // IPv4 IHL < 5, TCP data offset < 5
  kBadLength,             // IPv4 total length shorter than its header
  kBadChecksum,           // IPv4 header or TCP checksum does not verify
  kFragment,              // IPv4 MF set or fragment offset != 0
  kBadOption,             // malformed TCP option (length or kind/length mismatch)
  kDuplicateOption,       // a known TCP option kind appears twice
  kUnsupportedEthertype,  // neither IPv4 nor IPv6 (after at most one VLAN tag)
  kNotTcp,                // IP protocol / next header is not TCP
  kCount,
};

// A short stable name, e.g. "truncated", for counters and logs.
const char* name(ParseError e);

}  // namespace xtcp::wire
