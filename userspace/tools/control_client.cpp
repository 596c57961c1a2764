#include "tools/control_client.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace xtcp::tools {
namespace {

std::string lower_strerror(int err) {
  std::string s = std::strerror(err);
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

template <size_t N>
std::string field(const char (&f)[N]) {
  return std::string(f, strnlen(f, N));
}

}  // namespace

std::string default_control_socket() { return xtcp_ctl_socket_path(); }

const char* bind_mode_text(uint32_t mode) {
  switch (mode) {
    case XTCP_BIND_COPY: return "copy";
    case XTCP_BIND_ZEROCOPY: return "zerocopy";
    case XTCP_BIND_MIXED: return "mixed";
    default: return "unknown";
  }
}

ControlClient::~ControlClient() {
  if (fd_ >= 0) close(fd_);
}

int ControlClient::fail(int code, std::string sentence) {
  error_ = std::move(sentence);
  return code < 0 ? code : -code;
}

int ControlClient::connect(const std::string& path, int timeout_ms) {
  path_ = path;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path))
    return fail(ENAMETOOLONG, "socket path " + path + " is too long (max 107 bytes)");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  fd_ = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return fail(errno, "cannot create a socket: " + lower_strerror(errno));
  // A daemon that stops answering must not hang the tool.
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0) {
    int err = errno;
    std::string hint = err == EACCES ? "run as root or as a member of the socket's group"
                                     : "is xtcpd running?";
    return fail(err, "cannot reach xtcpd at " + path + ": " + lower_strerror(err) + "; " + hint);
  }
  return 0;
}

int ControlClient::recv_reply(uint32_t seq, std::vector<uint8_t>& reply) {
  reply.resize(XTCP_CTL_MAX_MESSAGE);
  ssize_t n = recv(fd_, reply.data(), reply.size(), MSG_TRUNC);
  if (n < 0) {
    if (errno == EAGAIN)
      return fail(ETIMEDOUT, "xtcpd at " + path_ + " did not answer in time; is it stuck?");
    return fail(errno, "lost the connection to xtcpd at " + path_ + ": " + lower_strerror(errno));
  }
  if (n == 0) return fail(ECONNRESET, "xtcpd at " + path_ + " closed the connection");
  if (int rc = xtcp_ctl_validate(reply.data(), static_cast<size_t>(n)); rc < 0)
    return fail(rc, "malformed reply from xtcpd (" + lower_strerror(-rc) + "); versions differ?");
  reply.resize(static_cast<size_t>(n));
  xtcp_ctl_header h;
  std::memcpy(&h, reply.data(), sizeof(h));
  if (h.seq != seq) return fail(EPROTO, "reply from xtcpd does not match the request");
  if (h.type == XTCP_CTL_ERROR) {
    xtcp_ctl_error e;
    std::memcpy(&e, reply.data(), sizeof(e));
    return fail(e.code > 0 ? e.code : EPROTO, "xtcpd refused the request: " + field(e.text));
  }
  return 0;
}

int ControlClient::request(void* msg, size_t len, std::vector<uint8_t>& reply) {
  if (fd_ < 0) return fail(ENOTCONN, "not connected to xtcpd");
  auto* h = static_cast<xtcp_ctl_header*>(msg);
  h->seq = ++seq_;
  if (send(fd_, msg, len, MSG_NOSIGNAL) < 0)
    return fail(errno, "cannot send to xtcpd at " + path_ + ": " + lower_strerror(errno));
  return recv_reply(h->seq, reply);
}

int ControlClient::hello(const char* client_name, xtcp_ctl_hello_reply* out) {
  xtcp_ctl_hello m{};
  xtcp_ctl_header_init(&m.hdr, XTCP_CTL_HELLO, sizeof(m), 0);
  m.pid = static_cast<uint32_t>(getpid());
  std::strncpy(m.client, client_name, sizeof(m.client) - 1);
  std::vector<uint8_t> reply;
  if (int rc = request(&m, sizeof(m), reply); rc < 0) return rc;
  if (reply.size() != sizeof(*out)) return fail(EPROTO, "unexpected reply to HELLO from xtcpd");
  std::memcpy(out, reply.data(), sizeof(*out));
  return 0;
}

int ControlClient::stats(StatsResult* out) {
  std::vector<uint8_t> reply;
  out->entries.clear();
  uint32_t total = 0;
  do {
    xtcp_ctl_stats_request m{};
    xtcp_ctl_header_init(&m.hdr, XTCP_CTL_STATS_REQUEST, sizeof(m), 0);
    m.first = static_cast<uint32_t>(out->entries.size());
    if (int rc = request(&m, sizeof(m), reply); rc < 0) return rc;
    xtcp_ctl_stats_reply r;
    std::memcpy(&r, reply.data(), sizeof(r));
    if (r.hdr.type != XTCP_CTL_STATS_REPLY || r.first != m.first || (r.count == 0 && r.first < r.total))
      return fail(EPROTO, "unexpected stats reply from xtcpd");
    out->iface = field(r.iface);
    out->bind_mode = r.bind_mode;
    out->queue_count = r.queue_count;
    total = r.total;
    for (uint32_t i = 0; i < r.count; ++i) {
      xtcp_ctl_stat_entry e;
      std::memcpy(&e, reply.data() + sizeof(r) + i * sizeof(e), sizeof(e));
      out->entries.emplace_back(field(e.name), e.value);
    }
  } while (out->entries.size() < total);
  return 0;
}

}  // namespace xtcp::tools
