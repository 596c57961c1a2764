// The reply to a segment that matches no connection (RFC 9293 3.10.7.1):
//   ACK set:    <SEQ=SEG.ACK><CTL=RST>
//   otherwise:  <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
// and never a reply to a RST. Ports are swapped; no options.
#pragma once

#include <optional>

#include "wire/tcp_repr.h"

namespace xtcp::tcp {

std::optional<wire::TcpRepr> reset_for(const wire::TcpRepr& seg);

}  // namespace xtcp::tcp
