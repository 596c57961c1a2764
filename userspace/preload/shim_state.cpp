// The per-process context, the policy and the fork handlers.
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "preload/shim.h"
#include "preload/shim_convert.h"
#include "tools/control_client.h"

namespace xtcp::preload {

thread_local int t_inside __attribute__((tls_model("initial-exec"))) = 0;

Shim& shim() {
  static Shim* s = new Shim;  // never destroyed: atexit order must not matter
  return *s;
}

void warn(const char* fmt, ...) {
  char line[512];
  int n = std::snprintf(line, sizeof line, "libxtcp-preload: ");
  va_list ap;
  va_start(ap, fmt);
  n += std::vsnprintf(line + n, sizeof line - n, fmt, ap);
  va_end(ap);
  if (n > static_cast<int>(sizeof line) - 2) n = sizeof line - 2;
  line[n++] = '\n';
  (void)!real().write(2, line, n);
}

namespace {

bool env_true(const char* name) {
  const char* v = getenv(name);
  return v && *v && std::strcmp(v, "0") != 0;
}

int prefix_len(const sockaddr* mask) {
  const uint8_t* b;
  int n;
  if (mask->sa_family == AF_INET) {
    b = reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in*>(mask)->sin_addr);
    n = 4;
  } else {
    b = reinterpret_cast<const sockaddr_in6*>(mask)->sin6_addr.s6_addr;
    n = 16;
  }
  int bits = 0;
  for (int i = 0; i < n; ++i) bits += __builtin_popcount(b[i]);
  return bits;
}

// The interface xtcpd serves (from its STATS reply) and its addresses.
bool learn_interface(AddrPolicy& policy, const char* sock_path) {
  tools::ControlClient cc;
  tools::StatsResult st;
  if (cc.connect(sock_path) < 0 || cc.stats(&st) < 0) {
    warn("cannot ask xtcpd which interface it serves: %s", cc.error().c_str());
    return false;
  }
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return false;
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || !i->ifa_netmask || st.iface != i->ifa_name) continue;
    if (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6) continue;
    policy.add_own(i->ifa_addr, prefix_len(i->ifa_netmask));
  }
  freeifaddrs(list);
  if (policy.size() == 0) warn("interface %s has no IP address: TCP stays on the kernel", st.iface.c_str());
  return policy.size() > 0;
}

bool learn_policy(AddrPolicy& policy, const char* sock_path) {
  policy.set_wildcard_xtcp(!env_true("XTCP_RUN_WILDCARD_KERNEL"));
  if (const char* nets = getenv("XTCP_RUN_NETS"); nets && *nets) {
    if (policy.parse_nets(nets)) return true;
    warn("XTCP_RUN_NETS=\"%s\" is not a list of ADDRESS[/PREFIX]: TCP stays on the kernel", nets);
    return false;
  }
  return learn_interface(policy, sock_path);
}

const char* socket_path() {
  const char* path = getenv("XTCP_SOCKET");
  return path && *path ? path : XTCP_CTL_DEFAULT_SOCKET;
}

void open_context(Shim& s) {
  s.tried = true;
  if (env_true("XTCP_RUN_DISABLE")) {
    s.disabled = true;
    return;
  }
  const char* path = socket_path();
  s.ctx = xtcp_open(path);
  if (!s.ctx) {
    warn("xtcpd is not reachable at %s (%s): TCP stays on the kernel", path, xtcp_last_error());
    s.disabled = true;
    return;
  }
  s.ctx_pid = getpid();
  if (s.policy.size() == 0 && !learn_policy(s.policy, path)) s.disabled = true;
}

// What the parent prepares for a child about to be forked: a session of the
// child's own, opened before fork() with the parent's listeners joined to it
// (so a parent that exits at once, as a daemonising server does, cannot
// drop them before the child holds them, and a child that drops privileges
// needs no access to the control socket). Guarded by mu, which the fork
// handlers hold from prepare to parent/child.
struct ForkHandoff {
  struct Joined {
    Sock* sock;
    int h, h2;
  };
  xtcp_ctx* ctx = nullptr;
  std::vector<Joined> joined;
};
ForkHandoff g_handoff;

// One listener handle of `from` joined to `to`, or -1.
int join_listener(xtcp_ctx* to, xtcp_ctx* from, int h) {
  xtcp_share_ticket t;
  if (xtcp_listener_ticket(from, h, &t) < 0) return -1;
  return xtcp_listen_share(to, &t);
}

