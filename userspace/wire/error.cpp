#include "wire/error.h"

namespace xtcp::wire {

const char* name(ParseError e) {
  switch (e) {
    case ParseError::kOk: return "ok";
    case ParseError::kTruncated: return "truncated";
    case ParseError::kBadVersion: return "bad_version";
    case ParseError::kBadHeaderLen: return "bad_header_len";
    case ParseError::kBadLength: return "bad_length";
    case ParseError::kBadChecksum: return "bad_checksum";
    case ParseError::kFragment: return "fragment";
    case ParseError::kBadOption: return "bad_option";
    case ParseError::kDuplicateOption: return "duplicate_option";
    case ParseError::kUnsupportedEthertype: return "unsupported_ethertype";
    case ParseError::kNotTcp: return "not_tcp";
    case ParseError::kCount: break;
  }
  return "unknown";
}

}  // namespace xtcp::wire
