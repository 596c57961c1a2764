// test_bpf_steer: table test of the XDP steering program through
// BPF_PROG_TEST_RUN. Each row is a frame, the XDP verdict it must get and the
// one reason (or malformed) counter that must go up by exactly one, next to
// rx_frames and the verdict counter. Needs root (BPF, netns, AF_XDP).
#include <linux/bpf.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <initializer_list>
#include <string>
#include <vector>
#include <xtcp_steer.skel.h>

#include "frame_builder.h"
#include "steer_harness.h"

namespace {

using namespace xtcp::bpftest;

const Ip4 kLocal4 = ip4("10.77.0.2");
const Ip4 kRemote4 = ip4("10.77.0.1");
const Ip4 kOther4 = ip4("10.77.0.3");
const Ip4 kAny4 = ip4("0.0.0.0");
const Ip6 kLocal6 = ip6("fd77::2");
const Ip6 kRemote6 = ip6("fd77::1");
const Ip6 kOther6 = ip6("fd77::3");
const Ip6 kAny6 = ip6("::");

constexpr std::uint16_t kListenPort = 80;    // exact-address listener, both families
constexpr std::uint16_t kWild4Port = 8080;   // 0.0.0.0 listener
constexpr std::uint16_t kWild6Port = 8443;   // :: listener
constexpr std::uint16_t kFlowLocal = 5001;   // flow local:5001 <- remote:40000
constexpr std::uint16_t kFlowRemote = 40000;
constexpr std::uint16_t kFlowOnListenerRemote = 40002;  // a flow on port 80 too

struct Row {
  std::string what;
  Bytes frame;
  std::uint32_t verdict;  // XDP_PASS or XDP_REDIRECT
  xtcp_steer_stat reason;
  std::uint32_t queue = 0;
};

std::string describe(const Stats& s) {
  static const char* const names[] = XTCP_STEER_STAT_NAMES;
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s[i]) out += std::string(names[i]) + "=" + std::to_string(s[i]) + " ";
  return out.empty() ? "(none)" : out;
}

Stats expected(std::uint32_t verdict, xtcp_steer_stat reason) {
  Stats s{};
  s[XTCP_STAT_RX_FRAMES] = 1;
  s[verdict == XDP_REDIRECT ? XTCP_STAT_VERDICT_REDIRECT : XTCP_STAT_VERDICT_PASS] = 1;
  s[reason] = 1;
  return s;
}

// The environment every row runs in: namespace + veth, loaded program, one
// AF_XDP socket on queue 0 of the veth, and the listeners/flows above.
struct SteerEnv {
  NetnsSandbox ns{"xtbpf", static_cast<int>(::getpid())};
  SteerSkel skel;
  std::unique_ptr<XskSocket> xsk;

  SteerEnv() {
    if (!ns.ok()) return;
    skel = load_steer();
    if (skel) xsk = std::make_unique<XskSocket>(ns.veth(), 0);
  }

  void require_ready() {
    INFO(ns.error());
    REQUIRE(ns.ok());
    REQUIRE(skel != nullptr);  // open + load: the verifier accepted it
    INFO(xsk->error());
    REQUIRE(xsk->ok());
    REQUIRE(xsks_set(*skel, 0, xsk->fd()) == 0);
    install_tables();
  }

  void install_tables() {
    const auto& s = *skel;
    REQUIRE(add_listener(s, XTCP_FAMILY_IPV4, kLocal4.data(), 4, kListenPort) == 0);
    REQUIRE(add_listener(s, XTCP_FAMILY_IPV4, kAny4.data(), 4, kWild4Port) == 0);
    REQUIRE(add_listener(s, XTCP_FAMILY_IPV6, kLocal6.data(), 16, kListenPort) == 0);
    REQUIRE(add_listener(s, XTCP_FAMILY_IPV6, kAny6.data(), 16, kWild6Port) == 0);
    REQUIRE(add_flow(s, XTCP_FAMILY_IPV4, kLocal4.data(), kFlowLocal, kRemote4.data(),
                     kFlowRemote, 4) == 0);
    REQUIRE(add_flow(s, XTCP_FAMILY_IPV6, kLocal6.data(), kFlowLocal, kRemote6.data(),
                     kFlowRemote, 16) == 0);
    REQUIRE(add_flow(s, XTCP_FAMILY_IPV4, kLocal4.data(), kListenPort, kRemote4.data(),
                     kFlowOnListenerRemote, 4) == 0);
  }

