// Random four-tuples and a std::hash for them, for model tests.
#pragma once

#include <cstdint>
#include <functional>
#include <random>

#include "tcp/four_tuple.h"

namespace xtcp::stack::test {

inline tcp::FourTuple random_tuple(std::mt19937_64& rng, bool v6) {
  tcp::FourTuple t;
  if (v6) {
    t.local.family = t.remote.family = wire::IpFamily::kV6;
    for (auto& b : t.local.bytes) b = static_cast<uint8_t>(rng());
    for (auto& b : t.remote.bytes) b = static_cast<uint8_t>(rng());
  } else {
    // A /16 of peers against one local address: realistic and dense.
    t.local = wire::IpAddress::v4(10, 77, 0, 2);
    t.remote = wire::IpAddress::v4(10, 78, static_cast<uint8_t>(rng()), static_cast<uint8_t>(rng()));
  }
  t.local_port = static_cast<uint16_t>(5201 + rng() % 4);
  t.remote_port = static_cast<uint16_t>(rng());
  return t;
}

struct TupleStdHash {
  size_t operator()(const tcp::FourTuple& t) const {
    size_t h = std::hash<uint32_t>{}(uint32_t{t.local_port} << 16 | t.remote_port);
    for (int i = 0; i < 16; ++i) h = h * 131 + t.local.bytes[i] * 7 + t.remote.bytes[i];
    return h ^ static_cast<size_t>(t.local.family);
  }
};

}  // namespace xtcp::stack::test
