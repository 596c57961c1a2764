// A connection's identity seen from xtcp's side (RFC 9293 section 3.3.2:
// the socket pair).
#pragma once

#include <cstdint>

#include "wire/ip_address.h"

namespace xtcp::tcp {

struct FourTuple {
  wire::IpAddress local;
  uint16_t local_port = 0;  // host order
  wire::IpAddress remote;
  uint16_t remote_port = 0;  // host order
  bool operator==(const FourTuple&) const = default;
};

}  // namespace xtcp::tcp
