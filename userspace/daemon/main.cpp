// xtcpd: attaches the xtcp data plane to one interface and serves the
// control socket until SIGTERM/SIGINT. Stable CLI, see DESIGN.md and
// `xtcpd --help`.
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <string>
#include <vector>

#include "client/fd_limit.h"
#include "daemon/app_stack.h"
#include "daemon/config_file.h"
#include "daemon/control_server.h"
#include "daemon/dataplane.h"
#include "daemon/options.h"
#include "daemon/privileges.h"
#include "daemon/resolution_helper.h"
#include "daemon/sandbox.h"
#include "xsk/netlink.h"
#include "xtcp_version.h"

namespace xtcp::daemon {
namespace {

int fail(const std::string& sentence) {
  std::fprintf(stderr, "xtcpd: %s\n", sentence.c_str());
  return 1;
}

// SIGTERM/SIGINT are blocked in every thread (workers inherit the mask) and
// read from a signalfd by the main loop, so shutdown runs in one place.
// With --sandbox-probe yes (tests), SIGUSR1 too: see serve().
int shutdown_signal_fd(bool probe) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  if (probe) sigaddset(&set, SIGUSR1);
  if (pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0) return -1;
  signal(SIGPIPE, SIG_IGN);
  return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

// Lets the control socket be bound before the data plane exists, so a busy
// socket path fails before anything is attached. Nobody is served before
// serve() runs, and by then every pointer is set.
class StatsProxy : public StatsSource {
 public:
  Dataplane* dataplane = nullptr;
  AppStack* app = nullptr;
  ControlServer* server = nullptr;
  DaemonInfo info() const override { return dataplane->info(); }
  void snapshot(StatList& out) override {
    dataplane->snapshot(out);
    uint64_t violations = 0;
    for (ShardUnit* u : dataplane->shards()) violations += u->stats_copy().bridge.ring_violations;
    app->add_stats(out);
    add_stat(out, "app.ring_violations", violations);
    add_stat(out, "app.bad_messages", server->bad_messages());
  }
};

// Serves the control socket and the shards' answers until a shutdown
// signal arrives.
void serve(ControlServer& server, AppStack& app, int sig_fd) {
  std::vector<pollfd> fds;
  for (;;) {
    fds.clear();
    fds.push_back(pollfd{sig_fd, POLLIN, 0});
    fds.push_back(pollfd{app.completion_fd(), POLLIN, 0});
    server.pollfds(fds);
    if (poll(fds.data(), fds.size(), app.next_timeout_ms()) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo si{};
      if (read(sig_fd, &si, sizeof si) == sizeof si && si.ssi_signo == SIGUSR1) {
        make_forbidden_call();  // --sandbox-probe: enforce ends xtcpd here
        std::fprintf(stderr, "xtcpd: sandbox probe: the forbidden call returned\n");
        continue;
      }
      return;
    }
    app.drain_completions();
    server.dispatch(fds.data() + 2, fds.size() - 2);
  }
}

std::string set_socket_group(const std::string& path, const std::string& name) {
  if (name.empty()) return "";
  const struct group* g = getgrnam(name.c_str());
  if (g == nullptr) return "no group named " + name + "; check --socket-group";
  if (chown(path.c_str(), static_cast<uid_t>(-1), g->gr_gid) < 0)
    return "cannot give " + path + " to group " + name + ": " + strerror(errno);
  return "";
}

int run(const Config& cfg) {
  const uint64_t umem_bytes = uint64_t{cfg.queues} * cfg.frames * cfg.frame_size;
  if (std::string why = privilege_problem(current_privileges(umem_bytes)); !why.empty())
    return fail(why);
  // Forked while single-threaded, before anything is attached: the one
  // process that keeps CAP_NET_ADMIN (resolution_helper.h).
  ResolutionHelper resolver;
  if (cfg.sandbox != SandboxMode::kOff) {
    if (auto idx = xsk::ifindex_of(cfg.iface); idx.ok()) {
      if (std::string why = resolver.spawn(idx.value(), cfg.sandbox); !why.empty()) return fail(why);
    }  // else Dataplane::start names the missing interface
  }
  int sig_fd = shutdown_signal_fd(cfg.sandbox_probe);
  if (sig_fd < 0) return fail("cannot set up signal handling: " + std::string(strerror(errno)));
  client::raise_fd_limit();  // 3 descriptors per connection, 4 per active open
  StatsProxy proxy;
  ControlServer server(proxy);
  if (server.listen(cfg.socket_path) < 0) return fail(server.error());
  if (std::string why = set_socket_group(cfg.socket_path, cfg.socket_group); !why.empty())
    return fail(why);
  auto dp = Dataplane::start(cfg, resolver.pid() > 0 ? &resolver : nullptr);
  if (!dp) return fail(dp.message());
  Dataplane& plane = *dp.value();
  AppStack app(plane.shards(), plane.completions(), server, plane.app_config());
  server.set_app(&app);
  proxy.dataplane = &plane;
  proxy.app = &app;
  proxy.server = &server;
  // Attached: from here on xtcpd parses bytes from the wire and from apps,
  // so it keeps only what serving needs (sandbox.h). The shard threads
  // dropped their capabilities as they started.
  if (cfg.sandbox != SandboxMode::kOff) {
    if (std::string why = drop_thread_capabilities(control_thread_capabilities()); !why.empty())
      return fail(why);
    if (std::string why = install_syscall_filter(cfg.sandbox, serving_syscalls()); !why.empty())
      return fail(why);
  }
  std::printf("ready iface=%s queues=%u mode=%s poll=%s socket=%s sandbox=%s\n",
              cfg.iface.c_str(), cfg.queues, plane.mode_name(), cfg.poll.c_str(),
              cfg.socket_path.c_str(), sandbox_mode_name(cfg.sandbox));
  std::fflush(stdout);
  // Type=notify (xtcpd@.service): the unit is up once attached and
  // listening. Outside systemd NOTIFY_SOCKET is unset and this does nothing.
  sd_notifyf(0, "READY=1\nSTATUS=serving %s, %u queue(s), socket %s", cfg.iface.c_str(),
             cfg.queues, cfg.socket_path.c_str());
  serve(server, app, sig_fd);
  sd_notify(0, "STOPPING=1");
  close(sig_fd);
  // Destructors: the app layer (shards only ever post to the dataplane's
  // queue), the dataplane (shard threads, XDP), then the server (socket file).
  return 0;
}

}  // namespace
}  // namespace xtcp::daemon

int main(int argc, char** argv) {
  using namespace xtcp::daemon;
  const std::vector<std::string_view> given(argv + 1, argv + argc);
  if (std::find(given.begin(), given.end(), "--version") != given.end()) {
    std::printf("xtcpd %s\n", XTCP_VERSION);
    return 0;
  }
  MergedArgs merged = merge_config_file(given, kDefaultConfigFile);
  if (!merged.error.empty()) {
    std::fprintf(stderr, "xtcpd: %s\n", merged.error.c_str());
    return 2;
  }
  const std::vector<std::string_view> args(merged.args.begin(), merged.args.end());
  ParsedOptions p = parse_options(args, default_socket_path());
  switch (p.action) {
    case ParsedOptions::Action::kHelp:
      std::fputs(usage_text(), stdout);
      std::fputs(config_usage_text(), stdout);
      return 0;
    case ParsedOptions::Action::kError:
      std::fprintf(stderr, "xtcpd: %s\n", p.error.c_str());
      return 2;
    case ParsedOptions::Action::kRun:
      break;
  }
  return run(p.config);
}
