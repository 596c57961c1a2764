// Field-by-field equality for TcpRepr (its payload is a span, compared by
// content), shared by the wire tests.
#pragma once

#include <algorithm>

#include "wire/tcp_repr.h"

namespace xtcp::wire::testing {

inline bool same_tcp(const TcpRepr& a, const TcpRepr& b) {
  return a.src_port == b.src_port && a.dst_port == b.dst_port && a.seq == b.seq &&
         a.ack == b.ack && a.flags == b.flags && a.window == b.window && a.urgent == b.urgent &&
         a.options == b.options &&
         std::equal(a.payload.begin(), a.payload.end(), b.payload.begin(), b.payload.end());
}

}  // namespace xtcp::wire::testing
