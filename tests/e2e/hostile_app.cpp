// xtcp-e2e-hostile: an application that attacks xtcpd the two ways issue 4
// says the daemon must survive (hostile_app.sh drives it).
//
//   xtcp-e2e-hostile [--socket PATH] garbage
//     Malformed datagrams, each on a fresh control session: every one must
//     be answered by XTCP_CTL_ERROR with the documented code (control.h,
//     xtcp_ctl_validate) and the session closed; a well-formed request the
//     daemon refuses keeps its session; a fresh HELLO still works. Exit 0
//     only if every case behaved.
//
//   xtcp-e2e-hostile [--socket PATH] tamper PORT SECONDS
//     LISTENs on PORT, prints `listening PORT`, ACCEPTs two connections,
//     maps their channels and writes impossible indices: connection 1
//     tx.prod far beyond tx.cons + tx_size, connection 2 rx.cons beyond
//     rx.prod; kicks each. Then keeps the session open for SECONDS (so a
//     reset the peer sees comes from the violation, not from app death)
//     and prints the events each channel reports.
//
//   xtcp-e2e-hostile [--socket PATH] limit IPV4 PORT N
//     One app opens N connections (raw CONNECTs), the next must draw
//     EMFILE (xtcpd --max-app-conns N); a second app still connects.
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "client/fd_passing.h"
#include "xtcp/channel_abi.h"
#include "xtcp/channel_access.hpp"
#include "xtcp/control.h"

namespace xtcp::e2e {
namespace {

using Bytes = std::vector<uint8_t>;

int open_session(const char* path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0) return fd;
  std::fprintf(stderr, "xtcp-e2e-hostile: cannot reach xtcpd at %s: %s\n", path, strerror(errno));
  if (fd >= 0) close(fd);
  return -1;
}

// One datagram with descriptors, or n == 0 when the daemon closed, n < 0
// on error or after timeout_ms without one.
struct Received {
  ssize_t n = -1;
  Bytes buf;
  int fds[client::kMaxPassedFds];
  size_t nfds = 0;
};

Received receive(int fd, int timeout_ms) {
  Received r;
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) return r;
  r.buf.resize(XTCP_CTL_MAX_MESSAGE + 1);
  r.n = client::recv_fds(fd, r.buf, r.fds, &r.nfds);
  r.buf.resize(r.n > 0 ? static_cast<size_t>(r.n) : 0);
  return r;
}

template <class Msg>
Bytes message(uint16_t type, uint32_t seq) {
  Bytes b(sizeof(Msg), 0);
  xtcp_ctl_header h;
  xtcp_ctl_header_init(&h, type, sizeof(Msg), seq);
  std::memcpy(b.data(), &h, sizeof(h));
  return b;
}

xtcp_ctl_header header_of(const Bytes& b) {
  xtcp_ctl_header h{};
  std::memcpy(&h, b.data(), std::min(b.size(), sizeof(h)));
  return h;
}

void set_header(Bytes& b, const xtcp_ctl_header& h) { std::memcpy(b.data(), &h, sizeof(h)); }

// A garbage case: the datagram and the error code it must draw (0: any).
struct Case {
  const char* what;
  Bytes datagram;
  int code;
};

