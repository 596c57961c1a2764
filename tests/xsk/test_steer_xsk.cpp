// SteerProgram attach/detach and AF_XDP receive of a steered SYN, in the
// namespace pair of netns_run.sh (copy mode: veth has no zero-copy).
#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstring>
#include <vector>

#include "root_env.h"
#include "xsk/netlink.h"
#include "xsk/steer_program.h"
#include "xsk/xsk_socket.h"

using namespace xtcp::xsk;
using xsktest::env;

namespace {

uint32_t xdp_prog_on(const std::string& ifname) {
  auto li = link_info(ifname);
  REQUIRE(li.ok());
  return li->xdp_prog_id;
}

XskConfig small_config(BindMode mode) {
  XskConfig c;
  c.frame_count = 1024;
  c.fill_size = 512;
  c.comp_size = 512;
  c.rx_size = 512;
  c.tx_size = 512;
  c.mode = mode;
  return c;
}

// Connects (non-blocking) from the peer namespace; the SYN is all we need.
void peer_connect(const char* dst, uint16_t port, int* fd_out) {
  xsktest::in_peer([&] {
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (std::strchr(dst, ':')) {
      auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
      s6->sin6_family = AF_INET6;
      s6->sin6_port = htons(port);
      inet_pton(AF_INET6, dst, &s6->sin6_addr);
      len = sizeof(*s6);
    } else {
      auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
      s4->sin_family = AF_INET;
      s4->sin_port = htons(port);
      inet_pton(AF_INET, dst, &s4->sin_addr);
      len = sizeof(*s4);
    }
    const int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd >= 0) (void)connect(fd, reinterpret_cast<sockaddr*>(&ss), len);
    *fd_out = fd;
  });
}

struct SynSeen {
  bool syn = false;
  uint16_t dst_port = 0;
  std::vector<uint8_t> src_ip;
};

// Parses just enough of an Ethernet/IPv4|IPv6/TCP frame to check it.
SynSeen parse_syn(const uint8_t* p, uint32_t len) {
  SynSeen s;
  if (len < 14) return s;
  const uint16_t type = uint16_t(p[12] << 8 | p[13]);
  const uint8_t* l4 = nullptr;
  if (type == 0x0800 && len >= 14 + 20 + 20 && p[14 + 9] == 6) {
    s.src_ip.assign(p + 14 + 12, p + 14 + 16);
    l4 = p + 14 + (p[14] & 0x0f) * 4;
  } else if (type == 0x86dd && len >= 14 + 40 + 20 && p[14 + 6] == 6) {
    s.src_ip.assign(p + 14 + 8, p + 14 + 24);
    l4 = p + 14 + 40;
  }
  if (!l4 || l4 + 20 > p + len) return s;
  s.dst_port = uint16_t(l4[2] << 8 | l4[3]);
  s.syn = (l4[13] & 0x02) != 0;
  return s;
}

}  // namespace

TEST_CASE("SteerProgram attaches, refuses a second attach, detaches on destruction", "[xsk][steer][root]") {
  const std::string dif = env().dut_if;
  {
    auto prog = SteerProgram::attach(dif);
    REQUIRE(prog.ok());
    CHECK((*prog)->prog_id() != 0);
    CHECK(xdp_prog_on(dif) == (*prog)->prog_id());

    auto second = SteerProgram::attach(dif);
    REQUIRE_FALSE(second.ok());
    CHECK(second.code() == -EBUSY);
    CHECK(second.message() == dif + " already has an XDP program attached; detach it with "
                                    "`ip link set dev " + dif + " xdp off`");
  }
  CHECK(xdp_prog_on(dif) == 0);  // the bpf_link went with the object
}

TEST_CASE("SteerProgram on a missing interface is ENODEV", "[xsk][steer][root]") {
  env();
  auto prog = SteerProgram::attach("nosuchif0");
  REQUIRE_FALSE(prog.ok());
  CHECK(prog.code() == -ENODEV);
  CHECK_THAT(prog.message(), Catch::Contains("no interface named 'nosuchif0'"));
}

TEST_CASE("map operations: listeners, flows, sockets", "[xsk][steer][root]") {
  auto prog = SteerProgram::attach(env().dut_if);
  REQUIRE(prog.ok());
  SteerProgram& p = **prog;
  const IpAddr a = *IpAddr::parse("10.79.0.2");
  CHECK(p.add_listener(a, 80, 0).ok());
  CHECK(p.remove_listener(a, 80).ok());
  CHECK(p.remove_listener(a, 80).code() == -ENOENT);
  FlowTuple f{a, 80, *IpAddr::parse("10.79.0.1"), 40000};
  CHECK(p.add_flow(f, 1).ok());
  CHECK(p.remove_flow(f).ok());
  CHECK(p.remove_flow(f).code() == -ENOENT);
  // Keys the program could never match are refused, not stored.
  FlowTuple mixed{a, 80, *IpAddr::parse("fd79::1"), 40000};
  CHECK(p.add_flow(mixed, 0).code() == -EINVAL);
  IpAddr no_family = a;
  no_family.family = 0;
  CHECK(p.add_listener(no_family, 80, 0).code() == -EINVAL);
  uint8_t key[64];
  CHECK(bpf_map_get_next_key(p.flows_fd(), nullptr, key) == -ENOENT);  // both maps empty
  CHECK(bpf_map_get_next_key(p.listeners_fd(), nullptr, key) == -ENOENT);
  CHECK(p.register_socket(XTCP_MAX_QUEUES, 3).code() == -EINVAL);
  // An XSKMAP only takes AF_XDP sockets.
  CHECK_FALSE(p.register_socket(0, 0).ok());
  auto st = p.stats();
  REQUIRE(st.ok());
  CHECK(std::string(steer_stat_name(XTCP_STAT_REASON_LISTENER)) == "reason_listener");
}

