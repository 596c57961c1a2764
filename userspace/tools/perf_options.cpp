#include "tools/perf_options.h"

#include <cstdlib>
#include <string_view>

namespace xtcp::perf {

namespace {

bool to_number(std::string_view s, double lo, double hi, double& out) {
  const std::string t(s);
  char* end = nullptr;
  out = std::strtod(t.c_str(), &end);
  return !t.empty() && end && *end == '\0' && out >= lo && out <= hi;
}

// Applies one "--name value" or flag; false + why on a bad one.
bool apply(PerfOptions& o, std::string_view name, const char* value, int& used, std::string& why) {
  used = 0;
  if (name == "--json") return o.json = true, true;
  if (name == "--once") return o.once = true, true;
  if (!value) {
    why = std::string(name) + " needs a value";
    return false;
  }
  used = 1;
  const std::string_view v(value);
  double d = 0;
  if (name == "--stack") {
    if (v == "kernel") return o.stack = StackKind::Kernel, true;
    if (v == "xtcp") return o.stack = StackKind::Xtcp, true;
    why = "--stack must be xtcp or kernel";
    return false;
  }
  if (name == "--mode") {
    if (v == "iperf") return o.mode = Mode::Iperf, true;
    if (v == "rr") return o.mode = Mode::Rr, true;
    if (v == "crr") return o.mode = Mode::Crr, true;
    why = "--mode must be iperf, rr or crr";
    return false;
  }
  if (name == "--addr") return o.addr = v, true;
  if (name == "--host") return o.host = v, true;
  if (name == "--socket") return o.socket = v, true;
  if (name == "--port") {
    if (!to_number(v, 1, 65535, d) || d != static_cast<int>(d)) return why = "--port must be 1..65535", false;
    return o.port = static_cast<uint16_t>(d), true;
  }
  if (name == "--size") {
    if (!to_number(v, 1, kMaxSize, d) || d != static_cast<size_t>(d)) return why = "--size must be 1..1048576 bytes", false;
    return o.size = static_cast<size_t>(d), true;
  }
  if (name == "--duration") {
    if (!to_number(v, 0.1, 86400, d)) return why = "--duration must be 0.1..86400 seconds", false;
    return o.duration_s = d, true;
  }
  if (name == "--connections") {
    if (!to_number(v, 1, kMaxConnections, d) || d != static_cast<int>(d))
      return why = "--connections must be 1..100000", false;
    return o.connections = static_cast<int>(d), true;
  }
  why = "unknown option " + std::string(name);
  return false;
}

}  // namespace

std::optional<PerfOptions> parse_perf_options(int argc, const char* const* argv, std::string& why) {
  if (argc < 2) {
    why = "say server or client";
    return std::nullopt;
  }
  PerfOptions o;
  const std::string_view role(argv[1]);
  if (role == "server") o.role = Role::Server;
  else if (role == "client") o.role = Role::Client;
  else return why = "the first argument must be server or client", std::nullopt;
  bool stack_given = false;
  for (int i = 2; i < argc; ++i) {
    const std::string_view name(argv[i]);
    stack_given |= name == "--stack";
    int used = 0;
    if (!apply(o, name, i + 1 < argc ? argv[i + 1] : nullptr, used, why)) return std::nullopt;
    i += used;
  }
  if (!stack_given) return why = "--stack xtcp|kernel is required", std::nullopt;
  if (o.role == Role::Client) {
    if (o.mode == Mode::Iperf) return why = "the client runs --mode rr or crr (use iperf3 -c for bulk tests)", std::nullopt;
    if (o.host.empty()) return why = "the client needs --host", std::nullopt;
  }
  return o;
}

const char* perf_usage() {
  return "usage: xtcp-perf server --stack xtcp|kernel [--mode iperf|rr|crr] [--addr A] [--port 5201]\n"
         "                        [--json] [--once] [--socket PATH]\n"
         "       xtcp-perf client --stack xtcp|kernel --mode rr|crr --host H [--port 5201] [--size 64]\n"
         "                        [--duration 5] [--connections 1] [--json] [--socket PATH]\n"
         "       xtcp-perf --help | --version\n"
         "The iperf server speaks iperf3's protocol: drive it with iperf3 -c HOST -p PORT [-R] [-P N].\n";
}

const char* mode_name(Mode m) {
  switch (m) {
    case Mode::Iperf: return "iperf";
    case Mode::Rr: return "rr";
    case Mode::Crr: return "crr";
  }
  return "?";
}

}  // namespace xtcp::perf
