// xtcpd: attaches the xtcp data plane to one interface and serves the
// control socket until SIGTERM/SIGINT. Stable CLI, see DESIGN.md and
// `xtcpd --help`.
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "daemon/control_server.h"
#include "daemon/dataplane.h"
#include "daemon/options.h"
#include "daemon/privileges.h"

namespace xtcp::daemon {
namespace {

int fail(const std::string& sentence) {
  std::fprintf(stderr, "xtcpd: %s\n", sentence.c_str());
  return 1;
}

// SIGTERM/SIGINT are blocked in every thread (workers inherit the mask) and
// read from a signalfd by the main loop, so shutdown runs in one place.
int shutdown_signal_fd() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  if (pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0) return -1;
  signal(SIGPIPE, SIG_IGN);
  return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

// Lets the control socket be bound before the data plane exists, so a busy
// socket path fails before anything is attached. Nobody is served before
// serve() runs, and by then target is set.
class StatsProxy : public StatsSource {
 public:
  StatsSource* target = nullptr;
  DaemonInfo info() const override { return target->info(); }
  void snapshot(StatList& out) override { target->snapshot(out); }
};

// Serves the control socket until a shutdown signal arrives.
void serve(ControlServer& server, int sig_fd) {
  std::vector<pollfd> fds;
  for (;;) {
    fds.clear();
    fds.push_back(pollfd{sig_fd, POLLIN, 0});
    server.pollfds(fds);
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[0].revents & POLLIN) return;
    server.dispatch(fds.data() + 1, fds.size() - 1);
  }
}

int run(const Config& cfg) {
  const uint64_t umem_bytes = uint64_t{cfg.queues} * cfg.frames * cfg.frame_size;
  if (std::string why = privilege_problem(current_privileges(umem_bytes)); !why.empty())
    return fail(why);
  int sig_fd = shutdown_signal_fd();
  if (sig_fd < 0) return fail("cannot set up signal handling: " + std::string(strerror(errno)));
  StatsProxy proxy;
  ControlServer server(proxy);
  if (server.listen(cfg.socket_path) < 0) return fail(server.error());
  auto dp = Dataplane::start(cfg);
  if (!dp) return fail(dp.message());
  proxy.target = dp.value().get();
  std::printf("ready iface=%s queues=%u mode=%s socket=%s\n", cfg.iface.c_str(), cfg.queues,
              dp.value()->mode_name(), cfg.socket_path.c_str());
  std::fflush(stdout);
  serve(server, sig_fd);
  close(sig_fd);
  return 0;  // dataplane then server destructors: threads, XDP, socket file
}

}  // namespace
}  // namespace xtcp::daemon

int main(int argc, char** argv) {
  using namespace xtcp::daemon;
  std::vector<std::string_view> args(argv + 1, argv + argc);
  ParsedOptions p = parse_options(args, default_socket_path());
  switch (p.action) {
    case ParsedOptions::Action::kHelp:
      std::fputs(usage_text(), stdout);
      return 0;
    case ParsedOptions::Action::kError:
      std::fprintf(stderr, "xtcpd: %s\n", p.error.c_str());
      return 2;
    case ParsedOptions::Action::kRun:
      break;
  }
  return run(p.config);
}
