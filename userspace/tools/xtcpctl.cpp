// xtcpctl: talks to xtcpd over the control socket.
//   xtcpctl [--socket PATH] stats [--json | --prometheus | --watch N [--count K]]
//   xtcpctl [--socket PATH] conns [--json] [--state S] [--sport P] [--dport P] [--port P]
#include <signal.h>
#include <time.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <thread>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "tools/conns_filter.h"
#include "tools/conns_format.h"
#include "tools/control_client.h"
#include "tools/stats_format.h"
#include "xtcp_version.h"

namespace {

constexpr const char kUsage[] =
    "usage: xtcpctl [--socket PATH] stats [--json | --prometheus | --watch N [--count K]]\n"
    "       xtcpctl [--socket PATH] conns [--json] [--state S] [--sport P] [--dport P] [--port P]\n"
    "  --socket PATH   xtcpd's control socket (default $XTCP_SOCKET, else\n"
    "                  " XTCP_CTL_DEFAULT_SOCKET ")\n"
    "  --version       print the version and exit\n"
    "  stats           print the daemon's counters (BPF steering, per queue)\n"
    "  --prometheus    stats in Prometheus' text format (xtcp_* metrics with\n"
    "                  iface and queue labels; counters end in _total)\n"
    "  --watch N       every N seconds, what changed: counters as increase and\n"
    "                  rate per second, gauges as level and change (like nstat);\n"
    "                  until interrupted, or K intervals with --count K\n"
    "  conns           print every live connection, one row each (like ss -ti):\n"
    "                  state (RFC 9293 name), local and peer address:port\n"
    "                  (IPv6 as [addr]:port), shard (owning rx queue), owning\n"
    "                  app's pid, smoothed rtt/rttvar in ms, rto in ms, cwnd\n"
    "                  and ssthresh in bytes (inf: not yet set), mss,\n"
    "                  segments retransmitted, payload bytes sent (with\n"
    "                  retransmissions) / acked / received, rx queue (received,\n"
    "                  unread by the app) and tx queue (written, unacked)\n"
    "  --state S       conns in these states only: established, syn-sent,\n"
    "                  time-wait, ... (comma-separated or repeated; like ss)\n"
    "  --sport P, --dport P, --port P\n"
    "                  conns whose local, peer, or either port is P\n"
    "  --json          one JSON object instead of a table\n"
    "\n"
    "conns --json keys (stable):\n"
    "  {\"connections\":[{\"state\",\"local\",\"peer\",\"local_port\",\"peer_port\",\n"
    "    \"shard\",\"pid\",\"rtt_ms\",\"rttvar_ms\",\"rto_ms\",\"cwnd\",\"ssthresh\",\"mss\",\n"
    "    \"retransmits\",\"bytes_sent\",\"bytes_acked\",\"bytes_received\",\n"
    "    \"rx_queue\",\"tx_queue\"}, ...], \"total\":N}\n";

// A snapshot larger than this is a broken reply, not a real table.
constexpr uint32_t kMaxConnections = 1u << 24;

int fail(const std::string& sentence) {
  std::fprintf(stderr, "xtcpctl: %s\n", sentence.c_str());
  return 1;
}

int print(const std::string& text) {
  std::fputs(text.c_str(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

enum class StatsFormat { kTable, kJson, kPrometheus };

int run_stats(xtcp::tools::ControlClient& client, StatsFormat format) {
  xtcp::tools::StatsResult stats;
  if (client.stats(&stats) < 0) return fail(client.error());
  switch (format) {
    case StatsFormat::kJson: return print(xtcp::tools::format_stats_json(stats) + "\n");
    case StatsFormat::kPrometheus: return print(xtcp::tools::format_stats_prometheus(stats));
    case StatsFormat::kTable: break;
  }
  return print(xtcp::tools::format_stats_table(stats));
}

volatile sig_atomic_t g_interrupted = 0;

std::string utc_now() {
  char buf[32];
  const time_t t = time(nullptr);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// count 0: until SIGINT/SIGTERM.
int run_watch(xtcp::tools::ControlClient& client, int interval_s, long count) {
  signal(SIGINT, [](int) { g_interrupted = 1; });
  signal(SIGTERM, [](int) { g_interrupted = 1; });
  using Clock = std::chrono::steady_clock;
  xtcp::tools::StatsResult before, after;
  if (client.stats(&before) < 0) return fail(client.error());
  auto t0 = Clock::now();
  for (long i = 0; (count == 0 || i < count) && !g_interrupted; ++i) {
    const auto next = t0 + std::chrono::seconds(interval_s);
    while (Clock::now() < next && !g_interrupted) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (g_interrupted) break;
    if (client.stats(&after) < 0) return fail(client.error());
    const auto t1 = Clock::now();
    const double seconds = std::chrono::duration<double>(t1 - t0).count();
    if (print("-- " + utc_now() + " " + after.iface + "\n" +
              xtcp::tools::format_stats_rates(before, after, seconds)) != 0)
      return 1;
    before = std::move(after);
    t0 = t1;
  }
  return 0;
}

// Every page of one snapshot (first == 0 takes it, later pages read it).
// Returns an empty string or the sentence to print.
std::string fetch_conns(xtcp::tools::ControlClient& client, std::vector<xtcp_ctl_conn_entry>* out) {
  std::vector<uint8_t> reply;
  uint32_t total = 0;
  do {
    xtcp_ctl_conns_request m{};
    xtcp_ctl_header_init(&m.hdr, XTCP_CTL_CONNS_REQUEST, sizeof(m), 0);
    m.first = static_cast<uint32_t>(out->size());
    if (int rc = client.request(&m, sizeof(m), reply); rc < 0) {
      if (rc == -ENOMSG || rc == -ENOSYS)
        return "this xtcpd does not serve the connection table (" + std::string(strerror(-rc)) +
               "); update xtcpd to a version with 'xtcpctl conns' support";
      return client.error();
    }
    xtcp_ctl_conns_reply r;
    std::memcpy(&r, reply.data(), sizeof(r));  // validated: at least this long
    const bool first_page = out->empty();
    if (r.hdr.type != XTCP_CTL_CONNS_REPLY || r.first != m.first ||
        (!first_page && r.total != total) || r.total > kMaxConnections ||
        (r.count == 0 && r.first < r.total) || r.first + r.count > r.total)
      return "unexpected conns reply from xtcpd (page " + std::to_string(m.first) +
             "); versions differ?";
    total = r.total;
    for (uint32_t i = 0; i < r.count; ++i) {
      xtcp_ctl_conn_entry e;
      std::memcpy(&e, reply.data() + sizeof(r) + i * sizeof(e), sizeof(e));
      out->push_back(e);
    }
  } while (out->size() < total);
  return {};
}

int run_conns(xtcp::tools::ControlClient& client, bool json, const xtcp::tools::ConnsFilter& filter) {
  std::vector<xtcp_ctl_conn_entry> all;
  if (std::string err = fetch_conns(client, &all); !err.empty()) return fail(err);
  const std::vector<xtcp_ctl_conn_entry> conns = xtcp::tools::filter_conns(all, filter);
  return print(json ? xtcp::tools::format_conns_json(conns) + "\n"
                    : xtcp::tools::format_conns_table(conns));
}

bool parse_positive(std::string_view v, long max, long* out) {
  long n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size() || n < 1 || n > max) return false;
  *out = n;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string socket = xtcp::tools::default_control_socket();
  std::string command;
  bool json = false, prometheus = false;
  long watch = 0, count = 0;
  xtcp::tools::ConnsFilter filter;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    // "--opt value" or "--opt=value" for the options that take one.
    std::string_view name = a, value;
    bool has_value = false;
    if (const size_t eq = a.find('='); a.substr(0, 2) == "--" && eq != std::string_view::npos)
      name = a.substr(0, eq), value = a.substr(eq + 1), has_value = true;
    auto take = [&]() -> bool {
      if (has_value) return true;
      if (i + 1 >= argc) return false;
      value = argv[++i];
      return true;
    };
    const bool stats = command == "stats", conns = command == "conns";
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--version") {
      std::printf("xtcpctl %s\n", XTCP_VERSION);
      return 0;
    } else if (name == "--socket") {
      if (!take()) return fail("--socket needs a path; see xtcpctl --help");
      socket = std::string(value);
    } else if (a == "--json" && !command.empty()) {
      json = true;
    } else if (a == "--prometheus" && stats) {
      prometheus = true;
    } else if (name == "--watch" && stats) {
      if (!take() || !parse_positive(value, 86400, &watch))
        return fail("--watch needs seconds from 1 to 86400; see xtcpctl --help");
    } else if (name == "--count" && stats) {
      if (!take() || !parse_positive(value, 1L << 30, &count))
        return fail("--count needs a positive number of intervals; see xtcpctl --help");
    } else if (name == "--state" && conns) {
      if (!take()) return fail("--state needs a state name; see xtcpctl --help");
      if (std::string err = xtcp::tools::add_state_filter(value, &filter); !err.empty()) return fail(err);
    } else if ((name == "--sport" || name == "--dport" || name == "--port") && conns) {
      int* port = name == "--sport" ? &filter.sport : name == "--dport" ? &filter.dport : &filter.port;
      if (!take()) return fail(std::string(name) + " needs a port; see xtcpctl --help");
      if (std::string err = xtcp::tools::parse_port_filter(name, value, port); !err.empty()) return fail(err);
    } else if (command.empty() && (a == "stats" || a == "conns")) {
      command = a;
    } else {
      return fail("unexpected argument '" + std::string(a) + "'; see xtcpctl --help");
    }
  }
  if (command.empty())
    return fail("no command given; usage: xtcpctl [--socket PATH] stats|conns [--json]");
  if (int(json) + int(prometheus) + int(watch > 0) > 1)
    return fail("stats takes one of --json, --prometheus and --watch; see xtcpctl --help");
  if (count > 0 && watch == 0) return fail("--count goes with --watch N; see xtcpctl --help");
  xtcp::tools::ControlClient client;
  if (client.connect(socket) < 0) return fail(client.error());
  xtcp_ctl_hello_reply hello;
  if (client.hello("xtcpctl", &hello) < 0) return fail(client.error());
  if (command == "conns") return run_conns(client, json, filter);
  if (watch > 0) return run_watch(client, static_cast<int>(watch), count);
  return run_stats(client, json ? StatsFormat::kJson : prometheus ? StatsFormat::kPrometheus : StatsFormat::kTable);
}
