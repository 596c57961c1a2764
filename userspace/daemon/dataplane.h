// Dataplane: everything xtcpd attaches to the interface, owned in one
// place and torn down in reverse order: the steering program (bpf_link),
// one AF_XDP socket and one shard (thread) per queue, the --steer-port
// listener entries, the channel memory budget and the queue the shards
// answer the control thread on. Also the StatsSource of the per-queue and
// BPF counters.
#pragma once

#include <memory>
#include <vector>

#include "daemon/resolution_helper.h"
#include "daemon/app_stack.h"
#include "daemon/config.h"
#include "daemon/shard_unit.h"
#include "daemon/stats.h"
#include "xsk/result.h"
#include "xsk/steer_program.h"
#include "xsk/xsk_socket.h"

namespace xtcp::daemon {

class Dataplane : public StatsSource {
 public:
  // Checks the interface and its queue count, attaches, binds, starts the
  // shards, installs listeners. The error's message is one sentence.
  // `resolver` (may be null) takes the shards' neighbour resolution
  // requests; with cfg.sandbox on, each shard thread drops its capabilities.
  static xsk::Result<std::unique_ptr<Dataplane>> start(const Config& cfg,
                                                        ResolutionHelper* resolver);
  ~Dataplane() override;
  Dataplane(const Dataplane&) = delete;
  Dataplane& operator=(const Dataplane&) = delete;

  // "copy", "zerocopy" or "mixed".
  const char* mode_name() const;

  std::vector<ShardUnit*> shards() const;
  CompletionQueue& completions() { return *completions_; }
  // Addresses, ring sizes and limits the app layer needs.
  const AppStackConfig& app_config() const { return app_cfg_; }

  DaemonInfo info() const override;
  void snapshot(StatList& out) override;

 private:
  Dataplane() = default;
  xsk::Status open_queues(const Config& cfg, const UnitConfig& base);
  xsk::Status install_listeners(const Config& cfg);
  void stop();

  std::string iface_;
  std::unique_ptr<xsk::SteerProgram> prog_;
  std::vector<std::unique_ptr<xsk::XskSocket>> socks_;
  std::unique_ptr<MemoryBudget> budget_;
  std::unique_ptr<CompletionQueue> completions_;
  std::vector<std::unique_ptr<ShardUnit>> units_;
  ShardPeers peers_{};
  AppStackConfig app_cfg_;
};

}  // namespace xtcp::daemon
