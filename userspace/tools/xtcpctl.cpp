// xtcpctl: talks to xtcpd over the control socket.
//   xtcpctl [--socket PATH] stats [--json]
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "tools/control_client.h"
#include "tools/stats_format.h"

namespace {

constexpr const char kUsage[] =
    "usage: xtcpctl [--socket PATH] stats [--json]\n"
    "  --socket PATH   xtcpd's control socket (default $XTCP_SOCKET, else\n"
    "                  " XTCP_CTL_DEFAULT_SOCKET ")\n"
    "  stats           print the daemon's counters (BPF steering, per queue)\n"
    "  --json          one JSON object instead of a table\n";

int fail(const std::string& sentence) {
  std::fprintf(stderr, "xtcpctl: %s\n", sentence.c_str());
  return 1;
}

int run_stats(const std::string& socket, bool json) {
  xtcp::tools::ControlClient client;
  if (client.connect(socket) < 0) return fail(client.error());
  xtcp_ctl_hello_reply hello;
  if (client.hello("xtcpctl", &hello) < 0) return fail(client.error());
  xtcp::tools::StatsResult stats;
  if (client.stats(&stats) < 0) return fail(client.error());
  std::string text = json ? xtcp::tools::format_stats_json(stats) + "\n"
                          : xtcp::tools::format_stats_table(stats);
  std::fputs(text.c_str(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string socket = xtcp::tools::default_control_socket();
  std::string command;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--socket" && i + 1 < argc) {
      socket = argv[++i];
    } else if (a.substr(0, 9) == "--socket=") {
      socket = std::string(a.substr(9));
    } else if (a == "--json" && command == "stats") {
      json = true;
    } else if (command.empty() && a == "stats") {
      command = a;
    } else {
      return fail("unexpected argument '" + std::string(a) + "'; see xtcpctl --help");
    }
  }
  if (command.empty()) return fail("no command given; usage: xtcpctl [--socket PATH] stats [--json]");
  return run_stats(socket, json);
}
