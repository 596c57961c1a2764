// xtcp-http-example: a small HTTP/1.x server on libxtcp, in one thread.
//
// Usage:
//   xtcp-http-example [--socket PATH] [--addr ADDR] --port P [--root DIR]
//                     [--max-conns N]
//     --socket PATH   xtcpd's control socket (default $XTCP_SOCKET, else
//                     /run/xtcp/xtcpd.sock)
//     --addr ADDR     numeric IPv4/IPv6 address to listen on (default 0.0.0.0)
//     --port P        port to listen on (1..65535)
//     --root DIR      serve files under DIR (without it only /gen/N exists)
//     --max-conns N   connections served at once (default 1024); more wait in
//                     the listener's backlog
//
// Requests: GET and HEAD, HTTP/1.0 and 1.1, one request per connection
// (every response says "Connection: close"):
//   GET /gen/N   N bytes (0..1 GiB), byte i = (i * 7 + i / 4096) & 0xff,
//                application/octet-stream; generated in 64 KiB chunks
//   GET /PATH    the file PATH under --root: 403 for ".." or a path that
//                leaves the root, 404 when missing
//   otherwise    400 (malformed), 405 (other methods), all with
//                Content-Length
//
// How it uses libxtcp: xtcp_poll over the listener and every connection;
// the listener is drained with xtcp_accept(timeout 0) until EAGAIN; every
// send/recv is non-blocking. When the whole response is queued it calls
// xtcp_shutdown(SHUT_WR) (the FIN follows the last byte) and waits for the
// client's FIN (at most kDrainMs) before xtcp_close, so no response byte is
// lost to a reset.
//
// Prints "listening on ADDR:PORT" (flushed) once the listener exists.
// SIGTERM/SIGINT: exit 0. Errors: one line on stderr, exit 1.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http_request.h"
#include "xtcp/xtcp.h"

namespace {

using namespace xtcp::examples;
using Clock = std::chrono::steady_clock;

constexpr int kPollMs = 200;           // also how fast a signal is noticed
constexpr int64_t kRequestMs = 30000;  // a client gets this long to send its request
constexpr int64_t kDrainMs = 5000;     // wait for the client's FIN after our response
constexpr size_t kChunk = 64 * 1024;

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

struct Options {
  const char* socket = nullptr;
  std::string addr = "0.0.0.0";
  uint16_t port = 0;
  std::string root;
  size_t max_conns = 1024;
};

enum class Phase { kRequest, kRespond, kDrain };

struct Conn {
  int sock = -1;
  Phase phase = Phase::kRequest;
  Clock::time_point since = Clock::now();
  std::string request;
  std::string head;  // response head (+ a text body)
  size_t head_off = 0;
  BodyKind body = BodyKind::kNone;
  uint64_t body_off = 0, body_len = 0;
  int file_fd = -1;
  ~Conn() {
    if (file_fd >= 0) close(file_fd);
  }
};

int fail(const std::string& sentence) {
  std::fprintf(stderr, "xtcp-http-example: %s\n", sentence.c_str());
  return 1;
}

void raise_nofile_limit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

bool parse_number(std::string_view s, uint64_t max, uint64_t* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size() && *out <= max;
}

std::string parse_args(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    uint64_t n = 0;
    if (a == "--help" || a == "-h") return "help";
    if (!v) return "option '" + std::string(a) + "' needs a value (or is unknown); see --help";
    ++i;
    if (a == "--socket") o->socket = v;
    else if (a == "--addr") o->addr = v;
    else if (a == "--root") o->root = v;
    else if (a == "--port" && parse_number(v, 65535, &n) && n > 0) o->port = static_cast<uint16_t>(n);
    else if (a == "--max-conns" && parse_number(v, 1u << 20, &n) && n > 0) o->max_conns = n;
    else return "bad option '" + std::string(a) + " " + v + "'; see --help";
  }
  return o->port == 0 ? "--port P is required; see --help" : "";
}

int64_t ms_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

class Server {
 public:
  Server(xtcp_ctx* ctx, int listener, const Options& o)
      : ctx_(ctx), listener_(listener), opt_(o), chunk_(kChunk) {}
  ~Server() {
    for (auto& c : conns_) xtcp_close(ctx_, c->sock);
  }
  int run();

