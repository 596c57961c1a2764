// Descriptor limits for apps that hold many connections: libxtcp keeps two
// eventfds per connection (kick, notify), kernel sockets one.
#pragma once

namespace xtcp::tools {

// Raises RLIMIT_NOFILE: to the kernel's ceiling (fs.nr_open) when the
// process may raise its hard limit (root, CAP_SYS_RESOURCE), else the soft
// limit to the hard one. Best effort; never fails the caller.
void raise_fd_limit();

}  // namespace xtcp::tools