  void check(const Row& row) {
    INFO(row.what);
    const Stats before = read_stats(*skel);
    const RunResult r = run_xdp(*skel, row.frame, ns.ifindex(), row.queue);
    REQUIRE(r.err == 0);
    CHECK(r.retval == row.verdict);
    CHECK(r.out == row.frame);  // steering never rewrites a frame
    const Stats d = delta(read_stats(*skel), before);
    CHECK(describe(d) == describe(expected(row.verdict, row.reason)));
  }
};

FrameBuilder v4(const Ip4& src, const Ip4& dst) {
  return std::move(FrameBuilder{}.eth().ipv4({.src = src, .dst = dst}));
}
FrameBuilder v6(const Ip6& src, const Ip6& dst) {
  return std::move(FrameBuilder{}.eth().ipv6({.src = src, .dst = dst}));
}
Bytes syn4(const Ip4& dst, std::uint16_t dport) {
  return v4(kRemote4, dst).tcp({.dport = dport}).build();
}
Bytes syn6(const Ip6& dst, std::uint16_t dport) {
  return v6(kRemote6, dst).tcp({.dport = dport}).build();
}
TcpKnobs flow_segment() {
  return {.sport = kFlowRemote, .dport = kFlowLocal, .flags = kAck, .payload = Bytes(100, 0xab)};
}

// MSS, SACK permitted, timestamps, NOP, window scale (RFC 9293 3.2, RFC 7323).
const Bytes kSynOptions = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1,
                           0, 0, 0, 0, 1, 3, 3, 7};
const Bytes kRouterAlert = {0x94, 0x04, 0x00, 0x00};  // RFC 2113

std::vector<Row> ipv4_rows() {
  return {
      {"SYN to an exact-address listener", syn4(kLocal4, kListenPort), XDP_REDIRECT,
       XTCP_STAT_REASON_LISTENER},
      {"SYN with MSS/SACK/TS/WS options to a listener",
       v4(kRemote4, kLocal4).tcp({.dport = kListenPort, .options = kSynOptions}).build(),
       XDP_REDIRECT, XTCP_STAT_REASON_LISTENER},
      {"segment of a known flow", v4(kRemote4, kLocal4).tcp(flow_segment()).build(),
       XDP_REDIRECT, XTCP_STAT_REASON_FLOW},
      {"flow on a listener port is counted as a flow (flows are looked up first)",
       v4(kRemote4, kLocal4).tcp({.sport = kFlowOnListenerRemote, .dport = kListenPort,
                                  .flags = kAck}).build(),
       XDP_REDIRECT, XTCP_STAT_REASON_FLOW},
      {"flow port, other remote port: no flow, no listener",
       v4(kRemote4, kLocal4).tcp({.sport = kFlowRemote + 1, .dport = kFlowLocal}).build(),
       XDP_PASS, XTCP_STAT_REASON_NO_MATCH},
      {"reverse direction of a flow is not the flow",
       v4(kLocal4, kRemote4).tcp({.sport = kFlowLocal, .dport = kFlowRemote}).build(),
       XDP_PASS, XTCP_STAT_REASON_NO_MATCH},
      {"listener port, wrong address", syn4(kOther4, kListenPort), XDP_PASS,
       XTCP_STAT_REASON_NO_MATCH},
      {"unowned port (ssh)", syn4(kLocal4, 22), XDP_PASS, XTCP_STAT_REASON_NO_MATCH},
      {"wildcard listener, local address", syn4(kLocal4, kWild4Port), XDP_REDIRECT,
       XTCP_STAT_REASON_LISTENER},
      {"wildcard listener, any other address", syn4(kOther4, kWild4Port), XDP_REDIRECT,
       XTCP_STAT_REASON_LISTENER},
      {"IPv4 on the IPv6 wildcard's port", syn4(kLocal4, kWild6Port), XDP_PASS,
       XTCP_STAT_REASON_NO_MATCH},
      {"IPv4 with options (router alert) still ours",
       FrameBuilder{}.eth().ipv4({.src = kRemote4, .dst = kLocal4, .options = kRouterAlert})
           .tcp({.dport = kListenPort}).build(),
       XDP_REDIRECT, XTCP_STAT_REASON_LISTENER},
      {"Ethernet padding after a short SYN is still ours",
       v4(kRemote4, kLocal4).tcp({.dport = kListenPort}).pad_to(60).build(), XDP_REDIRECT,
       XTCP_STAT_REASON_LISTENER},
      {"UDP to the listener port", v4(kRemote4, kLocal4).udp(40000, kListenPort).build(),
       XDP_PASS, XTCP_STAT_REASON_NOT_TCP},
      {"ICMP echo", v4(kRemote4, kLocal4).icmp_echo().build(), XDP_PASS,
       XTCP_STAT_REASON_NOT_TCP},
      {"ARP request", FrameBuilder{}.eth().arp().build(), XDP_PASS, XTCP_STAT_REASON_NOT_IP},
      {"LLDP", FrameBuilder{}.eth(0x88cc).raw(Bytes(40, 0)).build(), XDP_PASS,
       XTCP_STAT_REASON_NOT_IP},
  };
}

