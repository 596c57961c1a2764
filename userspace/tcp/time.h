// Time for the sans-IO engine: the caller passes `now` into every call; the
// engine never reads a clock. Microsecond resolution, monotonic origin chosen
// by the caller (a virtual clock in tests, CLOCK_MONOTONIC in the daemon).
#pragma once

#include <compare>
#include <cstdint>
#include <limits>

namespace xtcp::tcp {

struct Duration {
  int64_t us = 0;
  static constexpr Duration micros(int64_t v) { return {v}; }
  static constexpr Duration millis(int64_t v) { return {v * 1000}; }
  static constexpr Duration seconds(int64_t v) { return {v * 1000000}; }
  constexpr int64_t millis() const { return us / 1000; }
  constexpr Duration operator+(Duration o) const { return {us + o.us}; }
  constexpr Duration operator-(Duration o) const { return {us - o.us}; }
  constexpr Duration operator*(int64_t k) const { return {us * k}; }
  constexpr Duration operator/(int64_t k) const { return {us / k}; }
  constexpr auto operator<=>(const Duration&) const = default;
};

struct Instant {
  int64_t us = 0;
  static constexpr Instant from_micros(int64_t v) { return {v}; }
  // "No deadline": later than any real instant.
  static constexpr Instant never() { return {std::numeric_limits<int64_t>::max()}; }
  constexpr Instant operator+(Duration d) const { return {us + d.us}; }
  constexpr Instant operator-(Duration d) const { return {us - d.us}; }
  constexpr Duration operator-(Instant o) const { return {us - o.us}; }
  constexpr auto operator<=>(const Instant&) const = default;
};

}  // namespace xtcp::tcp
