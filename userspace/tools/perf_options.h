// xtcp-perf's command line:
//   xtcp-perf server --stack xtcp|kernel [--mode iperf|rr|crr] [--addr A]
//                    [--port 5201] [--json] [--once] [--socket PATH]
//   xtcp-perf client --stack xtcp|kernel --mode rr|crr --host H [--port 5201]
//                    [--size 64] [--duration 5] [--connections 1] [--json]
//                    [--socket PATH]
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace xtcp::perf {

enum class Role { Server, Client };
enum class StackKind { Kernel, Xtcp };
enum class Mode { Iperf, Rr, Crr };

inline constexpr uint16_t kDefaultPort = 5201;
inline constexpr size_t kDefaultSize = 64;
inline constexpr double kDefaultDuration = 5;
inline constexpr size_t kMaxSize = 1 << 20;
inline constexpr int kMaxConnections = 100000;

struct PerfOptions {
  Role role = Role::Server;
  StackKind stack = StackKind::Kernel;
  Mode mode = Mode::Iperf;
  std::string addr;  // server: local address (empty: any IPv4)
  std::string host;  // client: server address
  uint16_t port = kDefaultPort;
  size_t size = kDefaultSize;
  double duration_s = kDefaultDuration;
  int connections = 1;
  bool json = false;
  bool once = false;  // server: exit after one test (iperf) / when idle (rr, crr)
  std::string socket;  // xtcpd control socket (empty: $XTCP_SOCKET or default)
};

// nullopt + a one-sentence `why` on a bad command line.
std::optional<PerfOptions> parse_perf_options(int argc, const char* const* argv, std::string& why);
const char* perf_usage();
const char* mode_name(Mode m);

}  // namespace xtcp::perf