std::vector<Row> ipv6_rows() {
  std::vector<Row> rows = {
      {"IPv6 SYN to an exact-address listener", syn6(kLocal6, kListenPort), XDP_REDIRECT,
       XTCP_STAT_REASON_LISTENER},
      {"IPv6 segment of a known flow", v6(kRemote6, kLocal6).tcp(flow_segment()).build(),
       XDP_REDIRECT, XTCP_STAT_REASON_FLOW},
      {"IPv6 listener port, wrong address", syn6(kOther6, kListenPort), XDP_PASS,
       XTCP_STAT_REASON_NO_MATCH},
      {"IPv6 wildcard listener", syn6(kOther6, kWild6Port), XDP_REDIRECT,
       XTCP_STAT_REASON_LISTENER},
      {"IPv6 on the IPv4 wildcard's port", syn6(kLocal6, kWild4Port), XDP_PASS,
       XTCP_STAT_REASON_NO_MATCH},
      {"IPv6 UDP", v6(kRemote6, kLocal6).udp(40000, kListenPort).build(), XDP_PASS,
       XTCP_STAT_REASON_NOT_TCP},
      {"ICMPv6 echo", v6(kRemote6, kLocal6).icmpv6_echo().build(), XDP_PASS,
       XTCP_STAT_REASON_NOT_TCP},
      {"IPv6 no next header (59)",
       FrameBuilder{}.eth().ipv6({.src = kRemote6, .dst = kLocal6, .next_header = 59}).build(),
       XDP_PASS, XTCP_STAT_REASON_NOT_TCP},
  };
  // RFC 8200 section 4 and the IANA list: a listener SYN behind any of them
  // is still not ours.
  for (std::uint8_t ext : {0, 43, 44, 50, 51, 60, 135, 139, 140, 253, 254}) {
    rows.push_back({"IPv6 extension header " + std::to_string(ext) + " before a listener SYN",
                    FrameBuilder{}.eth()
                        .ipv6({.src = kRemote6, .dst = kLocal6, .ext_header = ext})
                        .tcp({.dport = kListenPort}).build(),
                    XDP_PASS, XTCP_STAT_REASON_IPV6_EXT});
  }
  return rows;
}

