// Shared by the algorithms: is this ACK from a sender that did not use its
// window? RFC 7661 section 4.3 calls cwnd validated while the data in flight
// is at least half of it; below that, growing cwnd would credit capacity the
// path never carried (RFC 9438 section 5.8 for CUBIC).
#pragma once

#include <cstdint>

namespace xtcp::tcp {

// bytes_in_flight is measured after the ACK, so adding acked_bytes gives the
// flight the ACK was answering.
inline bool is_app_limited(uint32_t acked_bytes, uint32_t bytes_in_flight, uint32_t cwnd) {
  uint64_t pipe = uint64_t{bytes_in_flight} + acked_bytes;
  return 2 * pipe < cwnd;
}

}  // namespace xtcp::tcp
