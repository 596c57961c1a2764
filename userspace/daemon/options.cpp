#include "daemon/options.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "xtcp/steer_abi.h"

namespace xtcp::daemon {
namespace {

constexpr const char kUsage[] =
    "usage: xtcpd --iface IF [options]\n"
    "Runs the xtcp data plane on IF: steers owned TCP flows into AF_XDP\n"
    "sockets and serves the control socket.\n"
    "\n"
    "  --iface IF           interface to attach to (required)\n"
    "  --queues N           rx queues to serve, 0..N-1 (default 1; at most\n"
    "                       the interface's rx queue count)\n"
    "  --socket PATH        control socket (default $XTCP_SOCKET, else\n"
    "                       " XTCP_CTL_DEFAULT_SOCKET ")\n"
    "  --steer-port PORT    steer TCP to PORT (any local IPv4/IPv6 address)\n"
    "                       into xtcp; repeatable\n"
    "  --xdp-mode MODE      auto|zerocopy|copy (default auto: zero-copy if\n"
    "                       the driver has it, else copy)\n"
    "  --frame-size N       UMEM frame size, 2048 or 4096 (default 4096)\n"
    "  --frames N           UMEM frames per queue (default 8192)\n"
    "  --ring-size N        rx/tx/completion ring size, a power of two\n"
    "                       (default 2048; the fill ring is twice this)\n"
    "  --poll MODE          adaptive|busy|interrupt (default adaptive: busy-poll\n"
    "                       while traffic flows, sleep when idle)\n"
    "  --conn-buffer BYTES  each connection's receive and send ring, a power\n"
    "                       of two from 4096 to 67108864 (default 262144)\n"
    "  --max-conns N        connections per queue (default 16384)\n"
    "  --max-app-conns N    connections one app may hold (default 8192)\n"
    "  --app-memory MIB     ring memory one app may hold (default 4096)\n"
    "  --socket-group NAME  group owning the control socket (mode 0660)\n"
    "  --time-wait SECONDS  TIME-WAIT length, 1..240 (default 60, as Linux;\n"
    "                       RFC 9293 3.6.1 asks for 2 MSL)\n"
    "  --neighbour-cache N  next-hop answers each queue keeps (LRU; default\n"
    "                       4096; the kernel's neighbour table stays the truth)\n"
    "  --max-time-wait N    TIME-WAIT records per queue, 0..1048576 (default\n"
    "                       65536, like tcp_max_tw_buckets; when full a\n"
    "                       connection closes without TIME-WAIT, as Linux)\n"
    "  --rto-min MS         minimum retransmission timeout, 1..60000 ms\n"
    "                       (default 200, as Linux and ip route ... rto_min)\n"
    "  --sandbox MODE       enforce|log|off (default enforce: once attached,\n"
    "                       drop capabilities, no_new_privs, and a seccomp\n"
    "                       filter that kills xtcpd on an unexpected system\n"
    "                       call; log: allow and log such calls instead)\n"
    "  --sandbox-probe yes  tests only: SIGUSR1 makes xtcpd make one system call\n"
    "                       outside the filter's list (reboot)\n"
    "  --fault SPEC         tests only: inject faults into the data path, e.g.\n"
    "                       rx-drop=0.01,rx-reorder=0.01,tx-drop=0.001,seed=7\n"
    "                       (fractions for rx-drop, rx-dup, rx-reorder,\n"
    "                       rx-corrupt, rx-delay, tx-drop, tx-dup, tx-corrupt;\n"
    "                       reorder-depth=K frames, delay-ms=N, seed=N)\n"
    "  --help               print this text and exit\n";

bool parse_u32(std::string_view s, uint32_t lo, uint32_t hi, uint32_t* out) {
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < lo || v > hi) return false;
  *out = v;
  return true;
}

constexpr std::string_view kValueOptions[] = {
    "--iface",     "--queues",      "--socket",        "--steer-port", "--xdp-mode",
    "--frame-size", "--frames",     "--ring-size",     "--poll",       "--conn-buffer",
    "--max-conns", "--max-app-conns", "--app-memory",  "--socket-group", "--time-wait",
    "--max-time-wait", "--fault", "--neighbour-cache", "--rto-min",
    "--sandbox", "--sandbox-probe"};

bool is_value_option(std::string_view name) {
  return std::find(std::begin(kValueOptions), std::end(kValueOptions), name) !=
         std::end(kValueOptions);
}

bool is_power_of_two(uint32_t v) { return v != 0 && (v & (v - 1)) == 0; }

std::string bad_value(std::string_view opt, std::string_view want, std::string_view got) {
  return std::string(opt) + " needs " + std::string(want) + ", got '" + std::string(got) +
         "'; see xtcpd --help";
}

// Applies one "--name value" pair; returns an error sentence or "".
std::string apply(Config& c, std::string_view name,
                  std::string_view value) {
  uint32_t v = 0;
  if (name == "--iface") {
    if (value.empty() || value.size() >= XTCP_CTL_IFNAME_LEN)
      return bad_value(name, "an interface name of 1 to 15 characters", value);
    c.iface = value;
  } else if (name == "--queues") {
    if (!parse_u32(value, 1, XTCP_MAX_QUEUES, &c.queues))
      return bad_value(name, "a number from 1 to 64", value);
  } else if (name == "--socket") {
    if (value.empty()) return bad_value(name, "a path", value);
    c.socket_path = value;
  } else if (name == "--steer-port") {
    if (!parse_u32(value, 1, 65535, &v)) return bad_value(name, "a port from 1 to 65535", value);
    c.steer_ports.push_back(static_cast<uint16_t>(v));
  } else if (name == "--xdp-mode") {
    if (!xsk::parse_bind_mode(value, &c.xdp_mode)) return bad_value(name, "auto, zerocopy or copy", value);
  } else if (name == "--frame-size") {
    if (!parse_u32(value, 2048, 4096, &c.frame_size) || !is_power_of_two(c.frame_size))
      return bad_value(name, "2048 or 4096", value);
  } else if (name == "--frames") {
    if (!parse_u32(value, 64, xsk::XskConfig::kMaxFrameCount, &c.frames))
      return bad_value(name, "a number from 64 to 1048576", value);
  } else if (name == "--poll") {
    if (value != "adaptive" && value != "busy" && value != "interrupt")
      return bad_value(name, "adaptive, busy or interrupt", value);
    c.poll = value;
  } else if (name == "--sandbox") {
    if (!parse_sandbox_mode(value, &c.sandbox)) return bad_value(name, "enforce, log or off", value);
  } else if (name == "--sandbox-probe") {
    if (value != "yes" && value != "no") return bad_value(name, "yes or no", value);
    c.sandbox_probe = value == "yes";
  } else if (name == "--conn-buffer") {
    if (!parse_u32(value, 4096, 1u << 26, &c.conn_buffer) || !is_power_of_two(c.conn_buffer))
      return bad_value(name, "a power of two from 4096 to 67108864", value);
  } else if (name == "--max-conns") {
    if (!parse_u32(value, 1, 1u << 20, &c.max_conns))
      return bad_value(name, "a number from 1 to 1048576", value);
  } else if (name == "--max-app-conns") {
    if (!parse_u32(value, 1, 1u << 20, &c.max_app_conns))
      return bad_value(name, "a number from 1 to 1048576", value);
  } else if (name == "--app-memory") {
    if (!parse_u32(value, 1, 1u << 20, &c.app_memory_mib))
      return bad_value(name, "a number of MiB from 1 to 1048576", value);
  } else if (name == "--time-wait") {
    if (!parse_u32(value, 1, 240, &c.time_wait_s))
      return bad_value(name, "a number of seconds from 1 to 240", value);
  } else if (name == "--neighbour-cache") {
    if (!parse_u32(value, 16, 1u << 20, &c.neighbour_cache))
      return bad_value(name, "a number from 16 to 1048576", value);
  } else if (name == "--max-time-wait") {
    if (!parse_u32(value, 0, 1u << 20, &c.max_time_wait))
      return bad_value(name, "a number from 0 to 1048576", value);
  } else if (name == "--rto-min") {
    if (!parse_u32(value, 1, 60000, &c.rto_min_ms))
      return bad_value(name, "a number of milliseconds from 1 to 60000", value);
  } else if (name == "--socket-group") {
    if (value.empty()) return bad_value(name, "a group name", value);
    c.socket_group = value;
  } else if (name == "--fault") {
    if (std::string err = parse_fault_spec(value, &c.fault); !err.empty())
      return "--fault " + std::string(value) + ": " + err + "; see xtcpd --help";
  } else if (name == "--ring-size") {
    if (!parse_u32(value, 64, Config::kMaxRingSize, &c.ring_size) || !is_power_of_two(c.ring_size))
      return bad_value(name, "a power of two from 64 to 65536", value);
  }
  return "";
}

// The fill ring (2 x ring) must not ask for more frames than the UMEM has.
std::string check_sizes(const Config& c) {
  if (uint64_t{c.ring_size} * 2 > c.frames)
    return "--frames (" + std::to_string(c.frames) + ") must be at least twice --ring-size (" +
           std::to_string(c.ring_size) + ") so the fill ring can be filled";
  return "";
}

// --fault (issue 6): fault injection for tests, see stack/fault_packet_io.h.
constexpr uint32_t kMaxReorderDepth = 32;

bool parse_fraction(std::string_view v, uint32_t* ppm) {
  double d = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (ec != std::errc() || end != v.data() + v.size() || !(d >= 0.0 && d <= 1.0)) return false;
  *ppm = static_cast<uint32_t>(std::lround(d * 1e6));
  return true;
}

bool parse_u64(std::string_view s, uint64_t* out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

uint32_t* fraction_field(stack::FaultConfig& c, std::string_view key) {
  if (key == "rx-drop") return &c.rx_drop_ppm;
  if (key == "rx-dup") return &c.rx_dup_ppm;
  if (key == "rx-reorder") return &c.rx_reorder_ppm;
  if (key == "rx-corrupt") return &c.rx_corrupt_ppm;
  if (key == "rx-delay") return &c.rx_delay_ppm;
  if (key == "tx-drop") return &c.tx_drop_ppm;
  if (key == "tx-dup") return &c.tx_dup_ppm;
  if (key == "tx-corrupt") return &c.tx_corrupt_ppm;
  return nullptr;
}

// One "key=value" item; "" or the reason it is wrong.
std::string apply_fault_item(stack::FaultConfig& c, std::string_view item) {
  const size_t eq = item.find('=');
  if (eq == std::string_view::npos) return "'" + std::string(item) + "' is not key=value";
  const std::string_view key = item.substr(0, eq), value = item.substr(eq + 1);
  const std::string what = "'" + std::string(item) + "'";
  if (uint32_t* f = fraction_field(c, key)) {
    if (!parse_fraction(value, f)) return what + " needs a fraction from 0 to 1";
  } else if (key == "reorder-depth") {
    if (!parse_u32(value, 1, kMaxReorderDepth, &c.reorder_depth))
      return what + " needs a number of frames from 1 to 32";
  } else if (key == "delay-ms") {
    uint32_t ms = 0;
    if (!parse_u32(value, 1, 1000, &ms)) return what + " needs milliseconds from 1 to 1000";
    c.delay = tcp::Duration::millis(ms);
  } else if (key == "seed") {
    if (!parse_u64(value, &c.seed))
      return what + " needs a number";
  } else {
    return "unknown fault '" + std::string(key) +
           "' (rx-drop, rx-dup, rx-reorder, rx-corrupt, rx-delay, tx-drop, tx-dup, tx-corrupt, "
           "reorder-depth, delay-ms, seed)";
  }
  return "";
}

ParsedOptions fail(std::string why) {
  ParsedOptions r;
  r.action = ParsedOptions::Action::kError;
  r.error = std::move(why);
  return r;
}

}  // namespace

std::string parse_fault_spec(std::string_view spec, stack::FaultConfig* out) {
  stack::FaultConfig c;
  while (!spec.empty()) {
    const size_t comma = spec.find(',');
    const std::string_view item = spec.substr(0, comma);
    if (std::string err = apply_fault_item(c, item); !err.empty()) return err;
    if (comma == std::string_view::npos) break;
    spec.remove_prefix(comma + 1);
  }
  if (!c.any()) return "names no fault with a non-zero fraction";
  *out = c;
  return "";
}

const char* usage_text() { return kUsage; }

bool is_option_name(std::string_view name) { return is_value_option(name); }

std::string apply_option(Config& c, std::string_view name, std::string_view value) {
  return apply(c, name, value);
}

ParsedOptions parse_options(const std::vector<std::string_view>& args,
                            const std::string& default_socket) {
  ParsedOptions r;
  Config& c = r.config;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "--help" || a == "-h") {
      r.action = ParsedOptions::Action::kHelp;
      return r;
    }
    if (a.substr(0, 2) != "--") return fail("unexpected argument '" + std::string(a) + "'; see xtcpd --help");
    std::string_view name = a, value;
    size_t eq = a.find('=');
    if (eq != std::string_view::npos) name = a.substr(0, eq);
    if (!is_value_option(name)) return fail("unknown option '" + std::string(name) + "'; see xtcpd --help");
    if (eq != std::string_view::npos) {
      value = a.substr(eq + 1);
    } else if (i + 1 < args.size() && args[i + 1].substr(0, 2) != "--") {
      value = args[++i];
    } else {
      return fail(std::string(a) + " needs a value; see xtcpd --help");
    }
    if (std::string err = apply(c, name, value); !err.empty()) return fail(err);
  }
  if (c.iface.empty()) return fail("--iface IF is required (the interface to attach to); see xtcpd --help");
  if (std::string err = check_sizes(c); !err.empty()) return fail(err);
  if (c.socket_path.empty()) c.socket_path = default_socket;
  std::sort(c.steer_ports.begin(), c.steer_ports.end());
  c.steer_ports.erase(std::unique(c.steer_ports.begin(), c.steer_ports.end()), c.steer_ports.end());
  r.action = ParsedOptions::Action::kRun;
  return r;
}

}  // namespace xtcp::daemon