std::vector<Row> vlan_rows() {
  return {
      {"802.1Q-tagged SYN to a listener",
       FrameBuilder{}.eth().vlan(7).ipv4({.src = kRemote4, .dst = kLocal4})
           .tcp({.dport = kListenPort}).build(),
       XDP_REDIRECT, XTCP_STAT_REASON_LISTENER},
      {"802.1AD-tagged IPv6 flow segment",
       FrameBuilder{}.eth().vlan(7, kEthQinQ).ipv6({.src = kRemote6, .dst = kLocal6})
           .tcp(flow_segment()).build(),
       XDP_REDIRECT, XTCP_STAT_REASON_FLOW},
      {"802.1Q-tagged SYN to an unowned port",
       FrameBuilder{}.eth().vlan(7).ipv4({.src = kRemote4, .dst = kLocal4})
           .tcp({.dport = 22}).build(),
       XDP_PASS, XTCP_STAT_REASON_NO_MATCH},
      {"802.1Q-tagged UDP",
       FrameBuilder{}.eth().vlan(7).ipv4({.src = kRemote4, .dst = kLocal4}).udp(1, 2).build(),
       XDP_PASS, XTCP_STAT_REASON_NOT_TCP},
      {"802.1Q-tagged ARP", FrameBuilder{}.eth().vlan(7).arp().build(), XDP_PASS,
       XTCP_STAT_REASON_NOT_IP},
      {"two tags (QinQ) are not parsed: not IP",
       FrameBuilder{}.eth().vlan(7, kEthQinQ).vlan(8).ipv4({.src = kRemote4, .dst = kLocal4})
           .tcp({.dport = kListenPort}).build(),
       XDP_PASS, XTCP_STAT_REASON_NOT_IP},
  };
}

std::vector<Row> fragment_rows() {
  return {
      {"IPv4 first fragment (MF) of a listener SYN",
       FrameBuilder{}.eth()
           .ipv4({.src = kRemote4, .dst = kLocal4, .more_fragments = true})
           .tcp({.dport = kListenPort, .payload = Bytes(64, 1)}).build(),
       XDP_PASS, XTCP_STAT_REASON_IP_FRAGMENT},
      {"IPv4 middle fragment (MF, offset 185)",
       FrameBuilder{}.eth()
           .ipv4({.src = kRemote4, .dst = kLocal4, .more_fragments = true, .frag_offset = 185})
           .tcp({.dport = kListenPort}).build(),
       XDP_PASS, XTCP_STAT_REASON_IP_FRAGMENT},
      {"IPv4 last fragment (offset 185, no MF) of a flow",
       FrameBuilder{}.eth()
           .ipv4({.src = kRemote4, .dst = kLocal4, .frag_offset = 185})
           .tcp(flow_segment()).build(),
       XDP_PASS, XTCP_STAT_REASON_IP_FRAGMENT},
      {"IPv4 UDP fragment counts as a fragment too",
       FrameBuilder{}.eth()
           .ipv4({.src = kRemote4, .dst = kLocal4, .more_fragments = true})
           .udp(1, 2, Bytes(64, 2)).build(),
       XDP_PASS, XTCP_STAT_REASON_IP_FRAGMENT},
  };
}

