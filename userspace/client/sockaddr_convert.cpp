#include "client/sockaddr_convert.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace xtcp::client {

bool to_ctl_addr(const sockaddr* sa, socklen_t len, xtcp_ctl_addr* out) {
  *out = {};
  if (sa == nullptr || len < static_cast<socklen_t>(sizeof(sa_family_t))) return false;
  if (sa->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    sockaddr_in in;
    std::memcpy(&in, sa, sizeof(in));
    out->family = AF_INET;
    out->port = ntohs(in.sin_port);
    std::memcpy(out->addr, &in.sin_addr, 4);
    return true;
  }
  if (sa->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    sockaddr_in6 in6;
    std::memcpy(&in6, sa, sizeof(in6));
    out->family = AF_INET6;
    out->port = ntohs(in6.sin6_port);
    out->scope_id = in6.sin6_scope_id;
    std::memcpy(out->addr, &in6.sin6_addr, 16);
    return true;
  }
  return false;
}

void from_ctl_addr(const xtcp_ctl_addr& a, sockaddr_storage* out) {
  std::memset(out, 0, sizeof(*out));
  if (a.family == AF_INET) {
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(a.port);
    std::memcpy(&in.sin_addr, a.addr, 4);
    std::memcpy(out, &in, sizeof(in));
  } else if (a.family == AF_INET6) {
    sockaddr_in6 in6{};
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(a.port);
    in6.sin6_scope_id = a.scope_id;
    std::memcpy(&in6.sin6_addr, a.addr, 16);
    std::memcpy(out, &in6, sizeof(in6));
  }
}

}  // namespace xtcp::client
