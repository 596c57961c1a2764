// dlsym(RTLD_NEXT) lookups of the interposed libc functions.
#include "preload/real_calls.h"

#include <dlfcn.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace xtcp::preload {

namespace {

template <typename F>
void look_up(F*& slot, const char* name, bool optional = false) {
  slot = reinterpret_cast<F*>(dlsym(RTLD_NEXT, name));
  if (slot || optional) return;
  // No stdio here: the app's buffers are not ours to touch.
  const char* msg = "libxtcp-preload: libc lacks a function the shim needs: ";
  // A raw syscall: write() itself is interposed and may be what is missing.
  syscall(SYS_write, 2, msg, std::strlen(msg));
  syscall(SYS_write, 2, name, std::strlen(name));
  syscall(SYS_write, 2, "\n", 1);
  std::abort();
}

RealCalls resolve() {
  RealCalls r{};
  look_up(r.socket, "socket");
  look_up(r.bind, "bind");
  look_up(r.listen, "listen");
  look_up(r.accept4, "accept4");
  look_up(r.connect, "connect");
  look_up(r.close, "close");
  look_up(r.close_range, "close_range", true);
  look_up(r.dup, "dup");
  look_up(r.dup2, "dup2");
  look_up(r.dup3, "dup3");
  look_up(r.fcntl, "fcntl");
  look_up(r.ioctl, "ioctl");
  look_up(r.shutdown, "shutdown");
  look_up(r.getsockopt, "getsockopt");
  look_up(r.setsockopt, "setsockopt");
  look_up(r.getsockname, "getsockname");
  look_up(r.getpeername, "getpeername");
  look_up(r.read, "read");
  look_up(r.write, "write");
  look_up(r.readv, "readv");
  look_up(r.writev, "writev");
  look_up(r.recvfrom, "recvfrom");
  look_up(r.sendto, "sendto");
  look_up(r.recvmsg, "recvmsg");
  look_up(r.sendmsg, "sendmsg");
  look_up(r.poll, "poll");
  look_up(r.ppoll, "ppoll");
  look_up(r.select, "select");
  look_up(r.pselect, "pselect");
  look_up(r.epoll_ctl, "epoll_ctl");
  look_up(r.epoll_wait, "epoll_wait");
  look_up(r.epoll_pwait, "epoll_pwait");
  look_up(r.epoll_pwait2, "epoll_pwait2", true);
  look_up(r.sendfile, "sendfile");
  return r;
}

}  // namespace

const RealCalls& real() {
  static const RealCalls calls = resolve();
  return calls;
}

}  // namespace xtcp::preload