std::vector<Case> garbage_cases() {
  std::vector<Case> cases;
  std::mt19937 rng(4);
  Bytes random(64);
  for (auto& b : random) b = static_cast<uint8_t>(rng());
  random[0] = 0;  // not XTCP_CTL_MAGIC's first byte ('X')
  cases.push_back({"random bytes", random, EPROTO});
  Bytes hello = message<xtcp_ctl_hello>(XTCP_CTL_HELLO, 7);
  cases.push_back({"truncated header", Bytes(hello.begin(), hello.begin() + 10), EBADMSG});
  Bytes m = hello;
  auto h = header_of(m);
  h.magic ^= 1;
  set_header(m, h);
  cases.push_back({"wrong magic", m, EPROTO});
  m = hello;
  h = header_of(m);
  h.version = XTCP_CTL_VERSION + 1;
  set_header(m, h);
  cases.push_back({"wrong version", m, EPROTONOSUPPORT});
  m = hello;
  h = header_of(m);
  h.length += 8;
  set_header(m, h);
  cases.push_back({"length field larger than the datagram", m, EBADMSG});
  m = hello;
  h = header_of(m);
  h.type = XTCP_CTL_STATS_REQUEST;
  set_header(m, h);
  cases.push_back({"size does not fit the type", m, EBADMSG});
  m = hello;
  h = header_of(m);
  h.type = 9;
  set_header(m, h);
  cases.push_back({"unknown type", m, ENOMSG});
  cases.push_back({"a reply type", message<xtcp_ctl_hello_reply>(XTCP_CTL_HELLO_REPLY, 7), 0});
  m.assign(XTCP_CTL_MAX_MESSAGE + 64, 0xab);
  xtcp_ctl_header_init(&h, XTCP_CTL_HELLO, static_cast<uint32_t>(m.size()), 7);
  set_header(m, h);
  cases.push_back({"larger than XTCP_CTL_MAX_MESSAGE", m, EMSGSIZE});
  return cases;
}

// The reply must be a well-formed ERROR with the expected code, then EOF.
std::string check_error_then_close(int fd, int code) {
  Received r = receive(fd, 5000);
  if (r.n < 0) return "no reply within 5 s";
  if (r.n == 0) return "session closed without an ERROR reply";
  if (xtcp_ctl_validate(r.buf.data(), r.buf.size()) < 0) return "the reply is malformed";
  auto h = header_of(r.buf);
  if (h.type != XTCP_CTL_ERROR) return "reply type " + std::to_string(h.type) + ", not ERROR";
  xtcp_ctl_error e;
  std::memcpy(&e, r.buf.data(), sizeof(e));
  e.text[sizeof(e.text) - 1] = 0;
  std::printf("    ERROR code %d (%s): %s\n", e.code, strerror(e.code), e.text);
  if (code != 0 && e.code != code)
    return "code " + std::to_string(e.code) + ", documented " + std::to_string(code) + " (" +
           strerror(code) + ")";
  Received after = receive(fd, 5000);
  if (after.n != 0) return "the session stayed open after the ERROR";
  return "";
}

