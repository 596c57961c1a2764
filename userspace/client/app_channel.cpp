#include "client/app_channel.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <utility>

#include "xtcp/channel_access.hpp"

namespace xtcp::client {
namespace {

using channel::load;
using channel::store;
using channel::valid_ring_size;

// Checks a private copy of the header page against the ABI and the file.
ChannelOpenError check_header(const xtcp_chan_header& h, uint64_t file_size) {
  if (h.magic != XTCP_CHAN_MAGIC) return ChannelOpenError::kBadMagic;
  if (h.version != XTCP_CHAN_VERSION) return ChannelOpenError::kBadVersion;
  if (h.header_size != XTCP_CHAN_HEADER_SIZE || h.cacheline_size != XTCP_CHAN_CACHELINE)
    return ChannelOpenError::kBadLayout;
  if (!valid_ring_size(h.rx_size) || !valid_ring_size(h.tx_size))
    return ChannelOpenError::kBadRingSize;
  if (h.rx_offset != XTCP_CHAN_HEADER_SIZE || h.tx_offset != h.rx_offset + h.rx_size)
    return ChannelOpenError::kBadOffsets;
  if (h.total_size != h.tx_offset + h.tx_size || h.total_size != file_size)
    return ChannelOpenError::kSizeMismatch;
  return ChannelOpenError::kNone;
}

template <class Byte>
RingSpans<Byte> spans_at(std::span<Byte> ring, uint64_t pos, size_t len) {
  const size_t off = static_cast<size_t>(pos & (ring.size() - 1));
  const size_t first = std::min(len, ring.size() - off);
  return {ring.subspan(off, first), ring.subspan(0, len - first)};
}

std::nullopt_t refuse(ChannelOpenError* err, ChannelOpenError why) {
  if (err) *err = why;
  return std::nullopt;
}

}  // namespace

const char* describe(ChannelOpenError e) {
  switch (e) {
    case ChannelOpenError::kNone: return "channel opened";
    case ChannelOpenError::kStat: return "the channel fd cannot be examined (fstat failed); pass the memfd received from xtcpd";
    case ChannelOpenError::kTooSmall: return "the channel fd is smaller than the channel header page; pass the memfd received from xtcpd";
    case ChannelOpenError::kRead: return "the channel header could not be read from the fd; pass the memfd received from xtcpd";
    case ChannelOpenError::kBadMagic: return "the channel header has the wrong magic: this fd is not an xtcp channel";
    case ChannelOpenError::kBadVersion: return "the channel header has another ABI version: use a libxtcp built for this xtcpd";
    case ChannelOpenError::kBadLayout: return "the channel header size or cache-line size differs from this libxtcp's ABI: rebuild against the daemon's channel_abi.h";
    case ChannelOpenError::kBadRingSize: return "a channel ring size is not a power of two between 4 KiB and 1 GiB: the channel header is corrupt";
    case ChannelOpenError::kBadOffsets: return "the channel ring offsets are not where the ABI puts them: the channel header is corrupt";
    case ChannelOpenError::kSizeMismatch: return "the channel header's total size does not match the memfd's size: the channel header is corrupt";
    case ChannelOpenError::kMap: return "mapping the channel memfd failed (mmap); check RLIMIT_AS and memory limits";
  }
  return "unknown channel error";
}

AppEvents decode_events(uint64_t w) {
  AppEvents ev;
  ev.established = (w & XTCP_CHAN_EV_ESTABLISHED) != 0;
  ev.peer_fin = (w & XTCP_CHAN_EV_PEER_FIN) != 0;
  ev.error = (w & XTCP_CHAN_EV_ERROR) != 0;
  ev.closed = (w & XTCP_CHAN_EV_CLOSED) != 0;
  ev.error_code = static_cast<int>(xtcp_chan_events_errno(w));
  ev.state = static_cast<xtcp_chan_state>(xtcp_chan_events_state(w));
  return ev;
}

std::optional<AppChannel> AppChannel::open(int fd, ChannelOpenError* err) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return refuse(err, ChannelOpenError::kStat);
  if (st.st_size < static_cast<off_t>(XTCP_CHAN_HEADER_SIZE))
    return refuse(err, ChannelOpenError::kTooSmall);
  // Validate a private copy: nothing is mapped until the layout checks out.
  xtcp_chan_header h;
  if (pread(fd, &h, sizeof h, 0) != static_cast<ssize_t>(sizeof h))
    return refuse(err, ChannelOpenError::kRead);
  const ChannelOpenError why = check_header(h, static_cast<uint64_t>(st.st_size));
  if (why != ChannelOpenError::kNone) return refuse(err, why);

