// The shard on a real veth: xtcp_steer steers the flows into an AF_XDP
// socket (copy mode), XskPacketIo/XskSteering/KernelNeighbours are the real
// ones, and the peer is kernel TCP in the other namespace. Data both ways,
// checked by hash at both ends. Run through veth_run.sh (root).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>

#include "shard/shard_harness.h"
#include "stack/kernel_neighbours.h"
#include "stack/xsk_packet_io.h"
#include "stack/xsk_steering.h"
#include "xsk/netlink.h"
#include "xsk/steer_program.h"
#include "xsk/xsk_socket.h"

using namespace xtcp::shard_test;
using namespace xtcp;

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

tcp::Instant steady_now() {
  using namespace std::chrono;
  return tcp::Instant::from_micros(
      duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count());
}

struct KernelSide {
  uint64_t sent = 0, received = 0, hash = kFnvBasis;
  bool ok = false;
  std::string why;
};

// Kernel TCP on connected fd: writes `to_send` bytes of stream `seed`,
// shuts down writing, reads until EOF. Non-blocking with poll, bounded.
void kernel_transfer(int fd, uint64_t seed, uint64_t to_send, KernelSide& k) {
  fcntl(fd, F_SETFL, O_NONBLOCK);
  uint8_t out[16384], in[65536];
  bool shut = false, eof = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  // The other side may half-close first: keep sending after EOF.
  while (!(eof && shut) && std::chrono::steady_clock::now() < deadline) {
    if (k.sent == to_send && !shut) {
      shutdown(fd, SHUT_WR);
      shut = true;
    }
    pollfd p{fd, static_cast<short>((eof ? 0 : POLLIN) | (shut ? 0 : POLLOUT)), 0};
    if (poll(&p, 1, 100) < 0) break;
    if (!shut && (p.revents & POLLOUT)) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(sizeof out, to_send - k.sent));
      for (size_t i = 0; i < n; ++i) out[i] = stream_byte(seed, k.sent + i);
      const ssize_t w = send(fd, out, n, MSG_NOSIGNAL);
      if (w > 0) k.sent += static_cast<uint64_t>(w);
    }
    if (!eof && (p.revents & (POLLIN | POLLHUP | POLLERR))) {
      const ssize_t r = recv(fd, in, sizeof in, 0);
      if (r == 0) eof = true;
      if (r > 0) {
        k.hash = fnv1a(k.hash, {in, static_cast<size_t>(r)});
        k.received += static_cast<uint64_t>(r);
      }
      if (r < 0 && errno != EAGAIN) {
        k.why = std::string("recv: ") + strerror(errno);
        break;
      }
    }
  }
  if (!eof && std::getenv("XTSH_DEBUG")) (void)std::system("ss -tinm >&2");
  k.ok = eof && k.sent == to_send;
  if (!eof && k.why.empty()) k.why = "no EOF before the deadline";
  close(fd);
}

sockaddr_storage address(const IpAddress& ip, uint16_t port, socklen_t& len) {
  sockaddr_storage ss{};
  if (ip.family == wire::IpFamily::kV4) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    std::memcpy(&a->sin_addr, ip.bytes.data(), 4);
    len = sizeof(sockaddr_in);
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    std::memcpy(&a->sin6_addr, ip.bytes.data(), 16);
    len = sizeof(sockaddr_in6);
  }
  return ss;
}

// Runs fn on a thread inside the peer namespace.
std::thread in_peer(std::function<void()> fn) {
  return std::thread([fn = std::move(fn)] {
    const std::string path = "/run/netns/" + env("XTSH_PEER_NS");
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) return;
    close(fd);
    fn();
  });
}

struct RealShard {
  std::unique_ptr<xsk::SteerProgram> prog;
  std::unique_ptr<xsk::XskSocket> sock;
  std::unique_ptr<XskPacketIo> io;
  std::unique_ptr<KernelNeighbours> neigh;
  std::unique_ptr<XskSteering> steering;
  HeapConnectionMemory mem{1u << 20, 1u << 20};
  Events events;
  std::unique_ptr<Shard> shard;