 private:
  void accept_all();
  bool on_request(Conn& c);  // false: close the connection
  bool on_respond(Conn& c);
  bool on_drain(Conn& c);
  void start_response(Conn& c, const Response& r);
  bool timed_out(const Conn& c) const;

  xtcp_ctx* ctx_;
  int listener_;
  Options opt_;
  std::vector<uint8_t> chunk_;  // one scratch buffer for every connection
  std::vector<std::unique_ptr<Conn>> conns_;
  std::vector<xtcp_pollitem> items_;
};

void Server::accept_all() {
  while (conns_.size() < opt_.max_conns) {
    const int s = xtcp_accept(ctx_, listener_, nullptr, 0);
    if (s < 0) {
      if (errno != EAGAIN) std::fprintf(stderr, "xtcp-http-example: accept: %s\n", xtcp_strerror(errno));
      return;
    }
    auto c = std::make_unique<Conn>();
    c->sock = s;
    conns_.push_back(std::move(c));
  }
}

void Server::start_response(Conn& c, const Response& r) {
  c.phase = Phase::kRespond;
  c.head = response_head(r);
  c.body = r.head_only ? BodyKind::kNone : r.body;
  c.body_len = c.body == BodyKind::kNone ? 0 : r.length;
  if (c.body == BodyKind::kText) c.head += r.text, c.body = BodyKind::kNone, c.body_len = 0;
  if (c.body == BodyKind::kFile) {
    c.file_fd = open(r.file.c_str(), O_RDONLY | O_CLOEXEC);
    if (c.file_fd < 0) return start_response(c, error_response(errno == EACCES ? 403 : 404));
  }
}

bool Server::on_request(Conn& c) {
  for (;;) {
    const ssize_t n = xtcp_recv(ctx_, c.sock, chunk_.data(), chunk_.size(), 0);
    if (n < 0) return errno == EAGAIN;
    if (n == 0) return false;  // FIN before a whole request: nothing to answer
    c.request.append(reinterpret_cast<const char*>(chunk_.data()), static_cast<size_t>(n));
    HttpRequest req;
    size_t head_len = 0;
    const ParseStatus st = parse_request_head(c.request, &req, &head_len);
    if (st == ParseStatus::kIncomplete) continue;
    start_response(c, st == ParseStatus::kOk ? route_request(req, opt_.root) : error_response(400));
    c.request.clear();
    c.request.shrink_to_fit();
    return on_respond(c);
  }
}

// Queues head, then body chunks, as far as the send ring takes them.
bool Server::on_respond(Conn& c) {
  while (c.head_off < c.head.size()) {
    const ssize_t n = xtcp_send(ctx_, c.sock, c.head.data() + c.head_off, c.head.size() - c.head_off, 0);
    if (n < 0) return errno == EAGAIN;
    c.head_off += static_cast<size_t>(n);
  }
  while (c.body_off < c.body_len) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(chunk_.size(), c.body_len - c.body_off));
    size_t have = want;
    if (c.body == BodyKind::kGen) {
      fill_gen_pattern(c.body_off, {chunk_.data(), want});
    } else {
      const ssize_t r = pread(c.file_fd, chunk_.data(), want, static_cast<off_t>(c.body_off));
      if (r <= 0) return false;  // the file shrank or failed: the length cannot be kept
      have = static_cast<size_t>(r);
    }
    const ssize_t n = xtcp_send(ctx_, c.sock, chunk_.data(), have, 0);
    if (n < 0) return errno == EAGAIN;
    c.body_off += static_cast<uint64_t>(n);
  }
  // Everything is queued: FIN after the last byte (RFC 9293 3.6), then
  // wait for the client's FIN so closing cannot reset unread data.
  if (xtcp_shutdown(ctx_, c.sock, SHUT_WR) < 0) return false;
  c.phase = Phase::kDrain;
  c.since = Clock::now();
  return on_drain(c);
}