TEST_CASE("XskSocket bind errors are clear", "[xsk][socket][root]") {
  const std::string dif = env().dut_if;
  auto bad_if = XskSocket::create("nosuchif0", 0, small_config(BindMode::kCopy));
  REQUIRE_FALSE(bad_if.ok());
  CHECK(bad_if.code() == -ENODEV);

  auto bad_q = XskSocket::create(dif, 7, small_config(BindMode::kCopy));
  REQUIRE_FALSE(bad_q.ok());
  CHECK(bad_q.code() == -EINVAL);
  CHECK_THAT(bad_q.message(), Catch::Contains("ethtool -l " + dif));

  // veth has no zero-copy support (DESIGN.md).
  auto zc = XskSocket::create(dif, 0, small_config(BindMode::kZeroCopy));
  REQUIRE_FALSE(zc.ok());
  CHECK_THAT(zc.message(), Catch::Contains("zero-copy"));

  XskConfig bad = small_config(BindMode::kCopy);
  bad.rx_size = 100;
  CHECK(XskSocket::create(dif, 0, bad).code() == -EINVAL);
}

TEST_CASE("a SYN to a steered listener arrives on the AF_XDP socket (copy mode)", "[xsk][socket][root]") {
  const std::string dif = env().dut_if;
  auto prog = SteerProgram::attach(dif);
  REQUIRE(prog.ok());
  SteerProgram& p = **prog;

  // The peer's TX queue picks the dut's RX queue on veth: serve both.
  std::vector<std::unique_ptr<XskSocket>> socks;
  for (uint32_t q = 0; q < 2; ++q) {
    auto s = XskSocket::create(dif, q, small_config(BindMode::kAuto));
    REQUIRE(s.ok());
    CHECK_FALSE((*s)->zero_copy());
    CHECK(std::string((*s)->mode_name()) == "copy");
    CHECK((*s)->refill(512) == 512);
    CHECK((*s)->pool().in_fill() == 512);
    REQUIRE(p.register_socket(q, (*s)->fd()).ok());
    socks.push_back(std::move(s).value());
  }

  struct Case {
    const char* local;
    const char* peer;
    uint16_t port;
  };
  for (const Case& c : {Case{"10.79.0.2", "10.79.0.1", 7777}, Case{"fd79::2", "fd79::1", 7778}}) {
    INFO(c.local);
    const IpAddr local = *IpAddr::parse(c.local);
    REQUIRE(p.add_listener(local, c.port, 0).ok());
    int cfd = -1;
    peer_connect(c.local, c.port, &cfd);
    REQUIRE(cfd >= 0);

    SynSeen got;
    uint32_t frames = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!got.syn && std::chrono::steady_clock::now() < deadline) {
      pollfd pfds[2] = {{socks[0]->fd(), POLLIN, 0}, {socks[1]->fd(), POLLIN, 0}};
      poll(pfds, 2, 100);
      for (auto& s : socks) {
        xdp_desc descs[16];
        const uint32_t n = s->rx_burst(descs, 16);
        frames += n;
        CHECK(s->pool().in_app() == n);
        for (uint32_t i = 0; i < n; ++i) {
          SynSeen seen = parse_syn(s->data(descs[i].addr), descs[i].len);
          if (seen.syn && seen.dst_port == c.port) got = seen;
        }
        // The first frame one by one, the rest as a burst; a second return
        // of the same frames is refused, never a second fill-ring entry.
        if (n > 0) CHECK(s->recycle(descs[0].addr));
        if (n > 1) CHECK(s->recycle_burst(descs + 1, n - 1) == n - 1);
        if (n > 0) {
          CHECK_FALSE(s->recycle(descs[0].addr));
          CHECK(s->recycle_burst(descs, n) == 0);
        }
        CHECK(s->pool().in_app() == 0);
        CHECK(s->pool().in_fill() == 512);  // recycled: accounting exact
      }
    }
    close(cfd);
    CHECK(frames >= 1);
    REQUIRE(got.syn);
    const IpAddr peer = *IpAddr::parse(c.peer);
    CHECK(got.src_ip == std::vector<uint8_t>(peer.bytes.begin(), peer.bytes.begin() + peer.size()));
    REQUIRE(p.remove_listener(local, c.port).ok());
  }

  auto st = p.stats();
  REQUIRE(st.ok());
  CHECK((*st)[XTCP_STAT_REASON_LISTENER] >= 2);
  CHECK((*st)[XTCP_STAT_VERDICT_REDIRECT] >= 2);
  CHECK((*st)[XTCP_STAT_RX_FRAMES] >= (*st)[XTCP_STAT_VERDICT_REDIRECT]);
  auto xs = socks[0]->stats();
  REQUIRE(xs.ok());
  CHECK(xs->rx_invalid_descs == 0);
}
