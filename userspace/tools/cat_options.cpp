#include "tools/cat_options.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>
#include <string_view>
#include <vector>

namespace xtcp::tools {

const char kCatUsage[] =
    "usage: xtcp-cat [options] -l [ADDR] PORT   accept one connection on ADDR:PORT\n"
    "       xtcp-cat [options] HOST PORT        connect to HOST:PORT\n"
    "Copies stdin to the connection and the connection to stdout at the same time\n"
    "over xtcp (through xtcpd). At the end of stdin the connection is shut down for\n"
    "sending (FIN after all data); the peer's FIN ends the receiving side. Exit 0\n"
    "when both directions finished cleanly, else one error line and exit 1.\n"
    "  ADDR, HOST       numeric IPv4 or IPv6 address (ADDR default 0.0.0.0;\n"
    "                   '::' or an IPv6 address listens on IPv6)\n"
    "  --socket PATH    xtcpd's control socket (default $XTCP_SOCKET, else\n"
    "                   /run/xtcp/xtcpd.sock)\n"
    "  --stats          on success print to stderr:\n"
    "                   xtcp-cat: sent N bytes, received M bytes in S s (X Mbit/s)\n"
    "                   (S from the connection's start; X counts both directions)\n"
    "  -v               say on stderr when listening and who connected\n"
    "  -w SECONDS       give up connecting after SECONDS (default 75)\n"
    "  --version        print the version and exit\n"
    "  -h, --help       this text\n";

namespace {

bool parse_uint(std::string_view s, unsigned long max, unsigned long* out) {
  unsigned long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v > max) return false;
  *out = v;
  return true;
}

std::string positionals(const std::vector<std::string_view>& pos, CatOptions* out) {
  const size_t want_min = out->listen ? 1 : 2;
  if (pos.size() < want_min || pos.size() > 2)
    return out->listen ? "-l takes [ADDR] PORT; see xtcp-cat --help"
                       : "expected HOST PORT (or -l [ADDR] PORT); see xtcp-cat --help";
  unsigned long port = 0;
  if (!parse_uint(pos.back(), 65535, &port) || port == 0)
    return "port '" + std::string(pos.back()) + "' is not a number from 1 to 65535";
  out->port = static_cast<uint16_t>(port);
  out->host = pos.size() == 2 ? std::string(pos[0]) : "0.0.0.0";
  sockaddr_storage ss;
  socklen_t len;
  if (!numeric_sockaddr(out->host, out->port, &ss, &len))
    return "'" + out->host + "' is not a numeric IPv4 or IPv6 address (names are not resolved)";
  return {};
}

}  // namespace

std::string parse_cat_args(int argc, const char* const* argv, CatOptions* out) {
  std::vector<std::string_view> pos;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "-h" || a == "--help") {
      out->help = true;
      return {};
    } else if (a == "--version") {
      out->version = true;
      return {};
    } else if (a == "-l") {
      out->listen = true;
    } else if (a == "--stats") {
      out->stats = true;
    } else if (a == "-v") {
      out->verbose = true;
    } else if (a == "--socket" && has_value) {
      out->socket = argv[++i];
    } else if (a.starts_with("--socket=")) {
      out->socket = std::string(a.substr(9));
    } else if (a == "-w" && has_value) {
      unsigned long s = 0;
      if (!parse_uint(argv[++i], 86400, &s) || s == 0)
        return "-w takes a number of seconds from 1 to 86400";
      out->connect_timeout_ms = static_cast<int>(s * 1000);
    } else if (a.size() > 1 && a[0] == '-') {
      return "unknown option '" + std::string(a) + "'; see xtcp-cat --help";
    } else {
      pos.push_back(a);
    }
  }
  return positionals(pos, out);
}

bool numeric_sockaddr(const std::string& host, uint16_t port, sockaddr_storage* out,
                      socklen_t* len) {
  std::memset(out, 0, sizeof(*out));
  std::string h = host;
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h.find(':') == std::string::npos) {
    // Dotted quad only: inet_pton refuses the legacy "1.2.3" forms.
    auto* v4 = reinterpret_cast<sockaddr_in*>(out);
    if (inet_pton(AF_INET, h.c_str(), &v4->sin_addr) != 1) return false;
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    *len = sizeof(*v4);
    return true;
  }
  // IPv6 through getaddrinfo, which also takes a scope ("fe80::1%eth0").
  addrinfo hints{};
  hints.ai_flags = AI_NUMERICHOST;
  hints.ai_family = AF_INET6;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(h.c_str(), nullptr, &hints, &res) != 0 || res == nullptr) return false;
  std::memcpy(out, res->ai_addr, res->ai_addrlen);
  *len = res->ai_addrlen;
  freeaddrinfo(res);
  reinterpret_cast<sockaddr_in6*>(out)->sin6_port = htons(port);
  return true;
}

std::string sockaddr_text(const sockaddr_storage& a) {
  char text[INET6_ADDRSTRLEN] = "?";
  if (a.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(a);
    inet_ntop(AF_INET, &v4.sin_addr, text, sizeof(text));
    return std::string(text) + ":" + std::to_string(ntohs(v4.sin_port));
  }
  if (a.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(a);
    inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof(text));
    return "[" + std::string(text) + "]:" + std::to_string(ntohs(v6.sin6_port));
  }
  return "?";
}

}  // namespace xtcp::tools
