#include "daemon/shard_unit.h"

#include <cstdio>
#include <ctime>
#include <future>

#include "daemon/sandbox.h"

namespace xtcp::daemon {

namespace {
// How stale `xtcpctl stats` may be while a shard is busy.
constexpr tcp::Duration kStatsPeriod = tcp::Duration::millis(20);

// Each queue draws from its own sequence: seed + queue index.
std::unique_ptr<stack::FaultPacketIo> make_fault_io(stack::PacketIo& io, const UnitConfig& cfg) {
  if (!cfg.fault.any()) return nullptr;
  stack::FaultConfig fc = cfg.fault;
  fc.seed += cfg.index;
  std::fprintf(stderr, "xtcpd: queue%u: fault injection on (--fault), seed %llu\n", cfg.index,
               static_cast<unsigned long long>(fc.seed));
  return std::make_unique<stack::FaultPacketIo>(io, fc, steady_now);
}

void print_fault_stats(uint32_t queue, const stack::FaultStats& f) {
  std::fprintf(stderr,
               "xtcpd: queue%u faults: rx_dropped=%llu rx_duplicated=%llu rx_reordered=%llu "
               "rx_corrupted=%llu rx_delayed=%llu tx_dropped=%llu tx_duplicated=%llu "
               "tx_corrupted=%llu\n",
               queue, static_cast<unsigned long long>(f.rx_dropped),
               static_cast<unsigned long long>(f.rx_duplicated),
               static_cast<unsigned long long>(f.rx_reordered),
               static_cast<unsigned long long>(f.rx_corrupted),
               static_cast<unsigned long long>(f.rx_delayed),
               static_cast<unsigned long long>(f.tx_dropped),
               static_cast<unsigned long long>(f.tx_duplicated),
               static_cast<unsigned long long>(f.tx_corrupted));
}
// The resolver helper when xtcpd has one (it holds CAP_NET_ADMIN so the
// shard need not); otherwise the shard asks over rtnetlink itself.
std::function<void(const xsk::IpAddr&)> resolution_hook(const UnitConfig& cfg) {
  if (cfg.resolver == nullptr) return {};
  return [helper = cfg.resolver](const xsk::IpAddr& hop) { (void)helper->request(hop); };
}

}  // namespace

tcp::Instant steady_now() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return tcp::Instant::from_micros(int64_t{ts.tv_sec} * 1000000 + ts.tv_nsec / 1000);
}

ShardUnit::ShardUnit(const UnitConfig& cfg, xsk::XskSocket& sock, xsk::SteerProgram& prog,
                     MemoryBudget& budget, CompletionQueue& completions)
    : index_(cfg.index),
      sock_(sock),
      io_(sock, cfg.shard.tx_batch),
      fault_io_(make_fault_io(io_, cfg)),
      neighbours_(stack::KernelNeighboursConfig{.ifindex = cfg.ifindex,
                                                .retry = cfg.shard.neighbour_retry,
                                                .cache_size = cfg.neighbour_cache,
                                                .hash_key = cfg.shard.hash_key,
                                                .request_resolution = resolution_hook(cfg)}),
      steering_(prog, cfg.index),
      memory_(cfg.index, cfg.rx_ring, cfg.tx_ring, budget),
      bridge_(cfg.index, memory_, completions) {
  stack::Forwarder forward;
  if (ShardPeers* peers = cfg.peers) {
    forward = [peers](uint32_t owner, const uint8_t* data, uint32_t len) {
      stack::Shard* s = owner < peers->size() ? (*peers)[owner].load(std::memory_order_acquire)
                                              : nullptr;
      return s != nullptr && s->deliver_foreign(data, len);
    };
  }
  stack::PacketIo& io = fault_io_ ? static_cast<stack::PacketIo&>(*fault_io_) : io_;
  shard_ = std::make_unique<stack::Shard>(
      cfg.shard,
      stack::ShardDeps{io, neighbours_, steering_, memory_, bridge_, steady_now, forward});
  bridge_.attach(*shard_);
  stack::LoopConfig lc = cfg.loop;
  lc.extra_fd = memory_.epoll_fd();
  lc.before_pass = [this] { return bridge_.before_pass(); };
  lc.after_pass = [this](bool worked) { publish_stats(worked); };
  loop_ = std::make_unique<stack::ShardLoop>(*shard_, lc);
  last_stats_ = steady_now();
}

