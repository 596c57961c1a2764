// xtcp-perf: one benchmark tool for kernel TCP and xtcp (DESIGN.md stable
// name). `server` speaks iperf3's protocol (bulk) or echoes (rr/crr);
// `client` runs rr/crr and prints transactions/s and latency percentiles.
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "client/fd_limit.h"
#include "tools/perf_iperf_server.h"
#include "tools/perf_options.h"
#include "tools/perf_rr.h"
#include "tools/perf_stack.h"
#include "xtcp_version.h"

using namespace xtcp::perf;

namespace {

volatile bool g_stop = false;

void on_signal(int) { g_stop = true; }

void install_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

std::unique_ptr<Stack> open_stack(const PerfOptions& o) {
  if (o.stack == StackKind::Kernel) return make_kernel_stack();
  std::string why;
  auto st = make_xtcp_stack(o.socket.empty() ? nullptr : o.socket.c_str(), why);
  if (!st) std::fprintf(stderr, "xtcp-perf: %s (is xtcpd running? --socket or $XTCP_SOCKET)\n", why.c_str());
  return st;
}

int run_server(Stack& st, const PerfOptions& o) {
  sockaddr_storage addr{};
  const std::string host = o.addr.empty() ? "0.0.0.0" : o.addr;
  if (!make_address(host, o.port, addr)) {
    std::fprintf(stderr, "xtcp-perf: --addr %s is not a numeric IPv4 or IPv6 address\n", host.c_str());
    return 2;
  }
  if (o.mode == Mode::Iperf) {
    IperfServer server(st, {.addr = addr, .json = o.json, .once = o.once});
    return server.run(&g_stop);
  }
  EchoServer server(st, {.addr = addr, .json = o.json, .once = o.once});
  return server.run(&g_stop);
}

int run_client(Stack& st, const PerfOptions& o) {
  RrConfig cfg{.mode = o.mode, .size = o.size, .duration_s = o.duration_s, .connections = o.connections};
  if (!make_address(o.host, o.port, cfg.server)) {
    std::fprintf(stderr, "xtcp-perf: --host %s is not a numeric IPv4 or IPv6 address\n", o.host.c_str());
    return 2;
  }
  RrClient client(st, cfg);
  const RrReport r = client.run(&g_stop);
  const std::string out = o.json ? rr_report_json(cfg, st.name(), r) + "\n" : rr_report_text(cfg, st.name(), r);
  std::fputs(out.c_str(), stdout);
  std::fflush(stdout);
  if (!r.failure.empty()) {
    std::fprintf(stderr, "xtcp-perf: %s\n", r.failure.c_str());
    return 1;
  }
  if (r.corrupt > 0) {
    std::fprintf(stderr, "xtcp-perf: %llu responses differed from their requests\n",
                 static_cast<unsigned long long>(r.corrupt));
    return 1;
  }
  if (r.transactions == 0) {
    std::fprintf(stderr, "xtcp-perf: no transaction completed (%llu connection errors)\n",
                 static_cast<unsigned long long>(r.errors));
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // --help and --version win wherever they are (as in every xtcp tool).
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::fputs(perf_usage(), stdout);
      return 0;
    }
    if (std::strcmp(argv[i], "--version") == 0) {
      std::printf("xtcp-perf %s\n", XTCP_VERSION);
      return 0;
    }
  }
  std::string why;
  const auto opts = parse_perf_options(argc, argv, why);
  if (!opts) {
    std::fprintf(stderr, "xtcp-perf: %s\n%s", why.c_str(), perf_usage());
    return 2;
  }
  install_signals();
  xtcp::client::raise_fd_limit();  // --connections 10000: 2 descriptors each on xtcp
  auto stack = open_stack(*opts);
  if (!stack) return 1;
  return opts->role == Role::Server ? run_server(*stack, *opts) : run_client(*stack, *opts);
}