bool hello_works(const char* path) {
  int fd = open_session(path);
  if (fd < 0) return false;
  Bytes m = message<xtcp_ctl_hello>(XTCP_CTL_HELLO, 1);
  bool ok = false;
  if (send(fd, m.data(), m.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(m.size())) {
    Received r = receive(fd, 5000);
    ok = r.n > 0 && header_of(r.buf).type == XTCP_CTL_HELLO_REPLY;
  }
  close(fd);
  return ok;
}

// A well-formed request with a bad argument (LISTEN on port 0) draws an
// ERROR and the session stays open (control.h): HELLO then still works.
std::string check_refusal_keeps_session(const char* path) {
  int fd = open_session(path);
  if (fd < 0) return "cannot connect";
  Bytes m = message<xtcp_ctl_listen>(XTCP_CTL_LISTEN, 3);
  xtcp_ctl_listen l;
  std::memcpy(&l, m.data(), sizeof(l));
  l.local.family = AF_INET;
  l.backlog = 1;
  std::memcpy(m.data(), &l, sizeof(l));
  std::string why;
  send(fd, m.data(), m.size(), MSG_NOSIGNAL);
  Received r = receive(fd, 5000);
  if (r.n <= 0 || header_of(r.buf).type != XTCP_CTL_ERROR) why = "LISTEN on port 0 drew no ERROR";
  Bytes hello = message<xtcp_ctl_hello>(XTCP_CTL_HELLO, 4);
  send(fd, hello.data(), hello.size(), MSG_NOSIGNAL);
  Received r2 = receive(fd, 5000);
  if (why.empty() && (r2.n <= 0 || header_of(r2.buf).type != XTCP_CTL_HELLO_REPLY))
    why = "the session did not answer HELLO after a refused request";
  close(fd);
  return why;
}

std::string check_share_ticket(const char* path, uint16_t port);

int run_garbage(const char* path) {
  int failures = 0;
  for (const Case& c : garbage_cases()) {
    int fd = open_session(path);
    if (fd < 0) return 1;
    std::printf("  %s (%zu bytes)\n", c.what, c.datagram.size());
    std::string why;
    if (send(fd, c.datagram.data(), c.datagram.size(), MSG_NOSIGNAL) < 0)
      why = std::string("send: ") + strerror(errno);
    else
      why = check_error_then_close(fd, c.code);
    close(fd);
    std::printf("  %s: %s\n", why.empty() ? "ok" : "FAIL", why.empty() ? c.what : why.c_str());
    failures += !why.empty();
  }
  std::string why = check_refusal_keeps_session(path);
  std::printf("  %s: refused LISTEN keeps the session%s%s\n", why.empty() ? "ok" : "FAIL",
              why.empty() ? "" : ": ", why.c_str());
  failures += !why.empty();
  why = check_share_ticket(path, 7311);
  std::printf("  %s: share tickets: a forged key is refused, a shared listener outlives the session that listened%s%s\n",
              why.empty() ? "ok" : "FAIL", why.empty() ? "" : ": ", why.c_str());
  failures += !why.empty();
  const bool hello = hello_works(path);
  std::printf("  %s: a fresh session still gets a HELLO reply\n", hello ? "ok" : "FAIL");
  failures += !hello;
  std::printf("garbage: %d failure(s)\n", failures);
  return failures == 0 ? 0 : 1;
}


// ---- tamper ---------------------------------------------------------------

struct Conn {
  uint32_t id = 0;
  xtcp_chan_header* hdr = nullptr;
  int kick = -1;
  int notify = -1;
};

// LISTEN on 0.0.0.0:port; returns the listener id (0 on failure) and the
// whole reply in *reply when asked.
uint32_t listen_on(int fd, uint16_t port, int* ready_fd, xtcp_ctl_listen_reply* reply = nullptr) {
  Bytes m = message<xtcp_ctl_listen>(XTCP_CTL_LISTEN, 10);
  xtcp_ctl_listen l;
  std::memcpy(&l, m.data(), sizeof(l));
  l.local.family = AF_INET;
  l.local.port = port;
  l.backlog = 16;
  std::memcpy(m.data(), &l, sizeof(l));
  send(fd, m.data(), m.size(), MSG_NOSIGNAL);
  Received r = receive(fd, 5000);
  if (r.n <= 0 || header_of(r.buf).type != XTCP_CTL_LISTEN_REPLY || r.nfds != 1) {
    std::fprintf(stderr, "xtcp-e2e-hostile: LISTEN on %u failed (reply type %u, %zu fds)\n", port,
                 r.n > 0 ? header_of(r.buf).type : 0u, r.nfds);
    for (size_t i = 0; i < r.nfds; ++i) close(r.fds[i]);
    return 0;
  }
  *ready_fd = r.fds[0];
  xtcp_ctl_listen_reply lr;
  std::memcpy(&lr, r.buf.data(), sizeof(lr));
  if (reply) *reply = lr;
  return lr.listener_id;
}

// One request, its reply's type (0: none within 5 s); descriptors closed.
uint16_t ask(int fd, const Bytes& m, Bytes* reply = nullptr) {
  send(fd, m.data(), m.size(), MSG_NOSIGNAL);
  Received r = receive(fd, 5000);
  for (size_t i = 0; i < r.nfds; ++i) close(r.fds[i]);
  if (reply) *reply = r.buf;
  return r.n > 0 ? header_of(r.buf).type : 0;
}

Bytes share_msg(const xtcp_ctl_listen_reply& ticket, bool forge) {
  Bytes m = message<xtcp_ctl_share>(XTCP_CTL_SHARE, 9);
  xtcp_ctl_share sh;
  std::memcpy(&sh, m.data(), sizeof(sh));
  sh.share_id = ticket.share_id;
  std::memcpy(sh.share_key, ticket.share_key, sizeof(sh.share_key));
  if (forge) sh.share_key[5] ^= 0x40;  // one bit off
  std::memcpy(m.data(), &sh, sizeof(sh));
  return m;
}

// A listener's share ticket (control.h, SHARE): a forged key draws EBADF
// and the session stays; the real one joins the listener, which then
// outlives the session that listened (ACCEPT says EAGAIN, not EBADF).
std::string check_share_ticket(const char* path, uint16_t port) {
  const int a = open_session(path), b = open_session(path);
  std::string why;
  int ready = -1;
  xtcp_ctl_listen_reply ticket{};
  if (a < 0 || b < 0 || listen_on(a, port, &ready, &ticket) == 0) why = "cannot listen";
  Bytes reply;
  if (why.empty() && ask(b, share_msg(ticket, true), &reply) != XTCP_CTL_ERROR)
    why = "a forged share key drew no ERROR";
  xtcp_ctl_error e{};
  if (why.empty()) std::memcpy(&e, reply.data(), std::min(reply.size(), sizeof(e)));
  if (why.empty() && e.code != EBADF) why = "a forged share key drew code " + std::to_string(e.code) + ", not EBADF";
  if (why.empty() && ask(b, share_msg(ticket, false), &reply) != XTCP_CTL_SHARE_REPLY)
    why = "the real ticket drew no SHARE_REPLY";
  xtcp_ctl_listen_reply joined{};
  if (why.empty()) std::memcpy(&joined, reply.data(), sizeof(joined));
  if (a >= 0) close(a);  // the listening session ends; b still holds it
  Bytes acc = message<xtcp_ctl_accept>(XTCP_CTL_ACCEPT, 10);
  xtcp_ctl_accept am;
  std::memcpy(&am, acc.data(), sizeof(am));
  am.listener_id = joined.listener_id;
  std::memcpy(acc.data(), &am, sizeof(am));
  usleep(200 * 1000);  // the daemon handles a's hang-up first
  if (why.empty() && (ask(b, acc, &reply) != XTCP_CTL_ERROR ||
                      (std::memcpy(&e, reply.data(), sizeof(e)), e.code != EAGAIN)))
    why = "the shared listener did not outlive the session that listened (ACCEPT: code " +
          std::to_string(e.code) + ")";
  if (ready >= 0) close(ready);
  if (b >= 0) close(b);
  return why;
}

// Maps the channel memfd after checking it is what channel_abi.h says.
xtcp_chan_header* map_channel(int memfd) {
  struct stat st;
  if (fstat(memfd, &st) != 0 || st.st_size < static_cast<off_t>(XTCP_CHAN_HEADER_SIZE))
    return nullptr;
  void* p = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ | PROT_WRITE, MAP_SHARED,
                 memfd, 0);
  if (p == MAP_FAILED) return nullptr;
  auto* h = static_cast<xtcp_chan_header*>(p);
  if (h->magic != XTCP_CHAN_MAGIC || h->total_size != static_cast<uint64_t>(st.st_size))
    return nullptr;
  return h;
}

