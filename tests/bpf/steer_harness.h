// steer_harness.h: what the XDP table tests need around the program: a
// private network namespace with a veth pair, a real AF_XDP socket for the
// xsks map, the loaded skeleton, BPF_PROG_TEST_RUN and the per-CPU stats.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "frame_builder.h"
#include "xtcp/steer_abi.h"

struct xtcp_steer_bpf;
struct xsk_socket;
struct xsk_umem;

namespace xtcp::bpftest {

// Namespace `name` with veth `<name>a` <-> `<name>b` (2 queues each), entered
// by this (single-threaded) process until destruction. A leftover namespace
// of the same name, or of the same prefix whose pid is gone, is removed first.
class NetnsSandbox {
 public:
  NetnsSandbox(const std::string& prefix, int pid);
  ~NetnsSandbox();
  NetnsSandbox(const NetnsSandbox&) = delete;
  NetnsSandbox& operator=(const NetnsSandbox&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& veth() const { return veth_; }
  int ifindex() const { return ifindex_; }

 private:
  void remove_stale(const std::string& prefix) const;
  bool create();
  bool enter();

  std::string name_;
  std::string veth_;
  std::string error_;
  int home_fd_ = -1;
  int ifindex_ = 0;
};

// An AF_XDP socket in copy mode on (ifname, queue), bound without loading
// libxdp's default program (we bring our own).
class XskSocket {
 public:
  XskSocket(const std::string& ifname, std::uint32_t queue);
  ~XskSocket();
  XskSocket(const XskSocket&) = delete;
  XskSocket& operator=(const XskSocket&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  int fd() const;

 private:
  void* area_ = nullptr;
  std::size_t area_len_ = 0;
  xsk_umem* umem_ = nullptr;
  xsk_socket* xsk_ = nullptr;
  std::string error_;
};

struct SkelDeleter {
  void operator()(xtcp_steer_bpf* skel) const;
};
using SteerSkel = std::unique_ptr<xtcp_steer_bpf, SkelDeleter>;

// Opens and loads the embedded object (the verifier runs here).
SteerSkel load_steer();

using Stats = std::array<std::uint64_t, XTCP_STAT_COUNT>;
Stats read_stats(const xtcp_steer_bpf& skel);  // summed over possible CPUs
Stats delta(const Stats& after, const Stats& before);

int xsks_set(const xtcp_steer_bpf& skel, std::uint32_t queue, int xsk_fd);
int xsks_clear(const xtcp_steer_bpf& skel, std::uint32_t queue);
int add_listener(const xtcp_steer_bpf& skel, std::uint8_t family,
                 const std::uint8_t* addr, std::size_t addr_len, std::uint16_t port);
int add_flow(const xtcp_steer_bpf& skel, std::uint8_t family, const std::uint8_t* local,
             std::uint16_t local_port, const std::uint8_t* remote, std::uint16_t remote_port,
             std::size_t addr_len);

struct RunResult {
  int err = 0;               // 0, or -errno from BPF_PROG_TEST_RUN
  std::uint32_t retval = 0;  // the XDP action
  Bytes out;                 // the frame after the program
};

// One BPF_PROG_TEST_RUN as if the frame arrived on (ifindex, queue).
RunResult run_xdp(const xtcp_steer_bpf& skel, const Bytes& frame, int ifindex,
                  std::uint32_t queue);

}  // namespace xtcp::bpftest
