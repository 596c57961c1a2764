#include "daemon/channel_memory.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace xtcp::daemon {

namespace {
// token = generation << 32 | slab index: a stale token never reaches a
// reused entry (epoll may still report a kick of a released channel).
uint64_t make_token(uint32_t index, uint32_t generation) {
  return (uint64_t{generation} << 32) | index;
}
}  // namespace

bool MemoryBudget::take(uint64_t n) {
  uint64_t cur = used.load(std::memory_order_relaxed);
  do {
    if (cur + n > max_bytes) return false;
  } while (!used.compare_exchange_weak(cur, cur + n, std::memory_order_relaxed));
  return true;
}

ChannelMemory::ChannelMemory(uint32_t shard, uint32_t rx_size, uint32_t tx_size,
                             MemoryBudget& budget)
    : shard_(shard), rx_size_(rx_size), tx_size_(tx_size), budget_(budget),
      epoll_fd_(epoll_create1(EPOLL_CLOEXEC)) {}

ChannelMemory::~ChannelMemory() {
  for (Entry& e : slab_)
    if (e.conn) budget_.give(bytes_per_channel());
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

uint64_t ChannelMemory::bytes_per_channel() const {
  return uint64_t{rx_size_} + tx_size_ + XTCP_CHAN_HEADER_SIZE;
}

std::optional<stack::MemoryLease> ChannelMemory::acquire(const tcp::FourTuple& tuple) {
  if (!budget_.take(bytes_per_channel())) {
    ++refused_;  // the daemon-wide budget: counted (queueN.channels_refused)
    return std::nullopt;
  }
  auto fail = [&](const std::string& why) {
    budget_.give(bytes_per_channel());
    // One line for the first refusal and then every 1000th: the operator
    // learns why (descriptor or memory limits) without a flood.
    if (refused_++ % 1000 == 0)
      std::fprintf(stderr, "xtcpd: queue %u: connection refused: %s (%lu refused so far)\n",
                   shard_, why.c_str(), static_cast<unsigned long>(refused_));
    return std::nullopt;
  };
  std::optional<Spare> fresh;
  if (!spares_.empty()) {
    fresh.emplace(std::move(spares_.back()));
    spares_.pop_back();
  } else {
    std::string why;
    fresh = make_spare(&why);
    if (!fresh) return fail(why);
  }
  uint32_t index;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    index = static_cast<uint32_t>(slab_.size());
    slab_.emplace_back();
  }
  Entry& e = slab_[index];
  const uint64_t token = make_token(index, e.generation);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = token;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fresh->kick.fd(), &ev) < 0) {
    const int saved = errno;
    free_.push_back(index);
    return fail(std::string("epoll_ctl: ") + std::strerror(saved));
  }
  e.conn = std::make_shared<DaemonConn>(std::move(fresh->ch), std::move(fresh->kick),
                                        std::move(fresh->notify), tuple, shard_);
  ++live_;
  return stack::MemoryLease{{e.conn->ch.rx_ring(), e.conn->ch.tx_ring()}, token};
}

std::optional<ChannelMemory::Spare> ChannelMemory::make_spare(std::string* why) const {
  ChannelError err;
  auto ch = DaemonChannel::create(rx_size_, tx_size_, &err);
  if (!ch) {
    *why = err.message;
    return std::nullopt;
  }
  stack::EventFd kick, notify;
  int rc = stack::EventFd::create(kick);
  if (rc == 0) rc = stack::EventFd::create(notify);
  if (rc < 0) {
    *why = std::strerror(-rc);
    return std::nullopt;
  }
  return Spare{std::move(*ch), std::move(kick), std::move(notify)};
}

// Spares take descriptors but no budget: their ring pages are not touched
// until a connection uses them. A failure (descriptor limit) is silent
// here; acquire reports it when a connection actually needs the channel.
bool ChannelMemory::top_up_spares() {
  if (spares_.size() >= kSpares || spares_failed_) return false;
  std::string why;
  std::optional<Spare> s = make_spare(&why);
  if (!s) {
    spares_failed_ = true;  // no retry every pass; a release clears it
    return false;
  }
  spares_.push_back(std::move(*s));
  return true;
}

void ChannelMemory::release(uint64_t token) {
  const uint32_t index = static_cast<uint32_t>(token);
  if (index >= slab_.size()) return;
  Entry& e = slab_[index];
  if (!e.conn || e.generation != static_cast<uint32_t>(token >> 32)) return;
  (void)epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, e.conn->kick.fd(), nullptr);
  e.conn.reset();  // the control thread may still hold it (descriptors)
  ++e.generation;
  free_.push_back(index);
  --live_;
  spares_failed_ = false;
  budget_.give(bytes_per_channel());
}

const std::shared_ptr<DaemonConn>* ChannelMemory::get(uint64_t token) const {
  const uint32_t index = static_cast<uint32_t>(token);
  if (index >= slab_.size()) return nullptr;
  const Entry& e = slab_[index];
  if (!e.conn || e.generation != static_cast<uint32_t>(token >> 32)) return nullptr;
  return &e.conn;
}

}  // namespace xtcp::daemon
