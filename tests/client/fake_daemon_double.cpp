// TEST DOUBLE: see fake_daemon_double.h.
#include "fake_daemon_double.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "client/fd_passing.h"

namespace xtcp::test {
namespace {

void signal_fd(int fd) {
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(fd, &one, sizeof(one));
}

xtcp_ctl_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
  xtcp_ctl_addr x{};
  x.family = AF_INET;
  x.port = port;
  x.addr[0] = a, x.addr[1] = b, x.addr[2] = c, x.addr[3] = d;
  return x;
}

}  // namespace

// ---- FakeConn: the peer's side of one channel ----

FakeConn::FakeConn(uint32_t id_, daemon::DaemonChannel c)
    : id(id_), ch(std::move(c)),
      kick_fd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      notify_fd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

FakeConn::~FakeConn() {
  close(kick_fd);
  close(notify_fd);
}

void FakeConn::publish_and_wake() {
  ch.publish_events(ev);
  if (ch.should_wake_app()) {
    signal_fd(notify_fd);
    ++wakes_sent;
  }
}

void FakeConn::establish() {
  ev.established = true;
  ev.state = XTCP_CHAN_STATE_ESTABLISHED;
  publish_and_wake();
}

void FakeConn::fail(int err) {
  ev.error = static_cast<uint16_t>(err);
  ev.state = XTCP_CHAN_STATE_CLOSED;
  publish_and_wake();
}

void FakeConn::peer_fin() {
  ev.peer_fin = true;
  ev.state = XTCP_CHAN_STATE_CLOSE_WAIT;
  publish_and_wake();
}

size_t FakeConn::push(std::span<const uint8_t> data) {
  const auto in = ch.read_app_indices();  // learns how much the app consumed
  if (in.violation != daemon::ChannelViolation::kNone) return 0;
  const std::span<uint8_t> ring = ch.rx_ring();
  const size_t space = ring.size() - static_cast<size_t>(ch.rx_prod() - ch.rx_cons_seen());
  const size_t n = std::min(space, data.size());
  for (size_t i = 0; i < n; ++i) ring[(ch.rx_prod() + i) & (ring.size() - 1)] = data[i];
  if (n > 0) ch.publish_rx(ch.rx_prod() + n);
  publish_and_wake();
  return n;
}

size_t FakeConn::pull(std::span<uint8_t> out) {
  const auto in = ch.read_app_indices();
  if (in.violation != daemon::ChannelViolation::kNone) return 0;
  const std::span<uint8_t> ring = ch.tx_ring();
  const size_t avail = static_cast<size_t>(ch.tx_prod_seen() - ch.tx_cons());
  const size_t n = std::min(avail, out.size());
  for (size_t i = 0; i < n; ++i) out[i] = ring[(ch.tx_cons() + i) & (ring.size() - 1)];
  if (n > 0) ch.publish_tx_consumed(ch.tx_cons() + n);
  publish_and_wake();
  return n;
}

uint32_t FakeConn::app_flags() { return ch.read_app_indices().app_flags; }

void FakeConn::wait_for_app(int timeout_ms) {
  if (ch.arm_kick()) return;  // the app published meanwhile
  pollfd p{kick_fd, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) > 0) {
    uint64_t v;
    if (read(kick_fd, &v, sizeof(v)) == sizeof(v)) kicks_seen += v;
  }
  ch.disarm_kick();
}

// ---- FakeDaemon: the control socket ----

FakeDaemon::FakeDaemon() {
  char tmpl[] = "/tmp/xtcp-client-test-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  path_ = dir_ + "/xtcpd.sock";
  listen_fd_ = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(listen_fd_, 16) != 0)
    throw std::runtime_error("fake daemon cannot listen");
  stop_fd_ = eventfd(0, EFD_CLOEXEC);
  thread_ = std::thread([this] { serve(); });
}

FakeDaemon::~FakeDaemon() {
  signal_fd(stop_fd_);
  thread_.join();
  close(stop_fd_);
  close(listen_fd_);
  for (auto& [id, l] : listeners_) close(l.ready_fd);
  unlink(path_.c_str());
  rmdir(dir_.c_str());
}

void FakeDaemon::set_hostile(Hostile h) {
  std::lock_guard lock(mu_);
  hostile_ = h;
}

void FakeDaemon::set_connect_mode(ConnectMode m) {
  std::lock_guard lock(mu_);
  connect_mode_ = m;
}

