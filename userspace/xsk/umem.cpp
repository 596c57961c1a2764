#include "xsk/umem.h"

#include <sys/mman.h>

#include <algorithm>

namespace xtcp::xsk {

Result<std::unique_ptr<Umem>> Umem::create(const XskConfig& cfg) {
  if (Status s = validate(cfg); !s) return s.error();
  auto pool = FramePool::create(cfg.frame_count, cfg.frame_size);
  if (!pool) return pool.error();
  std::unique_ptr<Umem> u(new Umem(cfg, std::move(pool).value()));

  u->size_ = uint64_t(cfg.frame_count) * cfg.frame_size;
  void* area = mmap(nullptr, u->size_, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (area == MAP_FAILED)
    return make_error(errno, "could not map " + std::to_string(u->size_) +
                                 " bytes of UMEM; lower frame_count or raise the memory limit");
  u->area_ = area;

  xsk_umem_config ucfg{};
  ucfg.fill_size = cfg.fill_size;
  ucfg.comp_size = cfg.comp_size;
  ucfg.frame_size = cfg.frame_size;
  ucfg.frame_headroom = cfg.frame_headroom;
  ucfg.flags = 0;
  const int err = xsk_umem__create(&u->umem_, area, u->size_, &u->fill_, &u->comp_, &ucfg);
  if (err) {
    u->umem_ = nullptr;
    const bool perm = err == -EPERM || err == -EACCES;
    // ENOBUFS: the pages would exceed RLIMIT_MEMLOCK (xdp_umem_account_pages).
    if (err == -ENOBUFS)
      return make_error(err, "could not pin " + std::to_string(u->size_ >> 20) +
                                 " MiB of UMEM: above RLIMIT_MEMLOCK; grant CAP_IPC_LOCK, raise "
                                 "the limit (ulimit -l) or use fewer frames");
    return make_error(err, perm ? "could not register the UMEM; run as root or with CAP_NET_RAW"
                                : "could not register the UMEM with the kernel");
  }
  return u;
}

Umem::~Umem() {
  if (umem_) xsk_umem__delete(umem_);
  if (area_) munmap(area_, size_);
}

uint32_t Umem::refill(uint32_t max) {
  // xsk_prod_nb_free may report more free slots than asked for.
  uint32_t n = std::min(max, pool_.free());
  n = std::min(n, xsk_prod_nb_free(&fill_, n));
  if (n == 0) return 0;
  uint32_t idx = 0;
  if (xsk_ring_prod__reserve(&fill_, n, &idx) != n) return 0;
  for (uint32_t i = 0; i < n; ++i) *xsk_ring_prod__fill_addr(&fill_, idx + i) = pool_.alloc_for_fill();
  xsk_ring_prod__submit(&fill_, n);
  return n;
}

bool Umem::recycle(uint64_t addr) {
  uint32_t idx = 0;
  if (pool_.place(addr) != FramePool::Place::kApp) return false;
  if (xsk_ring_prod__reserve(&fill_, 1, &idx) != 1) return false;
  const uint64_t base = pool_.frame_base(addr);
  pool_.recycle_to_fill(base);
  *xsk_ring_prod__fill_addr(&fill_, idx) = base;
  xsk_ring_prod__submit(&fill_, 1);
  return true;
}

uint32_t Umem::recycle_burst(const xdp_desc* descs, uint32_t n) {
  n = std::min(n, xsk_prod_nb_free(&fill_, n));  // it may report more than n
  uint32_t ok = 0;
  while (ok < n && pool_.recycle_to_fill(pool_.frame_base(descs[ok].addr))) ++ok;
  if (ok == 0) return 0;
  uint32_t idx = 0;
  if (xsk_ring_prod__reserve(&fill_, ok, &idx) != ok) {  // nb_free said there was room
    for (uint32_t i = 0; i < ok; ++i) pool_.on_rx(pool_.frame_base(descs[i].addr));
    return 0;
  }
  for (uint32_t i = 0; i < ok; ++i)
    *xsk_ring_prod__fill_addr(&fill_, idx + i) = pool_.frame_base(descs[i].addr);
  xsk_ring_prod__submit(&fill_, ok);
  return ok;
}

uint32_t Umem::reap_completions(uint32_t max) {
  uint32_t idx = 0;
  const uint32_t n = xsk_ring_cons__peek(&comp_, max, &idx);
  for (uint32_t i = 0; i < n; ++i)
    pool_.on_completion(pool_.frame_base(*xsk_ring_cons__comp_addr(&comp_, idx + i)));
  if (n) xsk_ring_cons__release(&comp_, n);
  return n;
}

}  // namespace xtcp::xsk
