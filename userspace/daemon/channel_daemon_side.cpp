#include "daemon/channel_daemon_side.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <utility>

#include "xtcp/channel_access.hpp"

namespace xtcp::daemon {
namespace {

using channel::load;
using channel::store;
using channel::valid_ring_size;

void fail(ChannelError* err, int code, std::string message) {
  if (err) *err = ChannelError{code, std::move(message)};
}

std::string errno_sentence(const char* what, int e) {
  return std::string(what) + " failed: " + std::strerror(e);
}

}  // namespace

const char* to_string(ChannelViolation v) {
  switch (v) {
    case ChannelViolation::kNone: return "none";
    case ChannelViolation::kTxProdBackwards: return "tx.prod went backwards";
    case ChannelViolation::kTxProdOverrun: return "tx.prod beyond the tx ring";
    case ChannelViolation::kRxConsBackwards: return "rx.cons went backwards";
    case ChannelViolation::kRxConsAhead: return "rx.cons beyond rx.prod";
  }
  return "unknown";
}

uint64_t encode_events(const ChannelEvents& ev) {
  uint64_t w = 0;
  if (ev.established) w |= XTCP_CHAN_EV_ESTABLISHED;
  if (ev.peer_fin) w |= XTCP_CHAN_EV_PEER_FIN;
  if (ev.closed) w |= XTCP_CHAN_EV_CLOSED;
  if (ev.error != 0) w |= XTCP_CHAN_EV_ERROR;
  w |= (uint64_t{ev.error} & XTCP_CHAN_EV_ERRNO_MASK) << XTCP_CHAN_EV_ERRNO_SHIFT;
  w |= (uint64_t(ev.state) & XTCP_CHAN_EV_STATE_MASK) << XTCP_CHAN_EV_STATE_SHIFT;
  return w;
}

std::optional<DaemonChannel> DaemonChannel::create(size_t rx_size, size_t tx_size,
                                                   ChannelError* err) {
  if (!valid_ring_size(rx_size) || !valid_ring_size(tx_size)) {
    fail(err, -EINVAL, "channel ring sizes must be powers of two between 4 KiB and 1 GiB");
    return std::nullopt;
  }
  DaemonChannel ch;
  ch.total_ = XTCP_CHAN_HEADER_SIZE + rx_size + tx_size;
  ch.fd_ = memfd_create("xtcp-channel", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (ch.fd_ < 0) {
    fail(err, -errno, errno_sentence("memfd_create for a connection channel", errno));
    return std::nullopt;
  }
  if (ftruncate(ch.fd_, static_cast<off_t>(ch.total_)) != 0) {
    fail(err, -errno, errno_sentence("sizing the channel memfd", errno));
    return std::nullopt;
  }
  // The app gets this fd: a shrink would SIGBUS the daemon's mapping, so
  // the size is sealed, and F_SEAL_SEAL stops the app from adding seals.
  if (fcntl(ch.fd_, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
    fail(err, -errno, errno_sentence("sealing the channel memfd", errno));
    return std::nullopt;
  }
  void* p = mmap(nullptr, ch.total_, PROT_READ | PROT_WRITE, MAP_SHARED, ch.fd_, 0);
  if (p == MAP_FAILED) {
    fail(err, -errno, errno_sentence("mapping the channel memfd", errno));
    return std::nullopt;
  }
  ch.hdr_ = static_cast<xtcp_chan_header*>(p);
  auto* base = static_cast<uint8_t*>(p);
  ch.rx_ = {base + XTCP_CHAN_HEADER_SIZE, rx_size};
  ch.tx_ = {base + XTCP_CHAN_HEADER_SIZE + rx_size, tx_size};

  // A fresh memfd reads as zeros: indices, flags and events start at 0.
  xtcp_chan_header& h = *ch.hdr_;
  h.magic = XTCP_CHAN_MAGIC;
  h.version = XTCP_CHAN_VERSION;
  h.cacheline_size = XTCP_CHAN_CACHELINE;
  h.header_size = XTCP_CHAN_HEADER_SIZE;
  h.rx_offset = XTCP_CHAN_HEADER_SIZE;
  h.rx_size = rx_size;
  h.tx_offset = XTCP_CHAN_HEADER_SIZE + rx_size;
  h.tx_size = tx_size;
  h.total_size = ch.total_;
  std::atomic_thread_fence(std::memory_order_release);
  return ch;
}

DaemonChannel::DaemonChannel(DaemonChannel&& other) noexcept { *this = std::move(other); }

DaemonChannel& DaemonChannel::operator=(DaemonChannel&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::exchange(other.fd_, -1);
    hdr_ = std::exchange(other.hdr_, nullptr);
    total_ = std::exchange(other.total_, 0);
    rx_ = std::exchange(other.rx_, {});
    tx_ = std::exchange(other.tx_, {});
    rx_prod_ = other.rx_prod_;
    rx_cons_seen_ = other.rx_cons_seen_;
    tx_prod_seen_ = other.tx_prod_seen_;
    tx_cons_ = other.tx_cons_;
    app_flags_seen_ = other.app_flags_seen_;
    arm_count_ = other.arm_count_;
    last_woken_ = other.last_woken_;
    violation_ = other.violation_;
  }
  return *this;
}

DaemonChannel::~DaemonChannel() { release(); }

void DaemonChannel::release() {
  if (hdr_) munmap(hdr_, total_);
  if (fd_ >= 0) close(fd_);
  hdr_ = nullptr;
  fd_ = -1;
}

ChannelViolation DaemonChannel::validate(uint64_t tx_prod, uint64_t rx_cons) const {
  // tx_prod >= tx_prod_seen_ >= tx_cons_ once the first check passes, so
  // the subtraction below cannot wrap.
  if (tx_prod < tx_prod_seen_) return ChannelViolation::kTxProdBackwards;
  if (tx_prod - tx_cons_ > tx_.size()) return ChannelViolation::kTxProdOverrun;
  if (rx_cons < rx_cons_seen_) return ChannelViolation::kRxConsBackwards;
  if (rx_cons > rx_prod_) return ChannelViolation::kRxConsAhead;
  return ChannelViolation::kNone;
}

AppIndices DaemonChannel::read_app_indices() {
  AppIndices out;
  if (violated()) {
    out.violation = violation_;
    return out;
  }
  // Flags first: a shutdown seen here implies its final tx.prod is seen.
  const uint32_t flags = load(hdr_->app_flags, std::memory_order_acquire);
  const uint64_t tx_prod = load(hdr_->tx.prod.value, std::memory_order_acquire);
  const uint64_t rx_cons = load(hdr_->rx.cons.value, std::memory_order_acquire);
  violation_ = validate(tx_prod, rx_cons);
  if (violated()) {
    out.violation = violation_;
    return out;
  }
  out.tx_new = tx_prod - tx_prod_seen_;
  out.rx_freed = rx_cons - rx_cons_seen_;
  out.app_flags = flags;
  tx_prod_seen_ = tx_prod;
  rx_cons_seen_ = rx_cons;
  app_flags_seen_ = flags;
  return out;
}

bool DaemonChannel::publish_rx(uint64_t prod) {
  if (prod < rx_prod_ || prod - rx_cons_seen_ > rx_.size()) return false;
  rx_prod_ = prod;
  store(hdr_->rx.prod.value, prod, std::memory_order_release);
  return true;
}

bool DaemonChannel::publish_tx_consumed(uint64_t cons) {
  if (cons < tx_cons_ || cons > tx_prod_seen_) return false;
  tx_cons_ = cons;
  store(hdr_->tx.cons.value, cons, std::memory_order_release);
  return true;
}

void DaemonChannel::publish_events(const ChannelEvents& ev) {
  store(hdr_->events, encode_events(ev), std::memory_order_release);
}

bool DaemonChannel::arm_kick() {
  // A new value per arm lets the app kick once per arm, not per message.
  ++arm_count_;
  store(hdr_->daemon_wants_kick, (arm_count_ << 1) | 1, std::memory_order_relaxed);
  // Pairs with the app's fence between its index store and its flag load.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  const bool moved =
      load(hdr_->tx.prod.value, std::memory_order_relaxed) != tx_prod_seen_ ||
      load(hdr_->rx.cons.value, std::memory_order_relaxed) != rx_cons_seen_ ||
      load(hdr_->app_flags, std::memory_order_relaxed) != app_flags_seen_;
  if (moved) disarm_kick();
  return moved;
}

void DaemonChannel::disarm_kick() {
  store(hdr_->daemon_wants_kick, uint64_t{0}, std::memory_order_relaxed);
  // An app publish that still saw the armed value (and did not kick again)
  // is visible to the pass that follows this fence.
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

bool DaemonChannel::should_wake_app() {
  // Pairs with the app's fence between announcing its sleep and re-checking.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  const uint64_t w = load(hdr_->app_wants_wake, std::memory_order_relaxed);
  if (w == 0 || w == last_woken_) return false;
  last_woken_ = w;  // one wake per announced sleep
  return true;
}

}  // namespace xtcp::daemon
