// Descriptor limits for processes that hold many connections: libxtcp
// keeps two eventfds per connection (kick, notify), xtcpd three (memfd,
// kick, notify) plus a kernel port reservation per active open.
#pragma once

namespace xtcp::client {

// Raises RLIMIT_NOFILE: to the kernel's ceiling (fs.nr_open) when the
// process may raise its hard limit (root, CAP_SYS_RESOURCE), else the soft
// limit to the hard one. Best effort; never fails the caller.
void raise_fd_limit();

}  // namespace xtcp::client
