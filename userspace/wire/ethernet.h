// Ethernet II frames (IEEE 802.3) with at most one 802.1Q VLAN tag.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "wire/error.h"

namespace xtcp::wire {

struct MacAddress {
  std::array<uint8_t, 6> bytes{};

  static MacAddress from_bytes(const uint8_t* p);
  bool is_broadcast() const;
  bool is_multicast() const { return (bytes[0] & 0x01) != 0; }  // I/G bit
  bool operator==(const MacAddress&) const = default;
};

namespace ethertype {
inline constexpr uint16_t kIpv4 = 0x0800;
inline constexpr uint16_t kArp = 0x0806;
inline constexpr uint16_t kVlan = 0x8100;  // IEEE 802.1Q C-tag TPID
inline constexpr uint16_t kIpv6 = 0x86dd;
}  // namespace ethertype

// Read-only view over a frame. Call check_len() first; once it returns kOk
// every getter stays inside the buffer.
class EthernetFrame {
 public:
  static constexpr size_t kHeaderLen = 14;
  static constexpr size_t kVlanTagLen = 4;

  explicit EthernetFrame(std::span<const uint8_t> buf) : buf_(buf) {}

  // The buffer holds the header, plus the tag when the outer type is 802.1Q.
  ParseError check_len() const;

  MacAddress dst() const { return MacAddress::from_bytes(buf_.data()); }
  MacAddress src() const { return MacAddress::from_bytes(buf_.data() + 6); }
  uint16_t outer_ethertype() const;
  bool has_vlan() const { return outer_ethertype() == ethertype::kVlan; }
  uint16_t vlan_tci() const;    // only when has_vlan()
  uint16_t ethertype() const;   // the inner type when tagged
  size_t header_len() const { return kHeaderLen + (has_vlan() ? kVlanTagLen : 0); }
  std::span<const uint8_t> payload() const { return buf_.subspan(header_len()); }

 private:
  std::span<const uint8_t> buf_;
};

struct EthernetRepr {
  MacAddress dst;
  MacAddress src;
  uint16_t ethertype = ethertype::kIpv4;  // the payload's type, after any tag
  std::optional<uint16_t> vlan_tci;       // PCP/DEI/VID when tagged

  static ParseError parse(const EthernetFrame& frame, EthernetRepr& out);
  size_t buffer_len() const;
  // Writes buffer_len() bytes; returns 0 if buf is shorter.
  size_t emit(std::span<uint8_t> buf) const;
  bool operator==(const EthernetRepr&) const = default;
};

}  // namespace xtcp::wire
