#include "client/fd_limit.h"

#include <sys/resource.h>

#include <cstdio>

namespace xtcp::client {

void raise_fd_limit() {
  rlimit r;
  if (getrlimit(RLIMIT_NOFILE, &r) != 0) return;
  unsigned long nr_open = 0;
  if (FILE* f = std::fopen("/proc/sys/fs/nr_open", "r")) {
    if (std::fscanf(f, "%lu", &nr_open) != 1) nr_open = 0;
    std::fclose(f);
  }
  if (nr_open > r.rlim_max) {
    const rlimit wanted{nr_open, nr_open};
    if (setrlimit(RLIMIT_NOFILE, &wanted) == 0) return;
  }
  r.rlim_cur = r.rlim_max;
  (void)setrlimit(RLIMIT_NOFILE, &r);
}

}  // namespace xtcp::client
