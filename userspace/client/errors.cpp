// xtcp_strerror / xtcp_last_error: one sentence per error as libxtcp
// returns it (the meaning in this API, then what to do).
#include <cerrno>
#include <cstring>

#include "xtcp/xtcp.h"

namespace xtcp::client {
const char* last_error();
}

extern "C" const char* xtcp_strerror(int err) {
  switch (err) {
    case 0: return "success";
    case ENOENT: return "no xtcpd control socket at that path: start xtcpd or set XTCP_SOCKET to its --socket path";
    case ECONNREFUSED: return "connection refused: by the peer (no listener on that port), or, from xtcp_open, no xtcpd behind the control socket";
    case EACCES: return "permission denied: ports below 1024 need root or CAP_NET_BIND_SERVICE, and the control socket needs its group";
    case EADDRINUSE: return "address already in use: another xtcp or kernel socket holds that port";
    case EMFILE: return "too many sockets: the per-application limit of xtcpd was reached";
    case EAGAIN: return "the operation would block (non-blocking call); wait with xtcp_poll and retry";
    case ETIMEDOUT: return "timed out: the wait or the connection attempt took longer than allowed";
    case ECONNRESET: return "connection reset by the peer, or xtcpd closed the session";
    case EPIPE: return "the socket was shut down for sending";
    case EPROTO: return "xtcpd sent a malformed reply: library and daemon versions differ or the daemon is faulty";
    case EBADF: return "not a socket handle of this context (closed already, or a listener used as a connection)";
    case ENOTCONN: return "the session with xtcpd is gone: open a new context";
    case EINVAL: return "invalid argument";
    case ENOPROTOOPT: return "unknown option for xtcp_setopt/xtcp_getopt";
    default: {
      const char* s = strerrordesc_np(err);
      return s ? s : "unknown error";
    }
  }
}

extern "C" const char* xtcp_last_error(void) { return xtcp::client::last_error(); }
