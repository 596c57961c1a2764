// SteeringMaps: the BPF maps that send a flow's frames to its shard's
// AF_XDP socket. The shard keeps them in step with its tables (listener
// entries while listening, flow entries while a connection lives). The real
// one wraps xsk::SteerProgram (xsk_steering.h); tests use a recorder.
// Calls return 0 or -errno; a failure is counted, never fatal.
#pragma once

#include <cstdint>

#include "tcp/four_tuple.h"
#include "wire/ip_address.h"

#include <cerrno>

namespace xtcp::stack {

class SteeringMaps {
 public:
  virtual ~SteeringMaps() = default;
  virtual int add_listener(const wire::IpAddress& local, uint16_t port) = 0;
  virtual int remove_listener(const wire::IpAddress& local, uint16_t port) = 0;
  virtual int add_flow(const tcp::FourTuple& flow) = 0;
  virtual int remove_flow(const tcp::FourTuple& flow) = 0;
  // The queue whose shard owns a flow, or -ENOENT (asked only for segments
  // that match nothing here: a flow of another shard arriving on our queue).
  virtual int flow_owner(const tcp::FourTuple& flow) {
    (void)flow;
    return -ENOENT;
  }
};

// Steering that is not there (the whole interface already goes to xtcp).
class NoSteering final : public SteeringMaps {
 public:
  int add_listener(const wire::IpAddress&, uint16_t) override { return 0; }
  int remove_listener(const wire::IpAddress&, uint16_t) override { return 0; }
  int add_flow(const tcp::FourTuple&) override { return 0; }
  int remove_flow(const tcp::FourTuple&) override { return 0; }
};

}  // namespace xtcp::stack