size_t FakeDaemon::sessions_seen() {
  std::lock_guard lock(mu_);
  return sessions_;
}

std::shared_ptr<FakeConn> FakeDaemon::conn(size_t n) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < end) {
    {
      std::lock_guard lock(mu_);
      if (conns_.size() > n) return conns_[n];
    }
    usleep(1000);
  }
  return nullptr;
}

std::shared_ptr<FakeConn> FakeDaemon::new_conn(const xtcp_ctl_addr& local, const xtcp_ctl_addr& peer) {
  auto ch = daemon::DaemonChannel::create(kRingSize, kRingSize);
  if (!ch) return nullptr;
  auto c = std::make_shared<FakeConn>(0, std::move(*ch));
  c->local = local;
  c->peer = peer;
  return c;
}

std::shared_ptr<FakeConn> FakeDaemon::inject(uint16_t port) {
  auto c = new_conn(v4(10, 77, 0, 2, port), v4(10, 77, 0, 1, 40000));
  c->establish();
  std::lock_guard lock(mu_);
  for (auto& [id, l] : listeners_) {
    if (l.port != port) continue;
    c->id = next_id_++;
    l.queue.push_back(c);
    conns_.push_back(c);
    signal_fd(l.ready_fd);
    return c;
  }
  return nullptr;
}

std::shared_ptr<FakeConn> FakeDaemon::find_conn(uint32_t id) {
  std::lock_guard lock(mu_);
  for (auto& c : conns_)
    if (c->id == id) return c;
  return nullptr;
}