  RealShard(bool ipv6) {
    const std::string ifname = env("XTSH_DUT_IF");
    INFO("run through tests/shard/veth_run.sh as root");
    REQUIRE_FALSE(ifname.empty());
    auto p = xsk::SteerProgram::attach(ifname);
    INFO((p.ok() ? std::string() : p.message()));
    REQUIRE(p.ok());
    prog = std::move(*p);
    xsk::XskConfig xc;
    xc.frame_count = 4096;
    auto s = xsk::XskSocket::create(ifname, 0, xc);
    INFO((s.ok() ? std::string() : s.message()));
    REQUIRE(s.ok());
    sock = std::move(*s);
    REQUIRE(prog->register_socket(0, sock->fd()).ok());
    auto link = xsk::link_info(ifname);
    REQUIRE(link.ok());
    io = std::make_unique<XskPacketIo>(*sock, kDefaultTxBatch);
    neigh = std::make_unique<KernelNeighbours>(
        KernelNeighboursConfig{.ifindex = link->ifindex, .retry = kDefaultNeighbourRetry});
    steering = std::make_unique<XskSteering>(*prog, 0);
    ShardConfig cfg;
    cfg.local_mac.bytes = link->mac;
    cfg.local_v4 = IpAddress::v4(10, 80, 0, 2);
    cfg.local_v6 = v6_80(2);
    cfg.tcp.mtu = static_cast<uint16_t>(link->mtu);
    std::random_device rd;
    for (auto& b : cfg.isn_secret) b = static_cast<uint8_t>(rd());
    cfg.hash_key = HashKey{rd() * 0x100000001ull, rd() * 0x100000001ull};
    (void)ipv6;
    shard = std::make_unique<Shard>(
        cfg, ShardDeps{*io, *neigh, *steering, mem, events, steady_now});
  }
  static IpAddress v6_80(uint8_t last) {
    uint8_t b[16] = {0xfd, 0x80};
    b[15] = last;
    return IpAddress::v6_from_bytes(b);
  }
  // Passes until done() or the time limit; true if done.
  bool run(const std::function<bool()>& done, std::chrono::seconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (!shard->run_once(steady_now()) && done()) return true;
    }
    return false;
  }
};

constexpr uint64_t kToShard = 20'000'000;
constexpr uint64_t kFromShard = 8'000'000;

}  // namespace

TEST_CASE("kernel client to a shard listener on a veth, data both ways", "[root]") {
  const bool ipv6 = GENERATE(false, true);
  DYNAMIC_SECTION((ipv6 ? "IPv6" : "IPv4")) {
    RealShard rs(ipv6);
    const IpAddress any = ipv6 ? IpAddress{.family = wire::IpFamily::kV6} : IpAddress{};
    REQUIRE(rs.events.done.empty());
    rs.shard->execute(Command{.kind = CommandKind::kListen, .local = any, .local_port = 5000},
                      steady_now());
    REQUIRE(rs.events.done.back().err == 0);

    App app{.seed = 2, .to_send = kFromShard, .close_when_sent = true};
    tcp::TcpInfo last_info;
    rs.events.sync = [&](ConnId, tcp::Connection& c) {
      app.pump(c);
      last_info = c.info();
    };
    KernelSide k;
    std::atomic<bool> peer_done{false};
    const IpAddress dut = ipv6 ? RealShard::v6_80(2) : IpAddress::v4(10, 80, 0, 2);
    std::thread peer = in_peer([&] {
      socklen_t len = 0;
      sockaddr_storage sa = address(dut, 5000, len);
      const int fd = socket(sa.ss_family, SOCK_STREAM, 0);
      if (connect(fd, reinterpret_cast<sockaddr*>(&sa), len) != 0) {
        k.why = std::string("connect: ") + strerror(errno);
        close(fd);
      } else {
        kernel_transfer(fd, 1, kToShard, k);
      }
      peer_done = true;
    });
    const auto t0 = std::chrono::steady_clock::now();
    // The shard closes first, so its side then waits out TIME-WAIT: done
    // when the kernel saw EOF and the shard read everything.
    const bool done = rs.run([&] { return peer_done.load() && app.received == kToShard; },
                             std::chrono::seconds(70));
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (std::getenv("XTSH_DEBUG") && !rs.events.accepted.empty()) {
      if (tcp::Connection* c = rs.shard->connection(rs.events.accepted[0])) {
        fprintf(stderr, "shard conn %s rq %zu sq %zu poll_at-now %ld us, dirty %zu next %ld\n",
                tcp::to_string(c->state()), c->recv_queue_len(), c->send_queue_len(),
                (long)(c->poll_at() - steady_now()).us, rs.shard->dirty_count(),
                (long)(rs.shard->next_deadline() - steady_now()).us);
      }
    }
    peer.join();
    INFO("kernel: " << k.why << " sent " << k.sent << " got " << k.received << "; shard got "
                    << app.received << " sent " << app.sent << " in " << secs << " s");
    auto xs = rs.sock->stats();
    const ShardStats& st = rs.shard->stats();
    INFO("shard conn: segs_in " << last_info.segs_in << " dropped " << last_info.dropped_segments
         << " rto " << last_info.rto_count << " rtx " << last_info.retransmits << " rcv_wnd "
         << last_info.rcv_wnd << " snd_wnd " << last_info.snd_wnd << " cwnd " << last_info.cwnd
         << "; xsk rx_dropped " << (xs.ok() ? xs->rx_dropped : 0) << " rx_ring_full "
         << (xs.ok() ? xs->rx_ring_full : 0) << " fill_empty "
         << (xs.ok() ? xs->rx_fill_ring_empty_descs : 0) << "; shard rx " << st.rx_frames
         << " tx " << st.tx_frames << " no_frame " << st.tx_no_frame << " ring_full "
         << st.tx_ring_full << " no_socket " << st.rx_no_socket);
    WARN("shard side: segs_in " << last_info.segs_in << " dropped " << last_info.dropped_segments
         << " rto " << last_info.rto_count << " rtx " << last_info.retransmits << " rcv_wnd "
         << last_info.rcv_wnd);
    CHECK(done);
    CHECK(k.ok);
    CHECK(app.received == kToShard);
    CHECK(app.hash == stream_hash(1, kToShard));
    CHECK(k.received == kFromShard);
    CHECK(k.hash == stream_hash(2, kFromShard));
    CHECK(rs.shard->stats().malformed_total() == 0);
    WARN((ipv6 ? "IPv6" : "IPv4") << ": " << (kToShard + kFromShard) * 8 / secs / 1e6
                                  << " Mbit/s both directions together (" << secs << " s)");
    const auto& pool = rs.sock->pool();
    CHECK(pool.bad_transitions() == 0);
  }
}