// ACCEPTs one connection, waiting on the listener's ready eventfd between
// tries (EAGAIN: none queued yet).
int accept_one(int fd, uint32_t listener, int ready_fd, Conn* c, int timeout_ms) {
  for (int waited = 0; waited <= timeout_ms; waited += 100) {
    Bytes m = message<xtcp_ctl_accept>(XTCP_CTL_ACCEPT, 20);
    xtcp_ctl_accept a;
    std::memcpy(&a, m.data(), sizeof(a));
    a.listener_id = listener;
    std::memcpy(m.data(), &a, sizeof(a));
    send(fd, m.data(), m.size(), MSG_NOSIGNAL);
    Received r = receive(fd, 5000);
    if (r.n > 0 && header_of(r.buf).type == XTCP_CTL_ACCEPT_REPLY && r.nfds == 3) {
      xtcp_ctl_conn_reply cr;
      std::memcpy(&cr, r.buf.data(), sizeof(cr));
      c->id = cr.conn_id;
      c->hdr = map_channel(r.fds[0]);
      close(r.fds[0]);
      c->kick = r.fds[1];
      c->notify = r.fds[2];
      return c->hdr ? 0 : -1;
    }
    for (size_t i = 0; i < r.nfds; ++i) close(r.fds[i]);
    pollfd p{ready_fd, POLLIN, 0};
    if (poll(&p, 1, 100) > 0) {
      uint64_t v;
      if (read(ready_fd, &v, sizeof(v)) < 0) return -1;
    }
  }
  return -1;
}

