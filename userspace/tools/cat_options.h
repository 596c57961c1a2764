// xtcp-cat's command line and numeric address parsing (no I/O, testable).
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>

namespace xtcp::tools {

struct CatOptions {
  static constexpr int kDefaultConnectTimeoutMs = 75'000;  // BSD connect(2)'s classic bound

  std::string socket;  // empty: $XTCP_SOCKET, else the default path
  bool listen = false;
  std::string host;    // -l: local address (default 0.0.0.0); else the peer
  uint16_t port = 0;
  bool stats = false;
  bool verbose = false;
  bool help = false;
  bool version = false;
  int connect_timeout_ms = kDefaultConnectTimeoutMs;
};

extern const char kCatUsage[];

// Fills *out from argv; returns "" or one sentence saying what is wrong.
std::string parse_cat_args(int argc, const char* const* argv, CatOptions* out);

// A numeric IPv4 or IPv6 literal ("10.77.0.1", "fd77::1", "[fd77::1]",
// "fe80::1%eth0") plus port into *out. False when host is not numeric.
bool numeric_sockaddr(const std::string& host, uint16_t port, sockaddr_storage* out,
                      socklen_t* len);

// "10.77.0.1:5001" / "[fd77::1]:5001" for messages.
std::string sockaddr_text(const sockaddr_storage& a);

}  // namespace xtcp::tools
