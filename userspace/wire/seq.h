// Sequence numbers as a type: 32-bit values compared modulo 2^32
// (RFC 9293 section 3.4), so every comparison is wrap-safe.
#pragma once

#include <cstdint>

namespace xtcp::wire {

class SeqNumber {
 public:
  constexpr SeqNumber() = default;
  constexpr explicit SeqNumber(uint32_t raw) : raw_(raw) {}

  constexpr uint32_t raw() const { return raw_; }

  // Advancing by a length (bytes, or 1 for SYN/FIN) wraps modulo 2^32.
  constexpr SeqNumber operator+(uint32_t n) const { return SeqNumber(raw_ + n); }
  constexpr SeqNumber operator-(uint32_t n) const { return SeqNumber(raw_ - n); }
  constexpr SeqNumber& operator+=(uint32_t n) { raw_ += n; return *this; }
  constexpr SeqNumber& operator-=(uint32_t n) { raw_ -= n; return *this; }

  // Signed distance this - other; meaningful while |distance| < 2^31.
  constexpr int32_t operator-(SeqNumber other) const {
    return static_cast<int32_t>(raw_ - other.raw_);
  }

  constexpr bool operator==(const SeqNumber&) const = default;
  constexpr bool operator<(SeqNumber o) const { return (*this - o) < 0; }
  constexpr bool operator<=(SeqNumber o) const { return (*this - o) <= 0; }
  constexpr bool operator>(SeqNumber o) const { return (*this - o) > 0; }
  constexpr bool operator>=(SeqNumber o) const { return (*this - o) >= 0; }

 private:
  uint32_t raw_ = 0;
};

constexpr SeqNumber seq_max(SeqNumber a, SeqNumber b) { return a < b ? b : a; }
constexpr SeqNumber seq_min(SeqNumber a, SeqNumber b) { return a < b ? a : b; }

// a <= x < b in sequence space (the RFC 9293 "acceptable" tests).
constexpr bool seq_in_range(SeqNumber x, SeqNumber a, SeqNumber b) {
  return a <= x && x < b;
}

}  // namespace xtcp::wire
