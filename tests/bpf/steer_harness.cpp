// steer_harness.cpp: namespace sandbox, AF_XDP socket, skeleton and test-run
// helpers for test_bpf_steer.
#include "steer_harness.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xdp/xsk.h>
#include <xtcp_steer.skel.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace xtcp::bpftest {
namespace {

int sh(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); }

std::string errno_text(const char* what, int err) {
  return std::string(what) + ": " + std::strerror(err < 0 ? -err : err);
}

}  // namespace

NetnsSandbox::NetnsSandbox(const std::string& prefix, int pid)
    : name_(prefix + std::to_string(pid)), veth_(name_ + "a") {
  remove_stale(prefix);
  if (create()) enter();
}

NetnsSandbox::~NetnsSandbox() {
  if (home_fd_ >= 0) {
    ::setns(home_fd_, CLONE_NEWNET);
    ::close(home_fd_);
  }
  sh("ip netns del " + name_);
}

// Leftovers of a crashed run: our own name, or the prefix with a dead pid.
void NetnsSandbox::remove_stale(const std::string& prefix) const {
  sh("ip netns del " + name_);
  DIR* dir = ::opendir("/run/netns");
  if (!dir) return;
  std::vector<std::string> stale;
  while (dirent* e = ::readdir(dir)) {
    const std::string n = e->d_name;
    if (n.rfind(prefix, 0) != 0) continue;
    const int other = std::atoi(n.c_str() + prefix.size());
    if (other > 0 && ::kill(other, 0) != 0 && errno == ESRCH) stale.push_back(n);
  }
  ::closedir(dir);
  for (const auto& n : stale) sh("ip netns del " + n);
}

bool NetnsSandbox::create() {
  const std::string peer = name_ + "b";
  const std::string in = "ip -n " + name_ + " link ";
  if (sh("ip netns add " + name_) != 0) {
    error_ = "ip netns add " + name_ + " failed (need root and iproute2)";
    return false;
  }
  // Two queues per end, so a queue without an AF_XDP socket can be tested.
  if (sh(in + "add " + veth_ + " numtxqueues 2 numrxqueues 2 type veth peer name " + peer +
         " numtxqueues 2 numrxqueues 2") != 0 ||
      sh(in + "set " + veth_ + " up") != 0 || sh(in + "set " + peer + " up") != 0) {
    error_ = "creating veth " + veth_ + " in " + name_ + " failed";
    return false;
  }
  return true;
}

bool NetnsSandbox::enter() {
  home_fd_ = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  const int ns_fd = ::open(("/run/netns/" + name_).c_str(), O_RDONLY | O_CLOEXEC);
  if (home_fd_ < 0 || ns_fd < 0 || ::setns(ns_fd, CLONE_NEWNET) != 0) {
    error_ = errno_text("entering the test namespace", errno);
    if (ns_fd >= 0) ::close(ns_fd);
    return false;
  }
  ::close(ns_fd);
  ifindex_ = static_cast<int>(::if_nametoindex(veth_.c_str()));
  if (ifindex_ == 0) error_ = "veth " + veth_ + " not found inside " + name_;
  return ifindex_ != 0;
}

