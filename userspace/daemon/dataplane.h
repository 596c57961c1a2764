// Dataplane: everything xtcpd attaches to the interface, owned in one
// place and torn down in reverse order: the steering program (bpf_link),
// one AF_XDP socket per queue registered in its xsks map, one worker thread
// per queue, and the --steer-port listener entries. Also the StatsSource
// the control server reads.
#pragma once

#include <memory>
#include <vector>

#include "daemon/config.h"
#include "daemon/queue_worker.h"
#include "daemon/stats.h"
#include "xsk/result.h"
#include "xsk/steer_program.h"
#include "xsk/xsk_socket.h"

namespace xtcp::daemon {

class Dataplane : public StatsSource {
 public:
  // Checks the interface and its queue count, attaches, binds, starts the
  // workers, installs listeners. The error's message is one sentence.
  static xsk::Result<std::unique_ptr<Dataplane>> start(const Config& cfg);
  ~Dataplane() override;
  Dataplane(const Dataplane&) = delete;
  Dataplane& operator=(const Dataplane&) = delete;

  // "copy", "zerocopy" or "mixed".
  const char* mode_name() const;

  DaemonInfo info() const override;
  void snapshot(StatList& out) override;

 private:
  Dataplane() = default;
  xsk::Status open_queues(const Config& cfg);
  xsk::Status install_listeners(const Config& cfg);
  void stop();

  std::string iface_;
  std::unique_ptr<xsk::SteerProgram> prog_;
  std::vector<std::unique_ptr<xsk::XskSocket>> socks_;
  std::vector<std::unique_ptr<QueueWorker>> workers_;
};

}  // namespace xtcp::daemon