// Joins every listener of this process to a new session for the child.
void prepare_handoff(Shim& s) {
  for (int fd = 0; fd < FdTable::kMaxFd; ++fd) {
    Sock* k = s.fds.get(fd);
    if (!k || k->kind != SockKind::kListener || !is_live(k)) continue;
    bool joined = false;  // a dup'ed listener shows up at each of its fds
    for (const ForkHandoff::Joined& j : g_handoff.joined) joined |= j.sock == k;
    if (joined) continue;
    if (!g_handoff.ctx && !(g_handoff.ctx = xtcp_open(socket_path()))) {
      warn("a forked child cannot share this process's listeners: %s", xtcp_last_error());
      return;
    }
    const int h = join_listener(g_handoff.ctx, s.ctx, k->h);
    const int h2 = h >= 0 && k->h2 >= 0 ? join_listener(g_handoff.ctx, s.ctx, k->h2) : -1;
    if (h < 0 || (k->h2 >= 0 && h2 < 0)) {
      warn("a forked child cannot share a listener: %s", xtcp_last_error());
      if (h >= 0) xtcp_close(g_handoff.ctx, h);
      continue;
    }
    g_handoff.joined.push_back({k, h, h2});
  }
}

void before_fork() {
  Shim& s = shim();
  s.mu.lock();
  if (!s.ctx || s.disabled) return;
  ++t_inside;  // libxtcp's own socket calls go straight to libc
  prepare_handoff(s);
  --t_inside;
}

// The parent keeps nothing of the child's session: its copy of the
// descriptors closes, and xtcpd hears nothing (the child holds them now).
void after_fork() {
  Shim& s = shim();
  ++t_inside;
  xtcp_forget_inherited(g_handoff.ctx);
  --t_inside;
  g_handoff = ForkHandoff{};
  s.mu.unlock();
}

// A child shares the parent's control socket: it must never use the
// parent's context. Listeners it inherited are its own through the session
// the parent prepared (they accept as with the kernel); inherited
// connections stay the parent's and are unusable here (EBADF,
// docs/preload.md). The parent's context copy is freed without a word to
// xtcpd: its descriptors close here, so the parent's session still ends with
// the parent.
void in_child() {
  Shim& s = shim();
  xtcp_ctx* inherited = s.ctx;
  s.ctx = g_handoff.ctx;
  s.ctx_pid = getpid();
  s.tried = s.ctx != nullptr;
  s.disabled = false;
  ++t_inside;
  // Each descriptor of a joined listener gets a placeholder over this
  // process's handles: the inherited one watches the parent's, which close.
  for (int fd = 0; fd < FdTable::kMaxFd && !g_handoff.joined.empty(); ++fd) {
    Sock* k = s.fds.get(fd);
    if (!k) continue;
    for (const ForkHandoff::Joined& j : g_handoff.joined) {
      if (j.sock != k) continue;
      const bool nonblock = k->nonblock;
      if (!become_listener(s.ctx, fd, k, j.h, j.h2))
        warn("fd %d: a listener inherited over fork is unusable here: %s", fd, strerror(errno));
      k->nonblock = nonblock;
      break;
    }
  }
  g_handoff = ForkHandoff{};
  xtcp_forget_inherited(inherited);
  --t_inside;
  s.mu.unlock();
}

__attribute__((constructor)) void shim_init() {
  real();
  shim();
  pthread_atfork(before_fork, after_fork, in_child);
}

}  // namespace

xtcp_ctx* context_locked() {
  Shim& s = shim();
  if (!s.tried) open_context(s);
  return s.disabled ? nullptr : s.ctx;
}

void to_app_addr(int domain, const sockaddr_storage& in, sockaddr* out, socklen_t* len) {
  if (!out || !len) return;
  sockaddr_storage tmp{};
  socklen_t need;
  if (domain == AF_INET6 && in.ss_family == AF_INET) {
    const auto& a4 = reinterpret_cast<const sockaddr_in&>(in);
    auto& a6 = reinterpret_cast<sockaddr_in6&>(tmp);
    a6.sin6_family = AF_INET6;
    a6.sin6_port = a4.sin_port;
    a6.sin6_addr.s6_addr[10] = 0xff;
    a6.sin6_addr.s6_addr[11] = 0xff;
    std::memcpy(a6.sin6_addr.s6_addr + 12, &a4.sin_addr, 4);
    need = sizeof(sockaddr_in6);
  } else {
    std::memcpy(&tmp, &in, sizeof tmp);
    need = in.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  }
  std::memcpy(out, &tmp, *len < need ? *len : need);  // truncated like the kernel
  *len = need;
}

}  // namespace xtcp::preload