bool Server::on_drain(Conn& c) {
  for (;;) {
    const ssize_t n = xtcp_recv(ctx_, c.sock, chunk_.data(), chunk_.size(), 0);
    if (n < 0) return errno == EAGAIN;
    if (n == 0) return false;  // the client's FIN: done
  }
}

bool Server::timed_out(const Conn& c) const {
  if (c.phase == Phase::kRequest) return ms_since(c.since) > kRequestMs;
  return c.phase == Phase::kDrain && ms_since(c.since) > kDrainMs;
}

int Server::run() {
  while (!g_stop) {
    items_.clear();
    items_.push_back({listener_, conns_.size() < opt_.max_conns ? short(XTCP_POLLIN) : short(0), 0});
    for (auto& c : conns_)
      items_.push_back({c->sock, c->phase == Phase::kRespond ? short(XTCP_POLLOUT) : short(XTCP_POLLIN), 0});
    if (xtcp_poll(ctx_, items_.data(), items_.size(), kPollMs) < 0)
      return fail(std::string("poll failed: ") + xtcp_strerror(errno));
    for (size_t i = 0; i < conns_.size(); ++i) {
      Conn& c = *conns_[i];
      const short rev = items_[i + 1].revents;
      bool keep = true;
      if (rev != 0) {
        if (c.phase == Phase::kRequest) keep = on_request(c);
        else if (c.phase == Phase::kRespond) keep = on_respond(c);
        else keep = on_drain(c);
      }
      if (!keep || timed_out(c)) {
        xtcp_close(ctx_, c.sock);
        conns_[i].swap(conns_.back());
        conns_.pop_back();
        items_[i + 1] = items_.back();  // keep items_ in step with conns_
        items_.pop_back();
        --i;
      }
    }
    // The listener fails only when xtcpd went away (exited or crashed):
    // every connection is gone with it, so the server ends with one line.
    if (items_[0].revents & (XTCP_POLLERR | XTCP_POLLHUP))
      return fail("xtcpd closed the session (exited or crashed); the listener is gone");
    if (items_[0].revents & XTCP_POLLIN) accept_all();
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  raise_nofile_limit();
  Options o;
  if (std::string err = parse_args(argc, argv, &o); err == "help") {
    std::fputs("usage: xtcp-http-example [--socket PATH] [--addr ADDR] --port P [--root DIR] [--max-conns N]\n"
               "Serves GET/HEAD (HTTP/1.0, 1.1) over xtcp: /gen/N gives N pattern bytes\n"
               "(byte i = (i * 7 + i / 4096) & 0xff, N <= 1 GiB), other paths files under DIR.\n",
               stdout);
    return 0;
  } else if (!err.empty()) {
    return fail(err);
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;  // no SA_RESTART: poll returns and the loop sees g_stop
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);

  addrinfo hints{}, *res = nullptr;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
  hints.ai_socktype = SOCK_STREAM;
  const std::string port = std::to_string(o.port);
  if (getaddrinfo(o.addr.c_str(), port.c_str(), &hints, &res) != 0 || !res)
    return fail("'" + o.addr + "' is not a numeric IPv4 or IPv6 address");
  sockaddr_storage addr{};
  std::memcpy(&addr, res->ai_addr, res->ai_addrlen);
  const socklen_t addr_len = res->ai_addrlen;
  freeaddrinfo(res);

  xtcp_ctx* ctx = xtcp_open(o.socket);
  if (!ctx) return fail(std::string("cannot open a session with xtcpd: ") + xtcp_last_error());
  const int l = xtcp_listen(ctx, reinterpret_cast<sockaddr*>(&addr), addr_len, 1024);
  if (l < 0) {
    const int err = errno;
    xtcp_close_ctx(ctx);
    return fail("cannot listen on " + o.addr + " port " + port + ": " + xtcp_strerror(err));
  }
  const bool v6 = addr.ss_family == AF_INET6;
  std::printf("listening on %s%s%s:%u\n", v6 ? "[" : "", o.addr.c_str(), v6 ? "]" : "", o.port);
  std::fflush(stdout);
  int rc = 0;
  {
    Server server(ctx, l, o);
    rc = server.run();
  }
  xtcp_close_ctx(ctx);
  return rc;
}
