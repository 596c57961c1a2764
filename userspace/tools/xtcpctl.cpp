// xtcpctl: talks to xtcpd over the control socket.
//   xtcpctl [--socket PATH] stats [--json]
//   xtcpctl [--socket PATH] conns [--json]
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "tools/conns_format.h"
#include "tools/control_client.h"
#include "tools/stats_format.h"

namespace {

constexpr const char kUsage[] =
    "usage: xtcpctl [--socket PATH] stats [--json]\n"
    "       xtcpctl [--socket PATH] conns [--json]\n"
    "  --socket PATH   xtcpd's control socket (default $XTCP_SOCKET, else\n"
    "                  " XTCP_CTL_DEFAULT_SOCKET ")\n"
    "  stats           print the daemon's counters (BPF steering, per queue)\n"
    "  conns           print every live connection, one row each (like ss -ti):\n"
    "                  state (RFC 9293 name), local and peer address:port\n"
    "                  (IPv6 as [addr]:port), shard (owning rx queue), owning\n"
    "                  app's pid, smoothed rtt/rttvar in ms, rto in ms, cwnd\n"
    "                  and ssthresh in bytes (inf: not yet set), mss,\n"
    "                  segments retransmitted, payload bytes sent (with\n"
    "                  retransmissions) / acked / received, rx queue (received,\n"
    "                  unread by the app) and tx queue (written, unacked)\n"
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

int run_stats(xtcp::tools::ControlClient& client, bool json) {
  xtcp::tools::StatsResult stats;
  if (client.stats(&stats) < 0) return fail(client.error());
  return print(json ? xtcp::tools::format_stats_json(stats) + "\n"
                    : xtcp::tools::format_stats_table(stats));
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

int run_conns(xtcp::tools::ControlClient& client, bool json) {
  std::vector<xtcp_ctl_conn_entry> conns;
  if (std::string err = fetch_conns(client, &conns); !err.empty()) return fail(err);
  return print(json ? xtcp::tools::format_conns_json(conns) + "\n"
                    : xtcp::tools::format_conns_table(conns));
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
    } else if (a == "--json" && !command.empty()) {
      json = true;
    } else if (command.empty() && (a == "stats" || a == "conns")) {
      command = a;
    } else {
      return fail("unexpected argument '" + std::string(a) + "'; see xtcpctl --help");
    }
  }
  if (command.empty())
    return fail("no command given; usage: xtcpctl [--socket PATH] stats|conns [--json]");
  xtcp::tools::ControlClient client;
  if (client.connect(socket) < 0) return fail(client.error());
  xtcp_ctl_hello_reply hello;
  if (client.hello("xtcpctl", &hello) < 0) return fail(client.error());
  return command == "stats" ? run_stats(client, json) : run_conns(client, json);
}
