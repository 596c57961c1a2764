// Options negotiated on the SYN exchange: MSS (RFC 9293 3.7.1), window scale
// (RFC 7323 2), timestamps (RFC 7323 3) and SACK-permitted (RFC 2018 2).
#include <algorithm>

#include "tcp/connection.h"

namespace xtcp::tcp {

void Connection::negotiate(const wire::TcpRepr& syn) {
  const wire::TcpOptions& o = syn.options;
  // RFC 9293 3.7.1: 536 when the option is absent; never above ours, and
  // never above the peer's (MUST-16: a peer asking for 48 gets 48). An
  // absurd MSS (0..47) is raised to kMinPeerMss so a segment still carries
  // data and a hostile peer cannot make us send one byte per frame.
  uint16_t peer = o.mss ? std::max<uint16_t>(*o.mss, kMinPeerMss) : kDefaultPeerMss;
  snd_mss_ = std::min(peer, our_mss_);
  // RFC 7323 2.2: scaling only when both sides sent the option.
  wscale_ok_ = cfg_.window_scaling && o.window_scale.has_value();
  snd_.wscale = wscale_ok_ ? std::min<uint8_t>(*o.window_scale, 14) : 0;  // 2.3
  rcv_.wscale = wscale_ok_ ? cfg_.window_scale : 0;
  sack_ok_ = cfg_.sack && o.sack_permitted;
  ts_ok_ = cfg_.timestamps && o.timestamps.has_value();
  cc_->set_mss(seg_mss());
}

// RFC 7323 5.4: a 1 ms timestamp clock, offset per connection.
uint32_t Connection::tsval(Instant now) const {
  return static_cast<uint32_t>(now.us / 1000) + ts_offset_;
}

// Largest payload per segment: the MSS less the options every segment
// carries (RFC 6691: MSS counts no options); timestamps take 12 bytes.
uint32_t Connection::seg_mss() const { return snd_mss_ - (ts_ok_ ? 12u : 0u); }

}  // namespace xtcp::tcp
