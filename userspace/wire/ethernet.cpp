#include "wire/ethernet.h"

#include <algorithm>
#include <cstring>

#include "wire/bytes.h"

namespace xtcp::wire {

MacAddress MacAddress::from_bytes(const uint8_t* p) {
  MacAddress m;
  std::memcpy(m.bytes.data(), p, m.bytes.size());
  return m;
}

bool MacAddress::is_broadcast() const {
  return std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0xff; });
}

ParseError EthernetFrame::check_len() const {
  if (buf_.size() < kHeaderLen) return ParseError::kTruncated;
  if (has_vlan() && buf_.size() < kHeaderLen + kVlanTagLen) return ParseError::kTruncated;
  return ParseError::kOk;
}

uint16_t EthernetFrame::outer_ethertype() const { return load_be16(buf_.data() + 12); }

uint16_t EthernetFrame::vlan_tci() const { return load_be16(buf_.data() + 14); }

uint16_t EthernetFrame::ethertype() const {
  return has_vlan() ? load_be16(buf_.data() + 16) : outer_ethertype();
}

ParseError EthernetRepr::parse(const EthernetFrame& frame, EthernetRepr& out) {
  if (ParseError e = frame.check_len(); e != ParseError::kOk) return e;
  out.dst = frame.dst();
  out.src = frame.src();
  out.ethertype = frame.ethertype();
  out.vlan_tci = frame.has_vlan() ? std::optional<uint16_t>(frame.vlan_tci()) : std::nullopt;
  return ParseError::kOk;
}

size_t EthernetRepr::buffer_len() const {
  return EthernetFrame::kHeaderLen + (vlan_tci ? EthernetFrame::kVlanTagLen : 0);
}

size_t EthernetRepr::emit(std::span<uint8_t> buf) const {
  size_t len = buffer_len();
  if (buf.size() < len) return 0;
  uint8_t* p = buf.data();
  std::memcpy(p, dst.bytes.data(), 6);
  std::memcpy(p + 6, src.bytes.data(), 6);
  if (vlan_tci) {
    store_be16(p + 12, ethertype::kVlan);
    store_be16(p + 14, *vlan_tci);
    store_be16(p + 16, ethertype);
  } else {
    store_be16(p + 12, ethertype);
  }
  return len;
}

}  // namespace xtcp::wire
