// The sandbox's pieces (userspace/daemon/sandbox.h) on the real filter
// lists, each in a forked child so the test process keeps its freedom.
// tests/crash/sandbox.sh checks the same on a running xtcpd.
#include <linux/capability.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>

#include "daemon/resolution_helper.h"
#include "daemon/sandbox.h"

using namespace xtcp::daemon;

namespace {

// Runs `body` in a child; its wait status.
int in_child(const std::function<int()>& body) {
  const pid_t pid = fork();
  if (pid == 0) _exit(body());
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

bool killed_by_sigsys(int status) { return WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS; }
bool exited_zero(int status) {
  if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) std::fprintf(stderr, "child wait status %#x\n", status);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// A field of this thread's /proc status ("Seccomp", "CapEff", ...).
std::string status_field(const std::string& key) {
  std::ifstream in("/proc/thread-self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key + ":", 0) == 0) {
      std::string v = line.substr(key.size() + 1);
      return v.substr(v.find_first_not_of(" \t"));
    }
  return "";
}

const AllowedCall* find_call(const std::vector<AllowedCall>& calls, const char* name) {
  for (const AllowedCall& c : calls)
    if (std::strcmp(c.name, name) == 0) return &c;
  return nullptr;
}

}  // namespace

TEST_CASE("sandbox modes parse by name", "[sandbox]") {
  for (SandboxMode m : {SandboxMode::kOff, SandboxMode::kLog, SandboxMode::kEnforce}) {
    SandboxMode got = SandboxMode::kOff;
    REQUIRE(parse_sandbox_mode(sandbox_mode_name(m), &got));
    CHECK(got == m);
  }
  SandboxMode got = SandboxMode::kLog;
  CHECK_FALSE(parse_sandbox_mode("strict", &got));
  CHECK(got == SandboxMode::kLog);
}

TEST_CASE("the serving list leaves out what a hijacked thread would want", "[sandbox]") {
  const auto& calls = serving_syscalls();
  for (const char* name : {"execve", "execveat", "fork", "vfork", "clone3",
#if !defined(__SANITIZE_ADDRESS__)  // LeakSanitizer's exit check needs these
                           "clone", "ptrace",
#endif
                           "process_vm_readv", "process_vm_writev", "mount", "unshare", "setns",
                           "init_module", "finit_module", "setuid", "setresuid", "chmod",
                           "fchmodat", "chown", "reboot", "kexec_load", "keyctl", "io_uring_setup"})
    CHECK(find_call(calls, name) == nullptr);
  // bpf and socket only with the arguments serving needs.
  const AllowedCall* bpf = find_call(calls, "bpf");
  REQUIRE(bpf != nullptr);
  CHECK_FALSE(bpf->arg0.empty());
  const AllowedCall* sock = find_call(calls, "socket");
  REQUIRE(sock != nullptr);
  for (uint64_t family : sock->arg0) {
    CHECK(family != AF_PACKET);
    CHECK(family != AF_XDP);
  }
}

TEST_CASE("under enforce, an allowed call works and a forbidden one kills", "[sandbox]") {
  CHECK(exited_zero(in_child([] {
    if (!install_syscall_filter(SandboxMode::kEnforce, serving_syscalls()).empty()) return 1;
    // Still serving: files, sockets, eventfds, time.
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0) return 2;
    if (write(sv[0], "x", 1) != 1) return 3;
    char c = 0;
    if (read(sv[1], &c, 1) != 1 || c != 'x') return 4;
    if (status_field("Seccomp") != "2" || status_field("NoNewPrivs") != "1") return 5;
    return 0;
  })));
  CHECK(killed_by_sigsys(in_child([] {
    if (!install_syscall_filter(SandboxMode::kEnforce, serving_syscalls()).empty()) return 1;
    make_forbidden_call();
    return 0;
  })));
  // A socket family outside the list: an AF_PACKET socket.
  CHECK(killed_by_sigsys(in_child([] {
    if (!install_syscall_filter(SandboxMode::kEnforce, serving_syscalls()).empty()) return 1;
    (void)socket(AF_PACKET, SOCK_RAW, 0);
    return 0;
  })));
  // No new processes after attach.
  CHECK(killed_by_sigsys(in_child([] {
    if (!install_syscall_filter(SandboxMode::kEnforce, serving_syscalls()).empty()) return 1;
    (void)syscall(SYS_fork);
    return 0;
  })));
}

TEST_CASE("under log, a forbidden call is allowed (and logged by the kernel)", "[sandbox]") {
  CHECK(exited_zero(in_child([] {
    if (!install_syscall_filter(SandboxMode::kLog, serving_syscalls()).empty()) return 1;
    make_forbidden_call();  // reboot without CAP_SYS_BOOT or magic: an error, no more
    return status_field("Seccomp") == "2" ? 0 : 2;
  })));
}

TEST_CASE("off installs nothing", "[sandbox]") {
  CHECK(exited_zero(in_child([] {
    if (!install_syscall_filter(SandboxMode::kOff, serving_syscalls()).empty()) return 1;
    return status_field("Seccomp") == "0" ? 0 : 2;
  })));
}

TEST_CASE("the resolver helper's filter allows netlink and nothing like an inet socket",
          "[sandbox]") {
  CHECK(exited_zero(in_child([] {
    if (!install_syscall_filter(SandboxMode::kEnforce, resolution_helper_syscalls()).empty())
      return 1;
    const int fd = socket(AF_NETLINK, SOCK_RAW, 0);
    if (fd < 0) return 2;
    close(fd);
    return 0;
  })));
  CHECK(killed_by_sigsys(in_child([] {
    if (!install_syscall_filter(SandboxMode::kEnforce, resolution_helper_syscalls()).empty())
      return 1;
    (void)socket(AF_INET, SOCK_STREAM, 0);
    return 0;
  })));
}

TEST_CASE("dropping capabilities keeps only those asked for that were held", "[sandbox]") {
  CHECK(exited_zero(in_child([] {
    const bool had = std::stoull(status_field("CapEff"), nullptr, 16) >> CAP_NET_BIND_SERVICE & 1;
    if (!drop_thread_capabilities({CAP_NET_BIND_SERVICE}).empty()) return 1;
    const uint64_t eff = std::stoull(status_field("CapEff"), nullptr, 16);
    const uint64_t want = had ? uint64_t{1} << CAP_NET_BIND_SERVICE : 0;
    if (eff != want) return 2;
    if (std::stoull(status_field("CapPrm"), nullptr, 16) != want) return 3;
    if (std::stoull(status_field("CapAmb"), nullptr, 16) != 0) return 4;
    if (!drop_thread_capabilities({}).empty()) return 5;
    return std::stoull(status_field("CapEff"), nullptr, 16) == 0 ? 0 : 6;
  })));
}