void kick(const Conn& c) {
  uint64_t one = 1;
  if (write(c.kick, &one, sizeof(one)) != sizeof(one)) std::perror("kick");
}

// Impossible indices (channel_abi.h: prod - cons never exceeds the size).
void tamper_tx(Conn& c) {
  const uint64_t cons = channel::load(c.hdr->tx.cons.value, std::memory_order_acquire);
  channel::store(c.hdr->tx.prod.value, cons + c.hdr->tx_size * 1024 + 1, std::memory_order_release);
  kick(c);
}

void tamper_rx(Conn& c) {
  const uint64_t prod = channel::load(c.hdr->rx.prod.value, std::memory_order_acquire);
  channel::store(c.hdr->rx.cons.value, prod + c.hdr->rx_size * 4 + 1, std::memory_order_release);
  kick(c);
}

void report(const char* what, const Conn& c) {
  const uint64_t ev = channel::load(c.hdr->events, std::memory_order_acquire);
  std::printf("%s: conn %u events=0x%llx error=%d closed=%d errno=%llu state=%llu\n", what, c.id,
              static_cast<unsigned long long>(ev), (ev & XTCP_CHAN_EV_ERROR) != 0,
              (ev & XTCP_CHAN_EV_CLOSED) != 0,
              static_cast<unsigned long long>(xtcp_chan_events_errno(ev)),
              static_cast<unsigned long long>(xtcp_chan_events_state(ev)));
  std::fflush(stdout);
}

// Keeps the session (and so the connections) for `seconds`, reporting the
// channels' events when they change.
void hold(Conn (&conns)[2], int seconds) {
  uint64_t last[2] = {~0ull, ~0ull};
  for (int t = 0; t < seconds * 10; ++t) {
    for (int i = 0; i < 2; ++i) {
      const uint64_t ev = channel::load(conns[i].hdr->events, std::memory_order_acquire);
      if (ev != last[i]) report(i == 0 ? "tx-tampered" : "rx-tampered", conns[i]);
      last[i] = ev;
    }
    usleep(100 * 1000);
  }
}

int run_tamper(const char* path, uint16_t port, int seconds) {
  int fd = open_session(path);
  int ready = -1;
  const uint32_t listener = fd < 0 ? 0 : listen_on(fd, port, &ready);
  if (listener == 0) return 1;
  std::printf("listening %u\n", port);
  std::fflush(stdout);
  Conn conns[2];
  for (Conn& c : conns) {
    if (accept_one(fd, listener, ready, &c, 20000) < 0) {
      std::fprintf(stderr, "xtcp-e2e-hostile: no usable connection accepted within 20 s\n");
      return 1;
    }
  }
  // Let data flow first, so both rings are in use when the lies arrive.
  usleep(300 * 1000);
  tamper_tx(conns[0]);
  report("tx-tampered", conns[0]);
  tamper_rx(conns[1]);
  report("rx-tampered", conns[1]);
  hold(conns, seconds);
  close(fd);
  return 0;
}