void FakeDaemon::serve() {
  std::vector<int> sessions;
  std::vector<uint8_t> buf(XTCP_CTL_MAX_MESSAGE + 1);
  for (;;) {
    std::vector<pollfd> p{{stop_fd_, POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    for (int s : sessions) p.push_back({s, POLLIN, 0});
    if (poll(p.data(), p.size(), 1000) < 0) continue;
    if (p[0].revents) break;
    if (p[1].revents & POLLIN) {
      const int s = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (s >= 0) {
        sessions.push_back(s);
        std::lock_guard lock(mu_);
        ++sessions_;
      }
    }
    for (size_t i = 2; i < p.size(); ++i) {
      if (!p[i].revents) continue;
      const ssize_t n = recv(p[i].fd, buf.data(), buf.size(), 0);
      if (n <= 0) {
        close(p[i].fd);
        std::erase(sessions, p[i].fd);
        continue;
      }
      handle(p[i].fd, buf.data(), static_cast<size_t>(n));
    }
  }
  for (int s : sessions) close(s);
}

void FakeDaemon::reply(int session, const void* msg, size_t len, std::span<const int> fds) {
  client::send_fds(session, {static_cast<const uint8_t*>(msg), len}, fds);
}

void FakeDaemon::error(int session, uint32_t seq, uint16_t type, int code, const char* text) {
  xtcp_ctl_error e{};
  xtcp_ctl_header_init(&e.hdr, XTCP_CTL_ERROR, sizeof(e), seq);
  e.code = code;
  e.request_type = type;
  std::strncpy(e.text, text, sizeof(e.text) - 1);
  reply(session, &e, sizeof(e), {});
}

void FakeDaemon::handle(int session, const uint8_t* buf, size_t len) {
  xtcp_ctl_header h{};
  if (len >= sizeof(h)) std::memcpy(&h, buf, sizeof(h));
  if (xtcp_ctl_validate(buf, len) < 0) return error(session, h.seq, h.type, EBADMSG, "malformed");
  if (xtcp_ctl_check_fields(buf, len) < 0) return error(session, h.seq, h.type, EINVAL, "bad field");
  switch (h.type) {
    case XTCP_CTL_HELLO: {
      xtcp_ctl_hello_reply r{};
      xtcp_ctl_header_init(&r.hdr, XTCP_CTL_HELLO_REPLY, sizeof(r), h.seq);
      r.daemon_pid = static_cast<uint32_t>(getpid());
      r.max_message = XTCP_CTL_MAX_MESSAGE;
      std::strncpy(r.daemon_version, "fake", sizeof(r.daemon_version) - 1);
      return reply(session, &r, sizeof(r), {});
    }
    case XTCP_CTL_LISTEN: {
      xtcp_ctl_listen m;
      std::memcpy(&m, buf, sizeof(m));
      return on_listen(session, m);
    }
    case XTCP_CTL_ACCEPT: {
      xtcp_ctl_accept m;
      std::memcpy(&m, buf, sizeof(m));
      return on_accept(session, m);
    }
    case XTCP_CTL_CONNECT: {
      xtcp_ctl_connect m;
      std::memcpy(&m, buf, sizeof(m));
      return on_connect(session, m);
    }
    case XTCP_CTL_SET_OPTION:
    case XTCP_CTL_GET_OPTION: {
      xtcp_ctl_option m;
      std::memcpy(&m, buf, sizeof(m));
      return on_option(session, m);
    }
    case XTCP_CTL_SHUTDOWN:
    case XTCP_CTL_CLOSE: {
      xtcp_ctl_close m;  // same layout: {id, how|kind}
      std::memcpy(&m, buf, sizeof(m));
      if (h.type == XTCP_CTL_CLOSE && m.kind == XTCP_CTL_OBJ_LISTENER) {
        std::lock_guard lock(mu_);
        auto it = listeners_.find(m.id);
        if (it == listeners_.end()) return error(session, h.seq, h.type, EBADF, "no such listener");
        close(it->second.ready_fd);
        listeners_.erase(it);
      } else if (!find_conn(m.id)) {
        return error(session, h.seq, h.type, EBADF, "no such connection");
      }
      xtcp_ctl_ack r{};
      xtcp_ctl_header_init(&r.hdr, static_cast<uint16_t>(h.type | XTCP_CTL_REPLY_BIT), sizeof(r), h.seq);
      r.id = m.id;
      return reply(session, &r, sizeof(r), {});
    }
    default: return error(session, h.seq, h.type, ENOSYS, "not served by the fake");
  }
}

void FakeDaemon::on_listen(int session, const xtcp_ctl_listen& m) {
  std::lock_guard lock(mu_);
  if (m.local.port < 1024)
    return error(session, m.hdr.seq, m.hdr.type, EACCES, "ports below 1024 need CAP_NET_BIND_SERVICE");
  for (auto& [id, l] : listeners_)
    if (l.port == m.local.port)
      return error(session, m.hdr.seq, m.hdr.type, EADDRINUSE, "port in use");
  if (listeners_.size() >= kListenerLimit)
    return error(session, m.hdr.seq, m.hdr.type, EMFILE, "per-app listener limit reached");
  Listener l{next_id_++, m.local.port, eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), {}};
  xtcp_ctl_listen_reply r{};
  xtcp_ctl_header_init(&r.hdr, XTCP_CTL_LISTEN_REPLY, sizeof(r), m.hdr.seq);
  r.listener_id = l.id;
  r.share_id = l.id;
  listeners_.emplace(l.id, l);
  reply(session, &r, sizeof(r), {&l.ready_fd, 1});
}

void FakeDaemon::on_accept(int session, const xtcp_ctl_accept& m) {
  std::shared_ptr<FakeConn> c;
  uint32_t pending = 0;
  {
    std::lock_guard lock(mu_);
    auto it = listeners_.find(m.listener_id);
    if (it == listeners_.end()) return error(session, m.hdr.seq, m.hdr.type, EBADF, "no such listener");
    if (it->second.queue.empty()) return error(session, m.hdr.seq, m.hdr.type, EAGAIN, "none pending");
    c = it->second.queue.front();
    it->second.queue.pop_front();
    pending = static_cast<uint32_t>(it->second.queue.size());
  }
  send_conn(session, XTCP_CTL_ACCEPT_REPLY, m.hdr.seq, c, XTCP_CHAN_STATE_ESTABLISHED, pending);
}

void FakeDaemon::on_connect(int session, const xtcp_ctl_connect& m) {
  xtcp_ctl_addr local = m.local.family ? m.local : v4(10, 77, 0, 2, 0);
  if (local.port == 0) local.port = 45000;
  auto c = new_conn(local, m.remote);
  ConnectMode mode;
  {
    std::lock_guard lock(mu_);
    c->id = next_id_++;
    mode = connect_mode_;
  }
  c->ev.state = XTCP_CHAN_STATE_SYN_SENT;
  c->ch.publish_events(c->ev);
  send_conn(session, XTCP_CTL_CONNECT_REPLY, m.hdr.seq, c, XTCP_CHAN_STATE_SYN_SENT, 0);
  if (mode == ConnectMode::kEstablish) c->establish();
  if (mode == ConnectMode::kRefuse) c->fail(ECONNREFUSED);  // an RST answered the SYN
  std::lock_guard lock(mu_);
  conns_.push_back(c);
}

void FakeDaemon::send_conn(int session, uint16_t type, uint32_t seq,
                           const std::shared_ptr<FakeConn>& c, uint32_t state, uint32_t pending) {
  xtcp_ctl_conn_reply r{};
  xtcp_ctl_header_init(&r.hdr, type, sizeof(r), seq);
  r.conn_id = c->id;
  r.state = state;
  r.local = c->local;
  r.peer = c->peer;
  r.pending = pending;
  int fds[3] = {c->ch.fd(), c->kick_fd, c->notify_fd};
  Hostile h;
  {
    std::lock_guard lock(mu_);
    h = hostile_;
  }
  switch (h) {
    case Hostile::kNone: return reply(session, &r, sizeof(r), fds);
    case Hostile::kTruncated: {
      r.hdr.length = sizeof(r) - 8;
      return reply(session, &r, sizeof(r) - 8, fds);
    }
    case Hostile::kWrongSeq: r.hdr.seq = seq + 7; return reply(session, &r, sizeof(r), fds);
    case Hostile::kWrongType: {
      xtcp_ctl_ack a{};
      xtcp_ctl_header_init(&a.hdr, XTCP_CTL_CLOSE_REPLY, sizeof(a), seq);
      a.id = 1;
      return reply(session, &a, sizeof(a), fds);
    }
    case Hostile::kMissingFds: return reply(session, &r, sizeof(r), {});
    case Hostile::kBadMemfd: {
      const int bogus = memfd_create("not-a-channel", MFD_CLOEXEC);
      [[maybe_unused]] int rc = ftruncate(bogus, 8192);
      int bad[3] = {bogus, c->kick_fd, c->notify_fd};
      reply(session, &r, sizeof(r), bad);
      close(bogus);
      return;
    }
    case Hostile::kBadFamily: r.peer.family = 99; return reply(session, &r, sizeof(r), fds);
    case Hostile::kGarbage: {
      uint8_t junk[200];
      for (size_t i = 0; i < sizeof(junk); ++i) junk[i] = static_cast<uint8_t>(i * 37 + 11);
      return reply(session, junk, sizeof(junk), fds);
    }
    case Hostile::kHangUp: shutdown(session, SHUT_RDWR); return;
    case Hostile::kOversized: {
      std::vector<uint8_t> big(XTCP_CTL_MAX_MESSAGE + 64);
      std::memcpy(big.data(), &r, sizeof(r));
      return reply(session, big.data(), big.size(), fds);
    }
  }
}

void FakeDaemon::on_option(int session, const xtcp_ctl_option& m) {
  auto c = find_conn(m.conn_id);
  if (!c) return error(session, m.hdr.seq, m.hdr.type, EBADF, "no such connection");
  std::lock_guard lock(mu_);
  if (m.hdr.type == XTCP_CTL_SET_OPTION) {
    if (m.option == XTCP_CTL_OPT_CONGESTION && std::strcmp(reinterpret_cast<const char*>(m.value), "cubic") != 0 &&
        std::strcmp(reinterpret_cast<const char*>(m.value), "newreno") != 0)
      return error(session, m.hdr.seq, m.hdr.type, ENOENT, "unknown congestion control");
    c->options[m.option].assign(m.value, m.value + m.value_len);
    xtcp_ctl_ack r{};
    xtcp_ctl_header_init(&r.hdr, XTCP_CTL_SET_OPTION_REPLY, sizeof(r), m.hdr.seq);
    r.id = m.conn_id;
    return reply(session, &r, sizeof(r), {});
  }
  xtcp_ctl_option r{};
  xtcp_ctl_header_init(&r.hdr, XTCP_CTL_GET_OPTION_REPLY, sizeof(r), m.hdr.seq);
  r.conn_id = m.conn_id;
  r.option = m.option;
  r.value_len = xtcp_ctl_option_size(m.option);
  if (m.option == XTCP_CTL_OPT_INFO) {
    xtcp_ctl_tcp_info info{};
    info.state = XTCP_CHAN_STATE_ESTABLISHED;
    info.mss = 1448;
    info.rtt_us = 250;
    info.cwnd = 10 * 1448;
    info.bytes_acked = c->ch.tx_cons();
    info.bytes_received = c->ch.rx_prod();
    std::memcpy(r.value, &info, sizeof(info));
  } else if (auto it = c->options.find(m.option); it != c->options.end()) {
    std::memcpy(r.value, it->second.data(), it->second.size());
  }
  reply(session, &r, sizeof(r), {});
}

}  // namespace xtcp::test