TEST_CASE("shard connects to a kernel server on a veth (neighbour from the kernel)", "[root]") {
  RealShard rs(false);
  std::atomic<int> listen_fd{-1};
  std::atomic<bool> ready{false}, peer_done{false};
  KernelSide k;
  std::thread peer = in_peer([&] {
    socklen_t len = 0;
    sockaddr_storage sa = address(IpAddress::v4(10, 80, 0, 1), 6000, len);
    const int lfd = socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(lfd, reinterpret_cast<sockaddr*>(&sa), len) == 0 && listen(lfd, 4) == 0) {
      listen_fd = lfd;
      ready = true;
      pollfd p{lfd, POLLIN, 0};
      if (poll(&p, 1, 20000) == 1) kernel_transfer(accept(lfd, nullptr, nullptr), 3, 3'000'000, k);
    }
    close(lfd);
    peer_done = true;
  });
  while (!ready && !peer_done) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(ready);
  App app{.seed = 4, .to_send = 5'000'000, .close_when_sent = true};
  rs.events.sync = [&](ConnId, tcp::Connection& c) { app.pump(c); };
  rs.shard->execute(Command{.kind = CommandKind::kConnect, .remote = IpAddress::v4(10, 80, 0, 1),
                            .remote_port = 6000},
                    steady_now());
  REQUIRE(rs.events.done.back().err == 0);
  // Both sides close; whichever FIN leaves first, the shard ends CLOSED (the
  // kernel closed first) or in TIME-WAIT (RFC 9293 3.6: the shard closed
  // first, or both at once), where it would stay 2*MSL. Either is the end of
  // a clean close.
  const ConnId conn = rs.events.done.back().conn;
  auto closed_or_time_wait = [&] {
    if (!rs.events.closed.empty()) return true;
    const tcp::Connection* c = rs.shard->connection(conn);
    return c != nullptr && c->state() == tcp::State::kTimeWait;
  };
  const bool done =
      rs.run([&] { return peer_done.load() && closed_or_time_wait(); }, std::chrono::seconds(60));
  peer.join();
  if (!rs.events.closed.empty()) CHECK(rs.events.closed_err.back() == tcp::TcpError::kNone);
  INFO("kernel: " << k.why << " sent " << k.sent << " got " << k.received << "; shard got "
                  << app.received << " sent " << app.sent);
  CHECK(done);
  CHECK(rs.events.established.size() == 1);
  CHECK(k.ok);
  CHECK(app.hash == stream_hash(3, 3'000'000));
  CHECK(k.hash == stream_hash(4, 5'000'000));
  CHECK(rs.neigh->netlink_queries() >= 1);
}
