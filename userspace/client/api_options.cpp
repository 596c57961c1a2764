// xtcp_setopt / xtcp_getopt: public option values <-> SET_/GET_OPTION.
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>

#include "client/context.h"

using namespace xtcp::client;

// The public structs are the wire structs under their public names.
static_assert(sizeof(xtcp_keepalive) == sizeof(xtcp_ctl_keepalive));
static_assert(offsetof(xtcp_keepalive, count) == offsetof(xtcp_ctl_keepalive, count));
static_assert(sizeof(xtcp_info) == sizeof(xtcp_ctl_tcp_info));
static_assert(offsetof(xtcp_info, total_retrans) == offsetof(xtcp_ctl_tcp_info, total_retrans));
static_assert(offsetof(xtcp_info, bytes_received) == offsetof(xtcp_ctl_tcp_info, bytes_received));
static_assert(int{XTCP_NODELAY} == int{XTCP_CTL_OPT_NODELAY} &&
              int{XTCP_KEEPALIVE} == int{XTCP_CTL_OPT_KEEPALIVE} &&
              int{XTCP_RCVBUF} == int{XTCP_CTL_OPT_RCVBUF} &&
              int{XTCP_SNDBUF} == int{XTCP_CTL_OPT_SNDBUF} &&
              int{XTCP_CONGESTION} == int{XTCP_CTL_OPT_CONGESTION} &&
              int{XTCP_INFO} == int{XTCP_CTL_OPT_INFO} &&
              int{XTCP_USER_TIMEOUT} == int{XTCP_CTL_OPT_USER_TIMEOUT},
              "public option numbers are the wire numbers");

namespace {

bool int_option(int option) {
  return option == XTCP_NODELAY || option == XTCP_RCVBUF || option == XTCP_SNDBUF ||
         option == XTCP_USER_TIMEOUT;
}

// Public value -> wire value; false if len does not fit the option.
bool encode(int option, const void* val, size_t len, xtcp_ctl_option* m) {
  if (int_option(option)) {
    int v;
    if (len != sizeof(v)) return false;
    std::memcpy(&v, val, sizeof(v));
    if (v < 0) return false;
    const uint32_t u = static_cast<uint32_t>(v);
    std::memcpy(m->value, &u, sizeof(u));
  } else if (option == XTCP_KEEPALIVE) {
    if (len != sizeof(xtcp_keepalive)) return false;
    std::memcpy(m->value, val, len);
  } else if (option == XTCP_CONGESTION) {
    // A C string up to 15 characters (len may include the NUL or not).
    const size_t n = strnlen(static_cast<const char*>(val), len);
    if (n == 0 || n >= XTCP_CTL_CC_NAME_LEN) return false;
    std::memcpy(m->value, val, n);
  } else {
    return false;
  }
  m->value_len = xtcp_ctl_option_size(static_cast<uint32_t>(option));
  return true;
}

}  // namespace

extern "C" int xtcp_setopt(xtcp_ctx* ctx, int sock, int option, const void* val, size_t len) {
  ConnHandle* c = ctx->conn(sock);
  if (!c) return bad_handle(sock, "a connection");
  if (option < 1 || option > XTCP_CTL_OPT_LAST)
    return fail(ENOPROTOOPT, "xtcp_setopt: unknown option " + std::to_string(option));
  if (option == XTCP_INFO) return fail(EINVAL, "xtcp_setopt: XTCP_INFO is read-only");
  xtcp_ctl_option m{};
  xtcp_ctl_header_init(&m.hdr, XTCP_CTL_SET_OPTION, sizeof(m), 0);
  m.conn_id = c->id;
  m.option = static_cast<uint32_t>(option);
  if (!val || !encode(option, val, len, &m) || xtcp_ctl_check_fields(&m, sizeof(m)) < 0)
    return fail(EINVAL, "xtcp_setopt: value or length out of range for option " + std::to_string(option));
  if (option == XTCP_NODELAY) {
    // Through the channel's flags: applied at the daemon's next look at the
    // rings, before any byte written after this call.
    int on;
    std::memcpy(&on, val, sizeof(on));
    c->channel.set_nodelay(on != 0);
    kick_if_needed(*c);
    return 0;
  }
  xtcp_ctl_ack r;
  if (int rc = ctx->link.request(&m, sizeof(m), &r, sizeof(r), {}); rc < 0)
    return fail_link(ctx->link, rc);
  return 0;
}

extern "C" int xtcp_getopt(xtcp_ctx* ctx, int sock, int option, void* val, size_t* len) {
  ConnHandle* c = ctx->conn(sock);
  if (!c) return bad_handle(sock, "a connection");
  if (option < 1 || option > XTCP_CTL_OPT_LAST)
    return fail(ENOPROTOOPT, "xtcp_getopt: unknown option " + std::to_string(option));
  const size_t wire = xtcp_ctl_option_size(static_cast<uint32_t>(option));
  const size_t need = int_option(option) ? sizeof(int) : wire;
  if (!val || !len || *len < need)
    return fail(EINVAL, "xtcp_getopt: buffer smaller than option " + std::to_string(option) + "'s value");
  if (option == XTCP_NODELAY) {  // the channel flag xtcp_setopt set
    const int v = c->channel.nodelay() ? 1 : 0;
    std::memcpy(val, &v, sizeof(v));
    *len = sizeof(v);
    return 0;
  }
  xtcp_ctl_option m{};
  xtcp_ctl_header_init(&m.hdr, XTCP_CTL_GET_OPTION, sizeof(m), 0);
  m.conn_id = c->id;
  m.option = static_cast<uint32_t>(option);
  xtcp_ctl_option r;
  if (int rc = ctx->link.request(&m, sizeof(m), &r, sizeof(r), {}); rc < 0)
    return fail_link(ctx->link, rc);
  if (r.option != m.option || r.conn_id != m.conn_id)
    return fail(EPROTO, "malformed reply from xtcpd: GET_OPTION answered for another option");
  if (int_option(option)) {
    uint32_t u;
    std::memcpy(&u, r.value, sizeof(u));
    const int v = u > 0x7fffffffu ? 0x7fffffff : static_cast<int>(u);
    std::memcpy(val, &v, sizeof(v));
  } else {
    std::memcpy(val, r.value, wire);
    // A name is always returned NUL-terminated.
    if (option == XTCP_CONGESTION) static_cast<char*>(val)[wire - 1] = '\0';
  }
  *len = need;
  return 0;
}
