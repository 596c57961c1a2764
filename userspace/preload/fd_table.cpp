// FdTable: fd -> Sock with dup reference counts. Callers hold the shim
// lock for put/release/share; get() is lock-free so kernel descriptors pay
// one load and nothing else.
#include "preload/fd_table.h"

namespace xtcp::preload {

bool FdTable::put(int fd, Sock* s) {
  if (fd < 0 || fd >= kMaxFd) return false;
  slots_[fd].store(s, std::memory_order_release);
  return true;
}

Sock* FdTable::release(int fd) {
  Sock* s = get(fd);
  if (!s) return nullptr;
  slots_[fd].store(nullptr, std::memory_order_release);
  return --s->refs == 0 ? s : nullptr;
}

bool FdTable::share(int from, int to) {
  Sock* s = get(from);
  if (!s || !put(to, s)) return false;
  ++s->refs;
  return true;
}

}  // namespace xtcp::preload
