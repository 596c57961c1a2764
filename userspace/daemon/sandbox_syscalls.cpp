// The system calls xtcpd makes once it serves (sandbox.h), and the
// resolver helper's. Checked by running the whole test suite under
// `--sandbox log` and then `enforce`: the kernel logged no call outside the
// list (`dmesg | grep type=1326`). The benchmarks have not been run under it.
// Left out on purpose, so that a hijacked thread cannot use them: execve and
// execveat, fork, vfork and clone (no new processes or threads after
// attach), ptrace, process_vm_*, mount and the namespace calls, bpf program
// loads and attaches, module and keyring calls, AF_PACKET and AF_XDP
// sockets, chmod/chown, setuid and friends, reboot.
#include <linux/bpf.h>
#include <sys/socket.h>

#include "daemon/resolution_helper.h"
#include "daemon/sandbox.h"

namespace xtcp::daemon {

const std::vector<AllowedCall>& serving_syscalls() {
  static const std::vector<AllowedCall> calls = {
      // memory: channels (memfd rings), allocator, thread stacks already made
      {"brk", {}}, {"mmap", {}}, {"munmap", {}}, {"mremap", {}}, {"mprotect", {}},
      {"madvise", {}}, {"memfd_create", {}}, {"ftruncate", {}}, {"fallocate", {}},
      // descriptors and files (stats, /proc reads for peer checks, unlink of
      // the control socket at exit)
      {"read", {}}, {"write", {}}, {"readv", {}}, {"writev", {}}, {"pread64", {}},
      {"pwrite64", {}}, {"close", {}}, {"close_range", {}}, {"openat", {}}, {"open", {}},
      {"fstat", {}}, {"newfstatat", {}}, {"stat", {}}, {"lstat", {}}, {"statx", {}},
      {"lseek", {}}, {"fcntl", {}}, {"dup", {}}, {"dup3", {}}, {"unlink", {}},
      {"unlinkat", {}}, {"getdents64", {}}, {"readlink", {}}, {"readlinkat", {}},
      {"ioctl", {}}, {"pipe2", {}}, {"pipe", {}},
      // waiting and waking
      {"poll", {}}, {"ppoll", {}}, {"epoll_wait", {}}, {"epoll_pwait", {}},
      {"epoll_pwait2", {}}, {"epoll_ctl", {}}, {"epoll_create1", {}}, {"eventfd2", {}},
      {"futex", {}}, {"sched_yield", {}}, {"nanosleep", {}}, {"clock_nanosleep", {}},
      {"clock_gettime", {}}, {"gettimeofday", {}}, {"timerfd_create", {}},
      {"timerfd_settime", {}}, {"restart_syscall", {}},
      // sockets: the control socket and SCM_RIGHTS, port reservations
      // (AF_INET/AF_INET6), rtnetlink lookups, AF_XDP kicks on the
      // existing XSKs (sendto/recvfrom with no data)
      {"socket", {AF_UNIX, AF_INET, AF_INET6, AF_NETLINK}},
      {"socketpair", {AF_UNIX}}, {"bind", {}}, {"listen", {}}, {"accept4", {}}, {"accept", {}},
      {"connect", {}}, {"getsockname", {}}, {"getpeername", {}}, {"getsockopt", {}},
      {"setsockopt", {}}, {"sendto", {}}, {"recvfrom", {}}, {"sendmsg", {}},
      {"recvmsg", {}}, {"sendmmsg", {}}, {"recvmmsg", {}}, {"shutdown", {}},
      // BPF map updates by descriptor (flows, listeners); no loads
      {"bpf",
       {BPF_MAP_LOOKUP_ELEM, BPF_MAP_UPDATE_ELEM, BPF_MAP_DELETE_ELEM, BPF_MAP_GET_NEXT_KEY,
        BPF_MAP_LOOKUP_BATCH, BPF_MAP_UPDATE_BATCH, BPF_MAP_DELETE_BATCH,
        BPF_OBJ_GET_INFO_BY_FD}},
      // apps' processes: pidfds (SO_PEERPIDFD) polled for exit
      {"pidfd_open", {}},
      // the resolver helper, reaped at exit
      {"wait4", {}}, {"waitid", {}},
      // identity, signals, exit
      {"getpid", {}}, {"gettid", {}}, {"getppid", {}}, {"getuid", {}}, {"geteuid", {}},
      {"getgid", {}}, {"getegid", {}}, {"getrandom", {}}, {"uname", {}},
      {"sched_getaffinity", {}}, {"getrlimit", {}}, {"prlimit64", {}}, {"getrusage", {}},
      {"rt_sigprocmask", {}}, {"rt_sigreturn", {}}, {"rt_sigaction", {}}, {"sigaltstack", {}},
      {"signalfd4", {}}, {"tgkill", {}}, {"exit", {}}, {"exit_group", {}},
      {"prctl", {}}, {"capget", {}}, {"rseq", {}}, {"set_robust_list", {}},
#if defined(__SANITIZE_ADDRESS__)
      // Test builds under ASan: LeakSanitizer's check at exit stops the
      // threads from a tracer it clones and ptraces them.
      {"clone", {}}, {"ptrace", {}}, {"getdents", {}}, {"sched_getparam", {}},
      {"arch_prctl", {}},
#endif
  };
  return calls;
}

const std::vector<AllowedCall>& resolution_helper_syscalls() {
  static const std::vector<AllowedCall> calls = {
      {"recvfrom", {}}, {"recvmsg", {}}, {"read", {}}, {"write", {}},
      {"socket", {AF_NETLINK}}, {"setsockopt", {}}, {"sendto", {}}, {"sendmsg", {}},
      {"close", {}}, {"brk", {}}, {"mmap", {}}, {"munmap", {}}, {"futex", {}},
      {"rt_sigreturn", {}}, {"restart_syscall", {}}, {"exit", {}}, {"exit_group", {}},
      {"pipe2", {}}, {"sigaltstack", {}}, {"madvise", {}},  // ASan: memory probes, thread exit
  };
  return calls;
}

}  // namespace xtcp::daemon
