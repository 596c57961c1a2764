#include "tcp/reset.h"

namespace xtcp::tcp {

using wire::SeqNumber;
namespace f = wire::tcp_flags;

std::optional<wire::TcpRepr> reset_for(const wire::TcpRepr& seg) {
  if (seg.has(f::kRst)) return std::nullopt;  // never answer a RST
  wire::TcpRepr r;
  r.src_port = seg.dst_port;
  r.dst_port = seg.src_port;
  if (seg.has(f::kAck)) {
    r.seq = seg.ack;
    r.flags = f::kRst;
  } else {
    r.seq = SeqNumber(0);
    r.ack = seg.seq + seg.segment_len();
    r.flags = f::kRst | f::kAck;
  }
  return r;
}

}  // namespace xtcp::tcp
