#include "stack/xsk_steering.h"

#include <sys/socket.h>

namespace xtcp::stack {

static_assert(static_cast<int>(wire::IpFamily::kV4) == AF_INET);
static_assert(static_cast<int>(wire::IpFamily::kV6) == AF_INET6);

namespace {

int errno_of(const xsk::Status& s) {
  if (s.ok()) return 0;
  return s.code() < 0 ? s.code() : -s.code();
}

xsk::FlowTuple to_flow(const tcp::FourTuple& t) {
  return xsk::FlowTuple{to_xsk(t.local), t.local_port, to_xsk(t.remote), t.remote_port};
}

}  // namespace

int XskSteering::add_listener(const wire::IpAddress& local, uint16_t port) {
  return errno_of(prog_.add_listener(to_xsk(local), port, queue_));
}

int XskSteering::remove_listener(const wire::IpAddress& local, uint16_t port) {
  return errno_of(prog_.remove_listener(to_xsk(local), port));
}

int XskSteering::add_flow(const tcp::FourTuple& flow) {
  return errno_of(prog_.add_flow(to_flow(flow), queue_));
}

int XskSteering::remove_flow(const tcp::FourTuple& flow) {
  return errno_of(prog_.remove_flow(to_flow(flow)));
}

int XskSteering::flow_owner(const tcp::FourTuple& flow) {
  auto owner = prog_.flow_owner(to_flow(flow));
  if (!owner) return owner.code() < 0 ? owner.code() : -owner.code();
  return static_cast<int>(*owner);
}

}  // namespace xtcp::stack
