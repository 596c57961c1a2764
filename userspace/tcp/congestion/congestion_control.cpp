#include "tcp/congestion/congestion_control.h"

#include <algorithm>

#include "tcp/congestion/cubic.h"
#include "tcp/congestion/new_reno.h"

namespace xtcp::tcp {

uint32_t initial_window(uint32_t mss) {
  // RFC 6928 section 2; computed in 64 bits so a jumbo MSS cannot overflow.
  uint64_t m = std::max<uint32_t>(mss, 1);
  uint64_t iw = std::min<uint64_t>(10 * m, std::max<uint64_t>(2 * m, 14600));
  return static_cast<uint32_t>(std::min<uint64_t>(iw, kMaxCwnd));
}

std::unique_ptr<CongestionControl> make_congestion_control(CcAlgorithm algo, uint32_t mss) {
  switch (algo) {
    case CcAlgorithm::kNewReno:
      return std::make_unique<NewReno>(mss);
    case CcAlgorithm::kCubic:
      return std::make_unique<Cubic>(mss);
  }
  return std::make_unique<NewReno>(mss);
}

std::optional<CcAlgorithm> parse_cc_algorithm(std::string_view name) {
  if (name == "newreno" || name == "reno") return CcAlgorithm::kNewReno;
  if (name == "cubic") return CcAlgorithm::kCubic;
  return std::nullopt;
}

const char* cc_algorithm_name(CcAlgorithm algo) {
  return algo == CcAlgorithm::kCubic ? "cubic" : "newreno";
}

}  // namespace xtcp::tcp
