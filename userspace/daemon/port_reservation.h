// PortReservation: a TCP port that xtcp uses, held in the kernel too, so
// kernel apps and xtcp never collide (issue 4, "Ports shared with the
// kernel"; docs/daemon-design.md).
//
// The hold is a kernel TCP socket bound to (address, port) and never put
// in LISTEN: it receives nothing (the XDP program steers the flow away from
// the kernel anyway), but it occupies the kernel's bind table, so
//   * a kernel bind() to a conflicting (address, port) fails with EADDRINUSE
//     (SO_REUSEADDR and SO_REUSEPORT are off on the hold, so neither helps
//     the other side);
//   * the kernel's connect() never picks it as an ephemeral source port
//     (a bound port is skipped by the ephemeral search);
//   * a port the kernel already uses is refused to xtcp with EADDRINUSE,
//     unless the listener asked for SO_REUSEADDR and only TIME-WAIT sockets
//     remain there (the kernel's own bind-conflict rule decides: both sides
//     must have had SO_REUSEADDR, socket(7); and since that rule also lets
//     a bind share a port with live connections, those are looked for and
//     refused too).
// It lives in the network namespace of the thread that calls socket(), so
// reserve from inside the daemon's namespace (the one that owns the
// interface xtcp is attached to).
//
// Not done here: sharing one local port between several active opens to
// different remotes (the kernel's IP_BIND_ADDRESS_NO_PORT + connect() trick).
// Every active open holds a port of its own, which caps an address at the
// size of ip_local_port_range concurrent active opens. IPv6 link-local
// addresses (which need a scope id) are not supported.
#pragma once

#include <cstdint>

#include "wire/ip_address.h"

namespace xtcp::daemon {

// The wildcard address of a family (0.0.0.0 or ::).
wire::IpAddress any_address(wire::IpFamily family);
bool is_wildcard(const wire::IpAddress& addr);

// Whether the hold may share its port with TIME-WAIT sockets (SO_REUSEADDR).
enum class PortSharing { kExclusive, kTimeWaitOk };

class PortReservation {
 public:
  PortReservation() = default;  // holds nothing
  ~PortReservation();
  PortReservation(PortReservation&& other) noexcept;
  PortReservation& operator=(PortReservation&& other) noexcept;
  PortReservation(const PortReservation&) = delete;
  PortReservation& operator=(const PortReservation&) = delete;

  // Reserves `port` on `local` (an address of this host, or any_address()
  // for every address of the family). Port 0 means reserve_ephemeral().
  // Returns 0 and fills *out, or
  //   -EADDRINUSE     a kernel socket or another reservation has the port
  //   -EACCES         port below net.ipv4.ip_unprivileged_port_start and the
  //                   daemon lacks CAP_NET_BIND_SERVICE
  //   -EADDRNOTAVAIL  `local` is not an address of this host (namespace)
  //   -EAFNOSUPPORT   family is neither IPv4 nor IPv6 (or disabled)
  //   other -errno    from socket() (EMFILE, ENOBUFS, ...)
  // An IPv6 reservation is IPV6_V6ONLY: [::]:p does not hold 0.0.0.0:p.
  // kTimeWaitOk binds with SO_REUSEADDR and clears it once bound, so the
  // hold is exclusive again for every later kernel bind.
  [[nodiscard]] static int reserve(const wire::IpAddress& local, uint16_t port,
                                   PortReservation* out,
                                   PortSharing sharing = PortSharing::kExclusive);

  // For active opens: the kernel picks a free port from
  // net.ipv4.ip_local_port_range (bind to port 0) and it is held like any
  // other. Errors as reserve(); -EADDRINUSE when the range is exhausted.
  [[nodiscard]] static int reserve_ephemeral(const wire::IpAddress& local,
                                             PortReservation* out);

  bool held() const { return fd_ >= 0; }
  uint16_t port() const { return port_; }  // host order; 0 when not held
  const wire::IpAddress& address() const { return addr_; }

  // Gives the port back to the kernel now (also done by the destructor).
  void release();

 private:
  int fd_ = -1;
  wire::IpAddress addr_;
  uint16_t port_ = 0;
};

}  // namespace xtcp::daemon
