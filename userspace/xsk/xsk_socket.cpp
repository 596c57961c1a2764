#include "xsk/xsk_socket.h"

#include <net/if.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

namespace xtcp::xsk {

namespace {

Error bind_error(int err, const std::string& ifname, uint32_t queue, bool zero_copy) {
  const std::string where = ifname + " queue " + std::to_string(queue);
  switch (-err) {
    case EPERM:
    case EACCES:
      return make_error(err, "could not bind an AF_XDP socket to " + where +
                                 "; run as root or with CAP_NET_RAW and CAP_NET_ADMIN");
    case EOPNOTSUPP:
      if (zero_copy)
        return make_error(err, "the driver of " + ifname +
                                   " does not support zero-copy AF_XDP; use copy or auto mode");
      break;
    case EINVAL:
      return make_error(err, "could not bind an AF_XDP socket to " + where +
                                 "; check that the queue exists (ethtool -l " + ifname + ")");
    case EBUSY:
      return make_error(err, where + " already has an AF_XDP socket bound; stop its owner first");
    default: break;
  }
  return make_error(err, "could not bind an AF_XDP socket to " + where);
}

}  // namespace

Status XskSocket::bind(const XskConfig& cfg, bool zero_copy) {
  auto umem = Umem::create(cfg);
  if (!umem) return umem.error();
  umem_ = std::move(umem).value();

  xsk_socket_config scfg{};
  scfg.rx_size = cfg.rx_size;
  scfg.tx_size = cfg.tx_size;
  scfg.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD;  // SteerProgram loads ours
  scfg.xdp_flags = 0;
  scfg.bind_flags = XDP_USE_NEED_WAKEUP | (zero_copy ? XDP_ZEROCOPY : XDP_COPY);
  const int err = xsk_socket__create(&xsk_, ifname_.c_str(), queue_, umem_->handle(), &rx_, &tx_, &scfg);
  if (err) {
    xsk_ = nullptr;
    umem_.reset();  // a failed bind leaves the UMEM's rings unusable: start over
    return bind_error(err, ifname_, queue_, zero_copy);
  }
  fd_ = xsk_socket__fd(xsk_);
  zero_copy_ = zero_copy;
  return Status::success();
}

// A socket closed moments ago (a restarted daemon's predecessor) frees its
// queue from a kernel workqueue (xp_release_deferred), so the queue reads
// EBUSY for a few milliseconds. Retry briefly before calling it taken.
Status XskSocket::bind_retrying(const XskConfig& cfg, bool zero_copy) {
  constexpr int kTries = 50;  // 10 ms apart: at most half a second
  Status st;
  for (int i = 0; i < kTries; ++i) {
    st = bind(cfg, zero_copy);
    if (st || st.code() != -EBUSY) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return st;
}

Result<std::unique_ptr<XskSocket>> XskSocket::create(const std::string& ifname, uint32_t queue,
                                                     const XskConfig& cfg) {
  if (Status s = validate(cfg); !s) return s.error();
  if (ifname.empty() || ifname.size() >= IF_NAMESIZE || if_nametoindex(ifname.c_str()) == 0)
    return make_error(-ENODEV, "no interface named '" + ifname + "'; check the name with `ip link`");

  std::unique_ptr<XskSocket> s(new XskSocket());
  s->ifname_ = ifname;
  s->queue_ = queue;
  const std::string where = "xsk: " + ifname + " queue " + std::to_string(queue) + ": ";

  if (cfg.mode == BindMode::kCopy || cfg.mode == BindMode::kZeroCopy) {
    const bool zc = cfg.mode == BindMode::kZeroCopy;
    if (Status st = s->bind_retrying(cfg, zc); !st) return st.error();
    std::fprintf(stderr, "%s%s mode (forced)\n", where.c_str(), s->mode_name());
    return s;
  }
  Status zc = s->bind_retrying(cfg, true);
  if (zc) {
    std::fprintf(stderr, "%szero-copy mode\n", where.c_str());
    return s;
  }
  if (zc.code() == -EPERM || zc.code() == -EACCES || zc.code() == -ENOMEM) return zc.error();
  if (Status st = s->bind_retrying(cfg, false); !st) return st.error();
  const char* why = zc.code() == -EOPNOTSUPP ? "zero-copy not supported by the driver"
                                             : "zero-copy bind failed";
  std::fprintf(stderr, "%scopy mode (%s)\n", where.c_str(), why);
  return s;
}

XskSocket::~XskSocket() {
  if (xsk_) xsk_socket__delete(xsk_);  // before the UMEM it references
  umem_.reset();
}

uint32_t XskSocket::rx_burst(xdp_desc* out, uint32_t max) {
  uint32_t idx = 0;
  const uint32_t n = xsk_ring_cons__peek(&rx_, max, &idx);
  FramePool& pool = umem_->pool();
  for (uint32_t i = 0; i < n; ++i) {
    out[i] = *xsk_ring_cons__rx_desc(&rx_, idx + i);
    pool.on_rx(pool.frame_base(out[i].addr));
  }
  if (n) xsk_ring_cons__release(&rx_, n);
  return n;
}

// The kernel skips a TX descriptor it finds invalid (empty, crossing its
// chunk, option bits we did not bind for) and never completes it, so its
// frame would stay "in tx" for good; a frame that is not the app's (sent
// twice, still in the fill ring) would be sent while someone else owns it.
bool XskSocket::tx_desc_ok(const xdp_desc& d) const {
  const uint64_t offset = d.addr & (umem_->frame_size() - 1);
  return d.len > 0 && d.options == 0 && offset + d.len <= umem_->frame_size();
}

uint32_t XskSocket::tx_burst(const xdp_desc* descs, uint32_t n) {
  n = std::min(n, xsk_prod_nb_free(&tx_, n));  // it may report more than n
  FramePool& pool = umem_->pool();
  // Take ownership first and stop at the first frame that does not qualify:
  // it and everything after it stay with the app.
  uint32_t ok = 0;
  while (ok < n && tx_desc_ok(descs[ok]) && pool.on_tx_submit(pool.frame_base(descs[ok].addr))) ++ok;
  if (ok == 0) return 0;
  uint32_t idx = 0;
  if (xsk_ring_prod__reserve(&tx_, ok, &idx) != ok) {  // nb_free said there was room
    for (uint32_t i = 0; i < ok; ++i) pool.tx_undo(pool.frame_base(descs[i].addr));
    return 0;
  }
  for (uint32_t i = 0; i < ok; ++i) *xsk_ring_prod__tx_desc(&tx_, idx + i) = descs[i];
  xsk_ring_prod__submit(&tx_, ok);
  return ok;
}

Result<XskStats> XskSocket::stats() const {
  xdp_statistics st{};
  socklen_t len = sizeof(st);
  if (getsockopt(fd_, SOL_XDP, XDP_STATISTICS, &st, &len) != 0)
    return make_error(errno, "could not read AF_XDP statistics of " + ifname_);
  XskStats out;
  out.rx_dropped = st.rx_dropped;
  out.rx_invalid_descs = st.rx_invalid_descs;
  out.tx_invalid_descs = st.tx_invalid_descs;
  // The last three fields exist since Linux 5.9; older kernels return less.
  if (len >= sizeof(st)) {
    out.rx_ring_full = st.rx_ring_full;
    out.rx_fill_ring_empty_descs = st.rx_fill_ring_empty_descs;
    out.tx_ring_empty_descs = st.tx_ring_empty_descs;
  }
  return out;
}

}  // namespace xtcp::xsk
