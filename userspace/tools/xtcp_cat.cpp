// xtcp-cat: netcat over xtcp. See kCatUsage (cat_options.cpp) or --help.
//   xtcp-cat [--socket PATH] [--stats] -l [ADDR] PORT
//   xtcp-cat [--socket PATH] [--stats] HOST PORT
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <string>

#include "client/fd_limit.h"
#include "tools/cat_copy.h"
#include "tools/cat_options.h"
#include "xtcp_version.h"
#include "xtcp/xtcp.hpp"

namespace {

using xtcp::tools::CatOptions;

int fail(const std::string& sentence) {
  std::fprintf(stderr, "xtcp-cat: %s\n", sentence.c_str());
  return 1;
}

int fail_errno(const std::string& what) {
  const int err = errno;
  return fail(what + ": " + xtcp_strerror(err));
}

// Returns the connection's handle, or -1 after printing the error line.
int open_connection(xtcp::Context& ctx, const CatOptions& o) {
  sockaddr_storage addr;
  socklen_t len = 0;
  xtcp::tools::numeric_sockaddr(o.host, o.port, &addr, &len);  // checked by the parser
  const std::string where = xtcp::tools::sockaddr_text(addr);
  if (!o.listen) {
    const int s = xtcp_connect(ctx.get(), reinterpret_cast<sockaddr*>(&addr), len, nullptr, 0,
                               o.connect_timeout_ms);
    if (s < 0) return fail_errno("cannot connect to " + where), -1;
    if (o.verbose) std::fprintf(stderr, "xtcp-cat: connected to %s\n", where.c_str());
    return s;
  }
  xtcp::Listener l(ctx.get(), xtcp_listen(ctx.get(), reinterpret_cast<sockaddr*>(&addr), len, 1));
  if (!l) return fail_errno("cannot listen on " + where), -1;
  if (o.verbose) std::fprintf(stderr, "xtcp-cat: listening on %s\n", where.c_str());
  sockaddr_storage peer{};
  const int s = xtcp_accept(ctx.get(), l.handle(), &peer, -1);
  if (s < 0) return fail_errno("accept on " + where + " failed"), -1;
  if (o.verbose)
    std::fprintf(stderr, "xtcp-cat: connection from %s\n", xtcp::tools::sockaddr_text(peer).c_str());
  return s;  // the listener closes here: one connection only
}

void print_stats(const xtcp::tools::CopyResult& r, double seconds) {
  const double bits = 8.0 * static_cast<double>(r.sent + r.received);
  std::fprintf(stderr, "xtcp-cat: sent %llu bytes, received %llu bytes in %.3f s (%.1f Mbit/s)\n",
               static_cast<unsigned long long>(r.sent), static_cast<unsigned long long>(r.received),
               seconds, seconds > 0 ? bits / seconds / 1e6 : 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  xtcp::client::raise_fd_limit();
  CatOptions o;
  if (std::string err = xtcp::tools::parse_cat_args(argc, argv, &o); !err.empty()) return fail(err);
  if (o.help) return std::fputs(xtcp::tools::kCatUsage, stdout) < 0 ? 1 : 0;
  if (o.version) return std::printf("xtcp-cat %s\n", XTCP_VERSION) < 0 ? 1 : 0;
  signal(SIGPIPE, SIG_IGN);  // a closed stdout becomes EPIPE and one error line

  xtcp::Context ctx = xtcp::Context::open(o.socket.empty() ? nullptr : o.socket.c_str());
  if (!ctx) {
    const std::string detail = xtcp_last_error();
    return fail("cannot open a session with xtcpd: " +
                (detail.empty() ? std::string(xtcp_strerror(errno)) : detail));
  }
  const int s = open_connection(ctx, o);
  if (s < 0) return 1;
  const auto t0 = std::chrono::steady_clock::now();
  const xtcp::tools::CopyResult r = xtcp::tools::CatCopier(ctx.get(), s, STDIN_FILENO, STDOUT_FILENO).run();
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - t0;
  if (!r.error.empty()) return fail(r.error);
  xtcp_close(ctx.get(), s);  // FIN went out with shutdown(SHUT_WR) already
  if (o.stats) print_stats(r, took.count());
  return 0;
}