// Frames the kernel will drop: we pass them and count them as malformed.
std::vector<Row> malformed_rows() {
  const auto syn = [] { return v4(kRemote4, kLocal4).tcp({.dport = kListenPort}); };
  const auto ip_knobs = [](Ipv4Knobs k) {
    k.src = kRemote4;
    k.dst = kLocal4;
    return FrameBuilder{}.eth().ipv4(k).tcp({.dport = kListenPort}).build();
  };
  const auto ip6_knobs = [](Ipv6Knobs k) {
    k.src = kRemote6;
    k.dst = kLocal6;
    return FrameBuilder{}.eth().ipv6(k).tcp({.dport = kListenPort}).build();
  };
  return {
      // BPF_PROG_TEST_RUN refuses frames under 14 bytes (ETH_HLEN), so the
      // shortest Ethernet case testable here is a cut VLAN tag.
      {"Ethernet cut inside the VLAN tag",
       FrameBuilder{}.eth().vlan(7).ipv4({.src = kRemote4, .dst = kLocal4}).tcp({})
           .truncate(16).build(),
       XDP_PASS, XTCP_STAT_MALFORMED_ETH},
      {"IPv4 EtherType, no IP header", syn().truncate(14).build(), XDP_PASS,
       XTCP_STAT_MALFORMED_IPV4},
      {"IPv4 header cut at 12 bytes", syn().truncate(14 + 12).build(), XDP_PASS,
       XTCP_STAT_MALFORMED_IPV4},
      {"IPv4 version 5", ip_knobs({.version = 5}), XDP_PASS, XTCP_STAT_MALFORMED_IPV4},
      {"IPv4 IHL 4 (< 5)", ip_knobs({.ihl = 4}), XDP_PASS, XTCP_STAT_MALFORMED_IPV4},
      {"IPv4 IHL 15, header runs past the packet", ip_knobs({.ihl = 15}), XDP_PASS,
       XTCP_STAT_MALFORMED_IPV4},
      {"IPv4 total length beyond the frame", ip_knobs({.tot_len = 1000}), XDP_PASS,
       XTCP_STAT_MALFORMED_IPV4},
      {"IPv4 total length below the header length", ip_knobs({.tot_len = 16}), XDP_PASS,
       XTCP_STAT_MALFORMED_IPV4},
      {"IPv4 frame cut inside TCP (length says more)", syn().truncate(14 + 20 + 10).build(),
       XDP_PASS, XTCP_STAT_MALFORMED_IPV4},
      {"IPv6 header cut at 30 bytes", v6(kRemote6, kLocal6).tcp({}).truncate(14 + 30).build(),
       XDP_PASS, XTCP_STAT_MALFORMED_IPV6},
      {"IPv6 version 4", ip6_knobs({.version = 4}), XDP_PASS, XTCP_STAT_MALFORMED_IPV6},
      {"IPv6 payload length beyond the frame", ip6_knobs({.payload_len = 200}), XDP_PASS,
       XTCP_STAT_MALFORMED_IPV6},
      {"IPv4 datagram holding 10 bytes of TCP header",
       syn().cut_packet(14 + 20 + 10).build(), XDP_PASS, XTCP_STAT_MALFORMED_TCP},
      {"IPv6 datagram holding 10 bytes of TCP header",
       v6(kRemote6, kLocal6).tcp({.dport = kListenPort}).cut_packet(14 + 40 + 10).build(),
       XDP_PASS, XTCP_STAT_MALFORMED_TCP},
      {"TCP data offset 4 (< 5)", v4(kRemote4, kLocal4).tcp({.dport = kListenPort, .doff = 4})
                                      .build(),
       XDP_PASS, XTCP_STAT_MALFORMED_TCP},
      {"TCP options run past the packet (data offset 15, no options)",
       v4(kRemote4, kLocal4).tcp({.dport = kListenPort, .doff = 15}).build(), XDP_PASS,
       XTCP_STAT_MALFORMED_TCP},
      {"TCP options past the IP length, inside Ethernet padding",
       v4(kRemote4, kLocal4).tcp({.dport = kListenPort, .doff = 8}).pad_to(80).build(),
       XDP_PASS, XTCP_STAT_MALFORMED_TCP},
      {"IPv6 TCP options run past the packet",
       v6(kRemote6, kLocal6).tcp({.dport = kListenPort, .doff = 15}).build(), XDP_PASS,
       XTCP_STAT_MALFORMED_TCP},
  };
}

void check_all(SteerEnv& env, const std::vector<Row>& rows) {
  for (const Row& row : rows) env.check(row);
}

// Every frame: one rx_frames, one verdict, one reason or malformed slot.
void check_invariant(const Stats& s) {
  std::uint64_t reasons = 0;
  for (int i = XTCP_STAT_REASON_LISTENER; i < XTCP_STAT_COUNT; ++i) reasons += s[i];
  INFO(describe(s));
  CHECK(s[XTCP_STAT_RX_FRAMES] > 0);
  CHECK(s[XTCP_STAT_VERDICT_PASS] + s[XTCP_STAT_VERDICT_REDIRECT] == s[XTCP_STAT_RX_FRAMES]);
  CHECK(reasons == s[XTCP_STAT_RX_FRAMES]);
  CHECK(s[XTCP_STAT_REASON_LISTENER] + s[XTCP_STAT_REASON_FLOW] ==
        s[XTCP_STAT_VERDICT_REDIRECT]);
}

}  // namespace