xsk::Result<std::unique_ptr<ShardUnit>> ShardUnit::start(const UnitConfig& cfg,
                                                         xsk::XskSocket& sock,
                                                         xsk::SteerProgram& prog,
                                                         MemoryBudget& budget,
                                                         CompletionQueue& completions) {
  std::unique_ptr<ShardUnit> u(new ShardUnit(cfg, sock, prog, budget, completions));
  if (!u->memory_.ok() || u->shard_->command_fd() < 0)
    return xsk::make_error(-EMFILE, "cannot create the shard's epoll or eventfd descriptors");
  u->stats_stale_ = true;
  u->publish_stats(false);
  // The thread drops its own capabilities (capset is per thread) before
  // its first pass; start() returns once it has.
  std::promise<std::string> dropped;
  std::future<std::string> drop_result = dropped.get_future();
  u->thread_ = std::thread([raw = u.get(), drop = cfg.drop_capabilities, &dropped] {
    std::string why = drop ? drop_thread_capabilities({}) : std::string();
    const bool ok = why.empty();
    dropped.set_value(std::move(why));
    if (ok) raw->loop_->run();
  });
  if (std::string why = drop_result.get(); !why.empty()) {
    u->thread_.join();
    return xsk::make_error(-EPERM, "shard " + std::to_string(cfg.index) + ": " + why);
  }
  return u;
}

ShardUnit::~ShardUnit() { stop(); }

void ShardUnit::stop() {
  if (!thread_.joinable()) return;
  loop_->stop();
  thread_.join();
  // The fault counters are not in `xtcpctl stats` (dataplane.cpp exports
  // UnitStats); tests read this line from xtcpd's stderr.
  if (fault_io_) print_fault_stats(index_, fault_io_->stats());
}

// On the shard's thread: copies the counters the control thread may read.
// Busy: at most every kStatsPeriod. Idle (the pass before a sleep): once,
// if anything changed since the last copy; a busy-polling idle loop does
// not copy at all.
void ShardUnit::publish_stats(bool worked) {
  stats_stale_ |= worked;
  if (!stats_stale_) return;
  const tcp::Instant now = steady_now();
  if (worked && now - last_stats_ < kStatsPeriod) return;
  last_stats_ = now;
  stats_stale_ = false;
  const xsk::FramePool& pool = sock_.pool();
  std::lock_guard lock(stats_mu_);
  stats_.shard = shard_->stats();
  stats_.bridge = bridge_.stats();
  stats_.loop = loop_->stats();
  stats_.xsk_io = io_.stats();
  stats_.conns = shard_->connection_count();
  stats_.time_wait = shard_->time_wait_count();
  stats_.listeners = shard_->listener_count();
  stats_.listener_totals = shard_->listener_totals();
  stats_.channels = memory_.live();
  stats_.channels_refused = memory_.refused();
  stats_.frames_total = pool.count();
  stats_.frames_free = pool.free();
  stats_.frames_fill = pool.in_fill();
  stats_.frames_held = pool.in_app();
  stats_.frames_tx = pool.in_tx();
  stats_.frames_bad = pool.bad_transitions();
  stats_.fault_on = fault_io_ != nullptr;
  if (fault_io_) stats_.fault = fault_io_->stats();
}

UnitStats ShardUnit::stats_copy() const {
  std::lock_guard lock(stats_mu_);
  return stats_;
}

}  // namespace xtcp::daemon