  void* p = mmap(nullptr, h.total_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return refuse(err, ChannelOpenError::kMap);
  AppChannel ch;
  ch.hdr_ = static_cast<xtcp_chan_header*>(p);
  ch.total_ = h.total_size;
  auto* base = static_cast<uint8_t*>(p);
  // Sizes and offsets come from the validated copy, never re-read.
  ch.rx_ = {base + h.rx_offset, static_cast<size_t>(h.rx_size)};
  ch.tx_ = {base + h.tx_offset, static_cast<size_t>(h.tx_size)};
  ch.rx_cons_ = load(ch.hdr_->rx.cons.value, std::memory_order_acquire);
  ch.tx_prod_ = load(ch.hdr_->tx.prod.value, std::memory_order_acquire);
  ch.flags_ = load(ch.hdr_->app_flags, std::memory_order_acquire);
  if (err) *err = ChannelOpenError::kNone;
  return ch;
}

AppChannel::AppChannel(AppChannel&& other) noexcept { *this = std::move(other); }

AppChannel& AppChannel::operator=(AppChannel&& other) noexcept {
  if (this != &other) {
    release();
    hdr_ = std::exchange(other.hdr_, nullptr);
    total_ = std::exchange(other.total_, 0);
    rx_ = std::exchange(other.rx_, {});
    tx_ = std::exchange(other.tx_, {});
    rx_cons_ = other.rx_cons_;
    tx_prod_ = other.tx_prod_;
    flags_ = other.flags_;
    events_seen_ = other.events_seen_;
    last_kicked_ = other.last_kicked_;
    sleep_count_ = other.sleep_count_;
  }
  return *this;
}

AppChannel::~AppChannel() { release(); }

void AppChannel::release() {
  if (hdr_) munmap(hdr_, total_);
  hdr_ = nullptr;
}

size_t AppChannel::tx_free() {
  const uint64_t cons = load(hdr_->tx.cons.value, std::memory_order_acquire);
  // A daemon index outside [tx_prod - size, tx_prod] is corrupt: no space.
  if (cons > tx_prod_ || tx_prod_ - cons > tx_.size()) return 0;
  return tx_.size() - static_cast<size_t>(tx_prod_ - cons);
}

RingSpans<uint8_t> AppChannel::writable() { return spans_at(tx_, tx_prod_, tx_free()); }

void AppChannel::commit(size_t n) {
  tx_prod_ += std::min(n, tx_free());
  store(hdr_->tx.prod.value, tx_prod_, std::memory_order_release);
}

size_t AppChannel::write(std::span<const uint8_t> data) {
  const size_t n = std::min(data.size(), tx_free());
  const RingSpans<uint8_t> w = spans_at(tx_, tx_prod_, n);
  std::memcpy(w.first.data(), data.data(), w.first.size());
  std::memcpy(w.second.data(), data.data() + w.first.size(), w.second.size());
  tx_prod_ += n;
  store(hdr_->tx.prod.value, tx_prod_, std::memory_order_release);
  return n;
}

size_t AppChannel::rx_available() {
  const uint64_t prod = load(hdr_->rx.prod.value, std::memory_order_acquire);
  // Same clamp as tx_free(): a corrupt rx.prod reads as an empty ring.
  if (prod < rx_cons_ || prod - rx_cons_ > rx_.size()) return 0;
  return static_cast<size_t>(prod - rx_cons_);
}

uint64_t AppChannel::rx_delivered() const { return load(hdr_->rx.prod.value, std::memory_order_acquire); }
uint64_t AppChannel::peek_events() const { return load(hdr_->events, std::memory_order_acquire); }

RingSpans<const uint8_t> AppChannel::readable() {
  return spans_at(std::span<const uint8_t>(rx_), rx_cons_, rx_available());
}

void AppChannel::consume(size_t n) {
  rx_cons_ += std::min(n, rx_available());
  store(hdr_->rx.cons.value, rx_cons_, std::memory_order_release);
}

size_t AppChannel::read(std::span<uint8_t> out) {
  const size_t n = std::min(out.size(), rx_available());
  const RingSpans<const uint8_t> r = spans_at(std::span<const uint8_t>(rx_), rx_cons_, n);
  std::memcpy(out.data(), r.first.data(), r.first.size());
  std::memcpy(out.data() + r.first.size(), r.second.data(), r.second.size());
  rx_cons_ += n;
  store(hdr_->rx.cons.value, rx_cons_, std::memory_order_release);
  return n;
}

uint64_t AppChannel::events() {
  events_seen_ = load(hdr_->events, std::memory_order_acquire);
  return events_seen_;
}

void AppChannel::request_shutdown_write() {
  flags_ |= XTCP_CHAN_APP_SHUTDOWN_WR;
  store(hdr_->app_flags, flags_, std::memory_order_release);
}

void AppChannel::set_nodelay(bool on) {
  flags_ = on ? (flags_ | XTCP_CHAN_APP_NODELAY) : (flags_ & ~uint32_t{XTCP_CHAN_APP_NODELAY});
  store(hdr_->app_flags, flags_, std::memory_order_release);
}

void AppChannel::request_close() {
  flags_ |= XTCP_CHAN_APP_CLOSE;
  store(hdr_->app_flags, flags_, std::memory_order_release);
}

bool AppChannel::needs_kick() {
  // Pairs with the daemon's fence in arm_kick(): either it sees our index
  // or we see its flag.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  const uint64_t w = load(hdr_->daemon_wants_kick, std::memory_order_relaxed);
  if (w == 0 || w == last_kicked_) return false;
  last_kicked_ = w;  // one kick per arm: the daemon's next pass sees the rest
  return true;
}

bool AppChannel::ready(unsigned what) {
  const uint64_t ev = load(hdr_->events, std::memory_order_acquire);
  const bool ended = (ev & (XTCP_CHAN_EV_ERROR | XTCP_CHAN_EV_CLOSED)) != 0;
  if ((what & kReadable) && (rx_available() > 0 || ended || (ev & XTCP_CHAN_EV_PEER_FIN)))
    return true;
  if ((what & kWritable) && (tx_free() > 0 || ended)) return true;
  return (what & kEvents) && ev != events_seen_;
}

bool AppChannel::prepare_sleep(unsigned what) {
  ++sleep_count_;
  store(hdr_->app_wants_wake, (sleep_count_ << 1) | 1, std::memory_order_relaxed);
  // Pairs with the daemon's fence in should_wake_app().
  std::atomic_thread_fence(std::memory_order_seq_cst);
  return !ready(what);
}

void AppChannel::finish_sleep() {
  store(hdr_->app_wants_wake, uint64_t{0}, std::memory_order_relaxed);
  // A daemon publish that still saw the sleep value (and did not wake us
  // again) is visible to the checks that follow this fence.
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

}  // namespace xtcp::client
