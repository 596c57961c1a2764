// SteerProgram: the xtcp_steer XDP program, loaded from its skeleton and
// attached to one interface through a bpf_link, so a crash of the owner
// detaches it (the kernel takes all traffic back). Typed access to its maps:
// listeners, flows, the XSKMAP and the per-CPU counters (steer_abi.h).
// Not copyable, not movable (owned through unique_ptr); the destructor
// detaches and unloads.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "xtcp/steer_abi.h"
#include "xsk/ip_addr.h"
#include "xsk/result.h"

struct xtcp_steer_bpf;
struct bpf_link;

namespace xtcp::xsk {

// A flow seen from xtcp's side: local = destination of arriving segments.
// Ports in host order; both addresses of the same family.
struct FlowTuple {
  IpAddr local;
  uint16_t local_port = 0;
  IpAddr remote;
  uint16_t remote_port = 0;
};

// Counters summed over all CPUs, indexed by xtcp_steer_stat.
using SteerStats = std::array<uint64_t, XTCP_STAT_COUNT>;
// Name of counter i ("rx_frames", ...), from XTCP_STEER_STAT_NAMES.
const char* steer_stat_name(size_t i);

class SteerProgram {
 public:
  // Opens, loads and attaches to ifname. Errors (one sentence each):
  // -ENODEV no such interface; -EPERM/-EACCES "run as root or with CAP_BPF
  // and CAP_NET_ADMIN"; -EBUSY "<if> already has an XDP program attached;
  // detach it with `ip link set dev <if> xdp off`" (EEXIST maps to EBUSY).
  static Result<std::unique_ptr<SteerProgram>> attach(const std::string& ifname);
  ~SteerProgram();
  SteerProgram(const SteerProgram&) = delete;
  SteerProgram& operator=(const SteerProgram&) = delete;

  int ifindex() const { return ifindex_; }
  const std::string& ifname() const { return ifname_; }
  uint32_t prog_id() const { return prog_id_; }

  // Segments to (addr, port) go to the socket of owner_queue. An all-zero
  // address of the family is the wildcard. Port in host order. -EINVAL for
  // a family other than AF_INET/AF_INET6, or a flow mixing the two.
  Status add_listener(const IpAddr& addr, uint16_t port, uint32_t owner_queue);
  Status remove_listener(const IpAddr& addr, uint16_t port);  // -ENOENT if absent
  Status add_flow(const FlowTuple& flow, uint32_t owner_queue);
  Status remove_flow(const FlowTuple& flow);  // -ENOENT if absent
  // The queue whose shard owns the flow, or -ENOENT.
  Result<uint32_t> flow_owner(const FlowTuple& flow) const;

  // Frames redirected on rx queue `queue` go to the AF_XDP socket xsk_fd.
  Status register_socket(uint32_t queue, int xsk_fd);
  Status unregister_socket(uint32_t queue);

  Result<SteerStats> stats() const;

  // Map file descriptors, for tools and tests.
  int listeners_fd() const;
  int flows_fd() const;
  int xsks_fd() const;

 private:
  SteerProgram() = default;

  xtcp_steer_bpf* skel_ = nullptr;
  bpf_link* link_ = nullptr;
  std::string ifname_;
  int ifindex_ = 0;
  uint32_t prog_id_ = 0;
};

// Helpers shared with tests: the map keys for a listener / flow.
xtcp_listener_key make_listener_key(const IpAddr& addr, uint16_t port);
xtcp_flow_key make_flow_key(const FlowTuple& flow);

}  // namespace xtcp::xsk
