// XskSteering: SteeringMaps over the loaded xtcp_steer program's maps; every
// entry names this shard's queue as the owner.
#pragma once

#include <cstdint>

#include "stack/steering_maps.h"
#include "xsk/ip_addr.h"
#include "xsk/steer_program.h"

namespace xtcp::stack {

// wire::IpAddress and xsk::IpAddr share their layout (both headers say so).
inline xsk::IpAddr to_xsk(const wire::IpAddress& a) {
  xsk::IpAddr out;
  out.family = static_cast<uint8_t>(a.family);  // kV4 == AF_INET, kV6 == AF_INET6
  out.bytes = a.bytes;
  return out;
}

class XskSteering final : public SteeringMaps {
 public:
  XskSteering(xsk::SteerProgram& prog, uint32_t owner_queue) : prog_(prog), queue_(owner_queue) {}
  int add_listener(const wire::IpAddress& local, uint16_t port) override;
  int remove_listener(const wire::IpAddress& local, uint16_t port) override;
  int add_flow(const tcp::FourTuple& flow) override;
  int remove_flow(const tcp::FourTuple& flow) override;
  int flow_owner(const tcp::FourTuple& flow) override;

 private:
  xsk::SteerProgram& prog_;
  uint32_t queue_;
};

}  // namespace xtcp::stack
