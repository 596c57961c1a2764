// What poll_transmit() hands the caller: a header with options filled in and
// the payload as up to two spans into the send buffer. The caller emits the
// frame, copying the payload once; the spans stay valid until the next call
// that changes the connection.
#pragma once

#include "tcp/byte_spans.h"
#include "wire/tcp_repr.h"

namespace xtcp::tcp {

struct OutSegment {
  wire::TcpRepr repr;     // repr.payload is left empty; see `payload`
  ConstByteSpans payload;
  size_t payload_len() const { return payload.size(); }
};

}  // namespace xtcp::tcp