TEST_CASE("xtcp_steer classifies frames (BPF_PROG_TEST_RUN table)", "[bpf][root]") {
  SteerEnv env;
  env.require_ready();
  SECTION("IPv4") { check_all(env, ipv4_rows()); }
  SECTION("IPv6") { check_all(env, ipv6_rows()); }
  SECTION("VLAN") { check_all(env, vlan_rows()); }
  SECTION("IPv4 fragments") { check_all(env, fragment_rows()); }
  SECTION("malformed") { check_all(env, malformed_rows()); }
  check_invariant(read_stats(*env.skel));
}

TEST_CASE("xtcp_steer passes owned segments when the queue has no socket", "[bpf][root]") {
  SteerEnv env;
  env.require_ready();

  SECTION("queue 1 never had a socket") {
    env.check({"listener SYN on queue 1", syn4(kLocal4, kListenPort), XDP_PASS,
               XTCP_STAT_REASON_NO_SOCKET, 1});
    env.check({"UDP on queue 1 stays not-TCP", v4(kRemote4, kLocal4).udp(1, 2).build(),
               XDP_PASS, XTCP_STAT_REASON_NOT_TCP, 1});
  }
  SECTION("socket removed from queue 0, then put back") {
    REQUIRE(xsks_clear(*env.skel, 0) == 0);
    env.check({"listener SYN, socket removed", syn4(kLocal4, kListenPort), XDP_PASS,
               XTCP_STAT_REASON_NO_SOCKET});
    env.check({"IPv6 flow segment, socket removed",
               v6(kRemote6, kLocal6).tcp(flow_segment()).build(), XDP_PASS,
               XTCP_STAT_REASON_NO_SOCKET});
    env.check({"unowned SYN, socket removed", syn4(kLocal4, 22), XDP_PASS,
               XTCP_STAT_REASON_NO_MATCH});
    REQUIRE(xsks_set(*env.skel, 0, env.xsk->fd()) == 0);
    env.check({"listener SYN, socket back", syn4(kLocal4, kListenPort), XDP_REDIRECT,
               XTCP_STAT_REASON_LISTENER});
  }
  check_invariant(read_stats(*env.skel));
}

TEST_CASE("xtcp_steer counts the same on every frame of a repeat run", "[bpf][root]") {
  SteerEnv env;
  env.require_ready();
  const Stats before = read_stats(*env.skel);
  constexpr int kFrames = 50;
  for (int i = 0; i < kFrames; ++i) {
    const RunResult r = run_xdp(*env.skel, syn4(kLocal4, kListenPort), env.ns.ifindex(), 0);
    REQUIRE(r.err == 0);
    REQUIRE(r.retval == XDP_REDIRECT);
  }
  const Stats d = delta(read_stats(*env.skel), before);
  CHECK(d[XTCP_STAT_RX_FRAMES] == kFrames);
  CHECK(d[XTCP_STAT_VERDICT_REDIRECT] == kFrames);
  CHECK(d[XTCP_STAT_REASON_LISTENER] == kFrames);
}

// Why the malformed table has no sub-14-byte row: BPF_PROG_TEST_RUN rejects
// such frames before the program runs, so nothing may be counted.
TEST_CASE("frames shorter than an Ethernet header never reach the program", "[bpf][root]") {
  SteerEnv env;
  env.require_ready();
  const Stats before = read_stats(*env.skel);
  const RunResult r = run_xdp(*env.skel, Bytes(13, 0xff), env.ns.ifindex(), 0);
  CHECK(r.err == -EINVAL);
  CHECK(describe(delta(read_stats(*env.skel), before)) == "(none)");
}
