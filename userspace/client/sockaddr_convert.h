// sockaddr <-> xtcp_ctl_addr (control.h): ports to host order, address
// bytes kept in network order.
#pragma once

#include <sys/socket.h>

#include "xtcp/control.h"

namespace xtcp::client {

// False for a family other than AF_INET/AF_INET6 or a short length.
bool to_ctl_addr(const sockaddr* sa, socklen_t len, xtcp_ctl_addr* out);
void from_ctl_addr(const xtcp_ctl_addr& a, sockaddr_storage* out);

}  // namespace xtcp::client
