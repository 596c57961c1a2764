// xtcp-run [options] -- CMD ARGS...: runs an unmodified program with
// libxtcp-preload.so preloaded, so its TCP sockets on xtcpd's interface go
// through xtcp (docs/preload.md). Prints one line on stderr saying so, or a
// warning when the daemon is not reachable (the program then runs on
// kernel TCP, without the shim).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "tools/control_client.h"
#include "xtcp_version.h"

namespace {

void usage(FILE* f) {
  std::fprintf(f,
               "usage: xtcp-run [options] [--] CMD [ARGS...]\n"
               "Runs CMD with its TCP sockets on xtcp (LD_PRELOAD=libxtcp-preload.so).\n"
               "  --socket PATH     xtcpd's control socket (default $XTCP_SOCKET, else %s)\n"
               "  --nets LIST       networks that go through xtcp, e.g. 10.75.0.0/24,fd75::/64\n"
               "                    (default: the addresses of the interface xtcpd serves)\n"
               "  --kernel-wildcard bind(0.0.0.0 / ::) stays on the kernel\n"
               "  --preload PATH    the shim library (default: beside xtcp-run, else\n"
               "                    " XTCP_PRELOAD_RELATIVE " from it, else " XTCP_PRELOAD_INSTALLED ")\n"
               "  --print-preload   print the shim library xtcp-run would use and exit\n"
               "  -q, --quiet       no line on stderr when xtcp is in use\n"
               "  --version         print the version and exit\n"
               "  -h, --help        this text\n",
               XTCP_CTL_DEFAULT_SOCKET);
}

bool readable(const std::string& p) { return !p.empty() && access(p.c_str(), R_OK) == 0; }

// Beside our own binary (the build tree), else where the installation put
// it relative to our binary (bin/../lib: any prefix, DESTDIR staging), else
// the library directory configured at build time.
std::string find_preload() {
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    self[n] = '\0';
    std::string dir(self);
    dir.erase(dir.rfind('/') + 1);
    for (const std::string& p : {dir + "libxtcp-preload.so", dir + XTCP_PRELOAD_RELATIVE})
      if (readable(p)) return p;
  }
  return XTCP_PRELOAD_INSTALLED;
}

struct Options {
  std::string socket;
  std::string preload;
  bool quiet = false;
  bool print_preload = false;
  int cmd = 0;  // argv index of CMD
};

int parse(int argc, char** argv, Options* o) {
  int i = 1;
  for (; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* name) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "xtcp-run: %s needs a value\n", name);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--") { ++i; break; }
    if (a == "-h" || a == "--help") { usage(stdout); std::exit(0); }
    if (a == "--version") { std::printf("xtcp-run %s\n", XTCP_VERSION); std::exit(0); }
    if (a == "-q" || a == "--quiet") o->quiet = true;
    else if (a == "--print-preload") o->print_preload = true;
    else if (a == "--socket") o->socket = value("--socket");
    else if (a == "--preload") o->preload = value("--preload");
    else if (a == "--nets") setenv("XTCP_RUN_NETS", value("--nets"), 1);
    else if (a == "--kernel-wildcard") setenv("XTCP_RUN_WILDCARD_KERNEL", "1", 1);
    else if (a.size() > 1 && a[0] == '-') {
      std::fprintf(stderr, "xtcp-run: unknown option %s (see --help)\n", a.c_str());
      return -1;
    } else break;
  }
  if (o->print_preload) return 0;
  if (i >= argc) {
    usage(stderr);
    return -1;
  }
  o->cmd = i;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (parse(argc, argv, &o) < 0) return 2;
  if (o.socket.empty()) o.socket = xtcp::tools::default_control_socket();
  if (o.preload.empty()) o.preload = find_preload();
  if (o.print_preload) {
    std::printf("%s\n", o.preload.c_str());
    return readable(o.preload) ? 0 : 1;
  }
  const char* cmd = argv[o.cmd];

  xtcp::tools::ControlClient cc;
  xtcp_ctl_hello_reply hello{};
  const bool up = cc.connect(o.socket, 2000) == 0 && cc.hello("xtcp-run", &hello) == 0;
  if (!up) {
    std::fprintf(stderr, "xtcp-run: warning: xtcpd is not reachable at %s (%s); %s runs on kernel TCP\n",
                 o.socket.c_str(), cc.error().c_str(), cmd);
  } else if (!readable(o.preload)) {
    std::fprintf(stderr, "xtcp-run: warning: %s is missing; %s runs on kernel TCP\n", o.preload.c_str(), cmd);
  } else {
    std::string pre = o.preload;
    if (const char* old = getenv("LD_PRELOAD"); old && *old) pre += std::string(" ") + old;
    setenv("LD_PRELOAD", pre.c_str(), 1);
    setenv("XTCP_SOCKET", o.socket.c_str(), 1);
    if (!o.quiet) std::fprintf(stderr, "xtcp-run: %s on xtcp via %s\n", cmd, o.socket.c_str());
  }
  execvp(cmd, argv + o.cmd);
  std::fprintf(stderr, "xtcp-run: cannot run %s: %s\n", cmd, std::strerror(errno));
  return 127;
}
