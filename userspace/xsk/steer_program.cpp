#include "xsk/steer_program.h"

#include <arpa/inet.h>
#include <net/if.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <xtcp_steer.skel.h>

namespace xtcp::xsk {

namespace {

// libbpf prints its own diagnostics to stderr; our callers print one clear
// sentence instead. XTCP_LIBBPF_DEBUG=1 brings libbpf's messages back.
int quiet_libbpf_print(enum libbpf_print_level level, const char* fmt, va_list args) {
  static const bool debug = std::getenv("XTCP_LIBBPF_DEBUG") != nullptr;
  if (!debug || level == LIBBPF_DEBUG) return 0;
  return std::vfprintf(stderr, fmt, args);
}

Error attach_error(int err, const std::string& ifname) {
  switch (-err) {
    case ENODEV:
      return make_error(err, "no interface named '" + ifname + "'; check the name with `ip link`");
    case EPERM:
    case EACCES:
      return make_error(err, "could not attach XDP to " + ifname +
                                 "; run as root or with CAP_BPF and CAP_NET_ADMIN");
    case EBUSY:
    case EEXIST:
      return Error{-EBUSY, ifname + " already has an XDP program attached; detach it with "
                                    "`ip link set dev " + ifname + " xdp off`"};
    default: break;
  }
  return make_error(err, "could not attach the xtcp_steer XDP program to " + ifname);
}

Status map_status(int ret, const char* what) {
  if (ret == 0) return Status::success();
  return make_error(ret < 0 ? ret : -errno, std::string("could not ") + what);
}

// A key of another family, or a flow mixing families, could be stored but
// never matched by the program: refuse it instead.
Status check_family(const IpAddr& a) {
  if (a.family == AF_INET || a.family == AF_INET6) return Status::success();
  return Error{-EINVAL, "an address must be IPv4 or IPv6 (family " + std::to_string(a.family) + ")"};
}

Status check_flow(const FlowTuple& f) {
  if (Status s = check_family(f.local); !s) return s;
  if (f.local.family == f.remote.family) return Status::success();
  return Error{-EINVAL, "a flow's local " + f.local.to_string() + " and remote " +
                            f.remote.to_string() + " must be of the same family"};
}

}  // namespace

const char* steer_stat_name(size_t i) {
  static const char* const names[] = XTCP_STEER_STAT_NAMES;
  return i < XTCP_STAT_COUNT ? names[i] : "?";
}

xtcp_listener_key make_listener_key(const IpAddr& addr, uint16_t port) {
  xtcp_listener_key k{};
  k.family = addr.family == AF_INET6 ? XTCP_FAMILY_IPV6 : XTCP_FAMILY_IPV4;
  k.port = htons(port);
  std::memcpy(k.addr, addr.bytes.data(), addr.size());
  return k;
}

xtcp_flow_key make_flow_key(const FlowTuple& f) {
  xtcp_flow_key k{};
  k.family = f.local.family == AF_INET6 ? XTCP_FAMILY_IPV6 : XTCP_FAMILY_IPV4;
  k.local_port = htons(f.local_port);
  k.remote_port = htons(f.remote_port);
  std::memcpy(k.local_addr, f.local.bytes.data(), f.local.size());
  std::memcpy(k.remote_addr, f.remote.bytes.data(), f.remote.size());
  return k;
}

Result<std::unique_ptr<SteerProgram>> SteerProgram::attach(const std::string& ifname) {
  libbpf_set_print(quiet_libbpf_print);
  const unsigned idx = ifname.size() < IF_NAMESIZE ? if_nametoindex(ifname.c_str()) : 0;
  if (idx == 0) return attach_error(-ENODEV, ifname);

  std::unique_ptr<SteerProgram> p(new SteerProgram());
  p->ifname_ = ifname;
  p->ifindex_ = static_cast<int>(idx);
  p->skel_ = xtcp_steer_bpf__open();
  if (!p->skel_) return make_error(-errno, "could not open the xtcp_steer BPF skeleton");
  if (int err = xtcp_steer_bpf__load(p->skel_); err) {
    if (err == -EPERM || err == -EACCES) return attach_error(err, ifname);
    return make_error(err, "the kernel refused to load the xtcp_steer XDP program; "
                           "rerun with XTCP_LIBBPF_DEBUG=1 for the verifier log");
  }
  // A bpf_link detaches by itself when its last fd closes (also on a crash).
  p->link_ = bpf_program__attach_xdp(p->skel_->progs.xtcp_steer, p->ifindex_);
  if (!p->link_) return attach_error(-errno, ifname);

  bpf_prog_info info{};
  uint32_t len = sizeof(info);
  if (bpf_obj_get_info_by_fd(bpf_program__fd(p->skel_->progs.xtcp_steer), &info, &len) == 0)
    p->prog_id_ = info.id;
  return p;
}

SteerProgram::~SteerProgram() {
  if (link_) bpf_link__destroy(link_);
  if (skel_) xtcp_steer_bpf__destroy(skel_);
}

int SteerProgram::listeners_fd() const { return bpf_map__fd(skel_->maps.listeners); }
int SteerProgram::flows_fd() const { return bpf_map__fd(skel_->maps.flows); }
int SteerProgram::xsks_fd() const { return bpf_map__fd(skel_->maps.xsks); }

Status SteerProgram::add_listener(const IpAddr& addr, uint16_t port, uint32_t owner_queue) {
  if (Status s = check_family(addr); !s) return s;
  const xtcp_listener_key k = make_listener_key(addr, port);
  const xtcp_listener_value v{owner_queue, 0};
  return map_status(bpf_map_update_elem(listeners_fd(), &k, &v, BPF_ANY),
                    "add the listener to the steering map (more than XTCP_MAX_LISTENERS?)");
}

Status SteerProgram::remove_listener(const IpAddr& addr, uint16_t port) {
  if (Status s = check_family(addr); !s) return s;
  const xtcp_listener_key k = make_listener_key(addr, port);
  return map_status(bpf_map_delete_elem(listeners_fd(), &k), "remove the listener (not present?)");
}

Status SteerProgram::add_flow(const FlowTuple& flow, uint32_t owner_queue) {
  if (Status s = check_flow(flow); !s) return s;
  const xtcp_flow_key k = make_flow_key(flow);
  const xtcp_flow_value v{owner_queue, 0};
  return map_status(bpf_map_update_elem(flows_fd(), &k, &v, BPF_ANY),
                    "add the flow to the steering map (more than XTCP_MAX_FLOWS?)");
}

Result<uint32_t> SteerProgram::flow_owner(const FlowTuple& flow) const {
  if (Status s = check_flow(flow); !s) return s.error();
  const xtcp_flow_key k = make_flow_key(flow);
  xtcp_flow_value v{};
  if (bpf_map_lookup_elem(flows_fd(), &k, &v) != 0) return Error{-errno, "flow not in the map"};
  return v.owner_queue;
}

Status SteerProgram::remove_flow(const FlowTuple& flow) {
  if (Status s = check_flow(flow); !s) return s;
  const xtcp_flow_key k = make_flow_key(flow);
  return map_status(bpf_map_delete_elem(flows_fd(), &k), "remove the flow (not present?)");
}

Status SteerProgram::register_socket(uint32_t queue, int xsk_fd) {
  if (queue >= XTCP_MAX_QUEUES)
    return Error{-EINVAL, "queue " + std::to_string(queue) + " is beyond XTCP_MAX_QUEUES; use fewer queues."};
  const uint32_t fd = static_cast<uint32_t>(xsk_fd);
  return map_status(bpf_map_update_elem(xsks_fd(), &queue, &fd, BPF_ANY),
                    "register the AF_XDP socket in the xsks map");
}

Status SteerProgram::unregister_socket(uint32_t queue) {
  return map_status(bpf_map_delete_elem(xsks_fd(), &queue), "unregister the AF_XDP socket");
}

Result<SteerStats> SteerProgram::stats() const {
  const int ncpu = libbpf_num_possible_cpus();
  if (ncpu <= 0) return make_error(ncpu, "could not count the possible CPUs");
  std::vector<uint64_t> per_cpu(static_cast<size_t>(ncpu));  // u64 slots: no padding
  SteerStats out{};
  const int fd = bpf_map__fd(skel_->maps.stats);
  for (uint32_t slot = 0; slot < XTCP_STAT_COUNT; ++slot) {
    if (bpf_map_lookup_elem(fd, &slot, per_cpu.data()) != 0)
      return make_error(-errno, "could not read the steering counters");
    for (uint64_t v : per_cpu) out[slot] += v;
  }
  return out;
}

}  // namespace xtcp::xsk