XskSocket::XskSocket(const std::string& ifname, std::uint32_t queue) {
  constexpr std::uint32_t kFrames = 64;
  area_len_ = kFrames * XSK_UMEM__DEFAULT_FRAME_SIZE;
  area_ = ::mmap(nullptr, area_len_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (area_ == MAP_FAILED) {
    area_ = nullptr;
    error_ = errno_text("mmap of the UMEM area", errno);
    return;
  }
  xsk_ring_prod fill{};
  xsk_ring_cons comp{};
  int err = xsk_umem__create(&umem_, area_, area_len_, &fill, &comp, nullptr);
  if (err) {
    umem_ = nullptr;
    error_ = errno_text("xsk_umem__create", err);
    return;
  }
  xsk_ring_cons rx{};
  xsk_ring_prod tx{};
  xsk_socket_config cfg{};
  cfg.rx_size = XSK_RING_CONS__DEFAULT_NUM_DESCS;
  cfg.tx_size = XSK_RING_PROD__DEFAULT_NUM_DESCS;
  cfg.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD;
  cfg.bind_flags = XDP_COPY;  // veth has no zero-copy (DESIGN.md)
  err = xsk_socket__create(&xsk_, ifname.c_str(), queue, umem_, &rx, &tx, &cfg);
  if (err) {
    xsk_ = nullptr;
    error_ = errno_text("xsk_socket__create", err);
  }
}

XskSocket::~XskSocket() {
  if (xsk_) xsk_socket__delete(xsk_);
  if (umem_) xsk_umem__delete(umem_);
  if (area_) ::munmap(area_, area_len_);
}

int XskSocket::fd() const { return xsk_ ? xsk_socket__fd(xsk_) : -1; }

void SkelDeleter::operator()(xtcp_steer_bpf* skel) const { xtcp_steer_bpf__destroy(skel); }

SteerSkel load_steer() { return SteerSkel(xtcp_steer_bpf__open_and_load()); }

Stats read_stats(const xtcp_steer_bpf& skel) {
  Stats total{};
  const int ncpu = libbpf_num_possible_cpus();
  if (ncpu <= 0) return total;
  std::vector<std::uint64_t> per_cpu(static_cast<std::size_t>(ncpu));
  for (std::uint32_t slot = 0; slot < XTCP_STAT_COUNT; ++slot) {
    if (bpf_map__lookup_elem(skel.maps.stats, &slot, sizeof(slot), per_cpu.data(),
                             per_cpu.size() * sizeof(std::uint64_t), 0) != 0)
      continue;
    for (std::uint64_t v : per_cpu) total[slot] += v;
  }
  return total;
}

Stats delta(const Stats& after, const Stats& before) {
  Stats d{};
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = after[i] - before[i];
  return d;
}

int xsks_set(const xtcp_steer_bpf& skel, std::uint32_t queue, int xsk_fd) {
  const std::uint32_t fd = static_cast<std::uint32_t>(xsk_fd);
  return bpf_map__update_elem(skel.maps.xsks, &queue, sizeof(queue), &fd, sizeof(fd), BPF_ANY);
}

int xsks_clear(const xtcp_steer_bpf& skel, std::uint32_t queue) {
  return bpf_map__delete_elem(skel.maps.xsks, &queue, sizeof(queue), 0);
}

int add_listener(const xtcp_steer_bpf& skel, std::uint8_t family, const std::uint8_t* addr,
                 std::size_t addr_len, std::uint16_t port) {
  xtcp_listener_key key{};
  key.family = family;
  key.port = htons(port);
  std::memcpy(key.addr, addr, addr_len);
  const xtcp_listener_value value{};
  return bpf_map__update_elem(skel.maps.listeners, &key, sizeof(key), &value, sizeof(value),
                              BPF_ANY);
}

int add_flow(const xtcp_steer_bpf& skel, std::uint8_t family, const std::uint8_t* local,
             std::uint16_t local_port, const std::uint8_t* remote, std::uint16_t remote_port,
             std::size_t addr_len) {
  xtcp_flow_key key{};
  key.family = family;
  key.local_port = htons(local_port);
  key.remote_port = htons(remote_port);
  std::memcpy(key.local_addr, local, addr_len);
  std::memcpy(key.remote_addr, remote, addr_len);
  const xtcp_flow_value value{};
  return bpf_map__update_elem(skel.maps.flows, &key, sizeof(key), &value, sizeof(value), BPF_ANY);
}

// The kernel wants data = 0 and data_end = frame length in the context;
// ingress_ifindex/rx_queue_index select a registered rx queue of a device in
// the caller's namespace (rx_queue_index must be below its queue count).
RunResult run_xdp(const xtcp_steer_bpf& skel, const Bytes& frame, int ifindex,
                  std::uint32_t queue) {
  RunResult r;
  r.out.resize(frame.size() + 256);
  xdp_md ctx{};
  ctx.data_end = static_cast<std::uint32_t>(frame.size());
  ctx.ingress_ifindex = static_cast<std::uint32_t>(ifindex);
  ctx.rx_queue_index = queue;
  LIBBPF_OPTS(bpf_test_run_opts, opts);
  opts.data_in = frame.data();
  opts.data_size_in = static_cast<std::uint32_t>(frame.size());
  opts.data_out = r.out.data();
  opts.data_size_out = static_cast<std::uint32_t>(r.out.size());
  opts.ctx_in = &ctx;
  opts.ctx_size_in = sizeof(ctx);
  opts.repeat = 1;
  r.err = bpf_prog_test_run_opts(bpf_program__fd(skel.progs.xtcp_steer), &opts);
  r.retval = opts.retval;
  r.out.resize(r.err == 0 ? opts.data_size_out : 0);
  return r;
}

}  // namespace xtcp::bpftest