// One CONNECT to ipv4:port on session fd: 0 (CONNECT_REPLY with three
// descriptors, closed again here) or the ERROR's code (-1: no answer).
int connect_once(int fd, const uint8_t (&ipv4)[4], uint16_t port, uint32_t seq) {
  Bytes m = message<xtcp_ctl_connect>(XTCP_CTL_CONNECT, seq);
  xtcp_ctl_connect c;
  std::memcpy(&c, m.data(), sizeof(c));
  c.remote.family = AF_INET;
  c.remote.port = port;
  std::memcpy(c.remote.addr, ipv4, 4);
  std::memcpy(m.data(), &c, sizeof(c));
  send(fd, m.data(), m.size(), MSG_NOSIGNAL);
  Received r = receive(fd, 5000);
  for (size_t i = 0; i < r.nfds; ++i) close(r.fds[i]);
  if (r.n <= 0) return -1;
  const xtcp_ctl_header h = header_of(r.buf);
  if (h.type == XTCP_CTL_CONNECT_REPLY && r.nfds == 3) return 0;
  if (h.type != XTCP_CTL_ERROR) return -1;
  xtcp_ctl_error e;
  std::memcpy(&e, r.buf.data(), sizeof(e));
  std::printf("refused: %d %s\n", e.code, e.text);
  return e.code;
}

// Session A opens `limit` connections, the next one must be refused with
// EMFILE; session B (another app) must still connect: the limit is per app.
int run_limit(const char* path, const char* host, uint16_t port, int limit) {
  uint8_t ip[4];
  if (std::sscanf(host, "%hhu.%hhu.%hhu.%hhu", &ip[0], &ip[1], &ip[2], &ip[3]) != 4) return 2;
  const int a = open_session(path);
  const int b = open_session(path);
  if (a < 0 || b < 0) return 1;
  for (int i = 0; i < limit; ++i) {
    if (int rc = connect_once(a, ip, port, 100 + i); rc != 0) {
      std::printf("FAIL: connection %d of %d refused (%d)\n", i + 1, limit, rc);
      return 1;
    }
  }
  const int over = connect_once(a, ip, port, 200);
  if (over != EMFILE) {
    std::printf("FAIL: connection %d drew %d, want EMFILE (%d)\n", limit + 1, over, EMFILE);
    return 1;
  }
  if (int rc = connect_once(b, ip, port, 300); rc != 0) {
    std::printf("FAIL: another app could not connect (%d)\n", rc);
    return 1;
  }
  std::printf("limit ok: %d connections, then EMFILE; another app still connects\n", limit);
  close(a);
  close(b);
  return 0;
}

}  // namespace
}  // namespace xtcp::e2e

int main(int argc, char** argv) {
  const char* path = xtcp_ctl_socket_path();
  int i = 1;
  if (i + 1 < argc && std::strcmp(argv[i], "--socket") == 0) {
    path = argv[i + 1];
    i += 2;
  }
  if (i < argc && std::strcmp(argv[i], "garbage") == 0) return xtcp::e2e::run_garbage(path);
  if (i + 2 < argc && std::strcmp(argv[i], "tamper") == 0)
    return xtcp::e2e::run_tamper(path, static_cast<uint16_t>(std::atoi(argv[i + 1])),
                                 std::atoi(argv[i + 2]));
  if (i + 3 < argc && std::strcmp(argv[i], "limit") == 0)
    return xtcp::e2e::run_limit(path, argv[i + 1], static_cast<uint16_t>(std::atoi(argv[i + 2])),
                                std::atoi(argv[i + 3]));
  std::fprintf(stderr,
               "usage: xtcp-e2e-hostile [--socket PATH] garbage | tamper PORT SECONDS | "
               "limit IPV4 PORT N\n");
  return 2;
}
