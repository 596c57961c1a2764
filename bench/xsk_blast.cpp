// xsk-blast: sends pre-built TCP ACK frames through one AF_XDP socket as fast
// as the ring allows, for a bounded time, and reports frames, pps and
// Gbit/s. Used in the peer namespace (flooding a steered port measures
// AF_XDP receive at the dut) and in the dut (measures AF_XDP transmit).
// TX needs no XDP program: the socket binds with INHIBIT_PROG_LOAD.
#include <arpa/inet.h>
#include <getopt.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include "xsk/netlink.h"
#include "xsk/xsk_socket.h"

using namespace xtcp::xsk;

namespace {

constexpr uint32_t kBatch = 64;
constexpr double kMaxSeconds = 3600;  // bounded, whatever the caller asks
constexpr uint32_t kMinSize = 64;     // without FCS: 14 + 20 + 20 + 10

std::atomic<bool> g_stop{false};

struct Options {
  std::string iface;
  uint32_t queue = 0;
  uint32_t size = 64;
  double seconds = 5;
  std::string src_mac, dst_mac, src_ip, dst_ip;
  uint16_t src_port = 40000, dst_port = 5201;
  BindMode mode = BindMode::kAuto;
  bool json = false;
};

[[noreturn]] void usage(const char* why) {
  if (why) std::fprintf(stderr, "xsk-blast: %s\n", why);
  std::fprintf(stderr,
               "usage: xsk-blast --iface IF [--queue Q] --size BYTES --seconds S [--src-mac MAC]\n"
               "                 [--dst-mac MAC] --src-ip A --dst-ip B [--dst-port P] [--src-port P]\n"
               "                 [--mode auto|copy|zerocopy] [--json]\n");
  std::exit(2);
}

bool parse_u32(const char* s, uint32_t lo, uint32_t hi, uint32_t* out) {
  char* end = nullptr;
  const unsigned long v = std::strtoul(s, &end, 10);
  if (!*s || *end || v < lo || v > hi) return false;
  *out = static_cast<uint32_t>(v);
  return true;
}

Options parse_args(int argc, char** argv) {
  static const option longs[] = {
      {"iface", required_argument, nullptr, 'i'},    {"queue", required_argument, nullptr, 'q'},
      {"size", required_argument, nullptr, 'b'},     {"seconds", required_argument, nullptr, 't'},
      {"src-mac", required_argument, nullptr, 'S'},  {"dst-mac", required_argument, nullptr, 'D'},
      {"src-ip", required_argument, nullptr, 's'},   {"dst-ip", required_argument, nullptr, 'd'},
      {"dst-port", required_argument, nullptr, 'P'}, {"src-port", required_argument, nullptr, 'p'},
      {"mode", required_argument, nullptr, 'm'},     {"json", no_argument, nullptr, 'j'},
      {"help", no_argument, nullptr, 'h'},           {nullptr, 0, nullptr, 0}};
  Options o;
  uint32_t v = 0;
  for (int c; (c = getopt_long(argc, argv, "", longs, nullptr)) != -1;) {
    switch (c) {
      case 'i': o.iface = optarg; break;
      case 'q': if (!parse_u32(optarg, 0, 1023, &o.queue)) usage("--queue must be 0..1023"); break;
      case 'b': if (!parse_u32(optarg, kMinSize, 4096, &o.size)) usage("--size must be 64..4096"); break;
      case 't': {
        char* end = nullptr;
        o.seconds = std::strtod(optarg, &end);
        if (*end || !(o.seconds > 0) || o.seconds > kMaxSeconds) usage("--seconds must be in (0, 3600]");
        break;
      }
      case 'S': o.src_mac = optarg; break;
      case 'D': o.dst_mac = optarg; break;
      case 's': o.src_ip = optarg; break;
      case 'd': o.dst_ip = optarg; break;
      case 'P': if (!parse_u32(optarg, 1, 65535, &v)) usage("--dst-port must be 1..65535"); o.dst_port = uint16_t(v); break;
      case 'p': if (!parse_u32(optarg, 1, 65535, &v)) usage("--src-port must be 1..65535"); o.src_port = uint16_t(v); break;
      case 'm': if (!parse_bind_mode(optarg, &o.mode)) usage("--mode must be auto, copy or zerocopy"); break;
      case 'j': o.json = true; break;
      case 'h': usage(nullptr);
      default: usage("unknown option");
    }
  }
  if (optind != argc) usage("unexpected argument");
  if (o.iface.empty() || o.src_ip.empty() || o.dst_ip.empty()) usage("--iface, --src-ip and --dst-ip are required");
  return o;
}

// RFC 1071 one's-complement sum, folded by the caller.
uint32_t sum16(const uint8_t* p, size_t n, uint32_t acc) {
  for (; n > 1; p += 2, n -= 2) acc += uint32_t(p[0] << 8 | p[1]);
  if (n) acc += uint32_t(p[0] << 8);
  return acc;
}
uint16_t fold(uint32_t acc) {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return uint16_t(~acc);
}
void put16(uint8_t* p, uint16_t v) { p[0] = uint8_t(v >> 8); p[1] = uint8_t(v); }
void put32(uint8_t* p, uint32_t v) { put16(p, uint16_t(v >> 16)); put16(p + 2, uint16_t(v)); }

// Ethernet + IPv4 (RFC 791) + TCP ACK (RFC 9293 3.1), zero payload, with
// both checksums valid so a kernel receiver would accept the headers.
void build_frame(uint8_t* f, uint32_t size, const MacAddr& src_mac, const MacAddr& dst_mac,
                 const IpAddr& src, const IpAddr& dst, uint16_t sport, uint16_t dport) {
  std::memset(f, 0, size);
  std::memcpy(f, dst_mac.data(), 6);
  std::memcpy(f + 6, src_mac.data(), 6);
  put16(f + 12, 0x0800);
  uint8_t* ip = f + 14;
  const uint16_t ip_len = uint16_t(size - 14);
  ip[0] = 0x45;
  put16(ip + 2, ip_len);
  put16(ip + 6, 0x4000);  // DF
  ip[8] = 64;
  ip[9] = 6;
  std::memcpy(ip + 12, src.bytes.data(), 4);
  std::memcpy(ip + 16, dst.bytes.data(), 4);
  put16(ip + 10, fold(sum16(ip, 20, 0)));
  uint8_t* tcp = ip + 20;
  const uint16_t tcp_len = uint16_t(ip_len - 20);
  put16(tcp, sport);
  put16(tcp + 2, dport);
  put32(tcp + 4, 1);
  put32(tcp + 8, 1);
  tcp[12] = 5 << 4;
  tcp[13] = 0x10;  // ACK
  put16(tcp + 14, 65535);
  // Pseudo-header: src, dst, zero, protocol, TCP length (RFC 9293 3.1).
  uint32_t acc = sum16(ip + 12, 8, 0) + 6 + tcp_len;
  put16(tcp + 16, fold(sum16(tcp, tcp_len, acc)));
}

MacAddr need_mac(const std::string& text, const char* what) {
  auto m = parse_mac(text);
  if (!m) usage(what);
  return *m;
}

// The next hop's MAC from the kernel's neighbour table (resolving if needed).
MacAddr resolve_dst_mac(int ifindex, const IpAddr& dst) {
  IpAddr hop = dst;
  if (auto r = route_to(dst); r && r->oif == ifindex && r->gateway) hop = *r->gateway;
  auto n = resolve_neighbour(ifindex, hop, std::chrono::milliseconds(3000));
  if (!n) {
    std::fprintf(stderr, "xsk-blast: %s; pass --dst-mac\n", n.message().c_str());
    std::exit(1);
  }
  return n->mac;
}

struct Totals {
  uint64_t frames = 0;
  double seconds = 0;
};

// The send loop: reap completions, take free frames, submit a batch, kick.
Totals blast(XskSocket& s, uint32_t size, double seconds) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  Totals t;
  xdp_desc batch[kBatch];
  while (!g_stop.load(std::memory_order_relaxed) && clock::now() < end) {
    t.frames += s.reap_completions(kBatch * 4);
    uint32_t n = 0;
    for (; n < kBatch; ++n) {
      const uint64_t a = s.alloc_tx_frame();
      if (a == FramePool::kNoFrame) break;
      batch[n] = xdp_desc{a, size, 0};
    }
    const uint32_t sent = s.tx_burst(batch, n);
    for (uint32_t i = sent; i < n; ++i) s.release(batch[i].addr);
    if (int err = s.kick_tx(); err) {
      std::fprintf(stderr, "xsk-blast: sending failed: %s\n", std::strerror(-err));
      break;
    }
  }
  // Count what the kernel still completes, bounded to one second.
  const auto drain_end = clock::now() + std::chrono::seconds(1);
  while (s.pool().in_tx() > 0 && clock::now() < drain_end) {
    (void)s.kick_tx();
    t.frames += s.reap_completions(kBatch * 4);
  }
  t.seconds = std::chrono::duration<double>(clock::now() - start).count();
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_args(argc, argv);
  const auto src = IpAddr::parse(o.src_ip);
  const auto dst = IpAddr::parse(o.dst_ip);
  if (!src || !dst || !src->is_v4() || !dst->is_v4()) usage("--src-ip and --dst-ip must be IPv4 addresses");

  auto link = link_info(o.iface);
  if (!link) {
    std::fprintf(stderr, "xsk-blast: %s\n", link.message().c_str());
    return 1;
  }
  const MacAddr src_mac = o.src_mac.empty() ? link->mac : need_mac(o.src_mac, "--src-mac is not a MAC address");
  const MacAddr dst_mac = o.dst_mac.empty() ? resolve_dst_mac(link->ifindex, *dst)
                                            : need_mac(o.dst_mac, "--dst-mac is not a MAC address");

  XskConfig cfg;
  cfg.mode = o.mode;
  cfg.frame_count = 4096;
  if (o.size > cfg.frame_size) usage("--size is larger than the UMEM frame size");
  auto sock = XskSocket::create(o.iface, o.queue, cfg);
  if (!sock) {
    std::fprintf(stderr, "xsk-blast: %s\n", sock.message().c_str());
    return 1;
  }
  XskSocket& s = **sock;
  // Every frame holds the same packet; completed frames are resent as is.
  for (uint32_t i = 0; i < cfg.frame_count; ++i)
    build_frame(s.data(uint64_t(i) * cfg.frame_size), o.size, src_mac, dst_mac, *src, *dst, o.src_port, o.dst_port);

  std::signal(SIGINT, [](int) { g_stop = true; });
  std::signal(SIGTERM, [](int) { g_stop = true; });
  const Totals t = blast(s, o.size, o.seconds);
  const double pps = t.seconds > 0 ? double(t.frames) / t.seconds : 0;
  const double gbps = pps * o.size * 8 / 1e9;
  if (o.json)
    std::printf("{\"frames\":%llu,\"seconds\":%.3f,\"pps\":%.0f,\"gbps\":%.3f,\"size\":%u,\"mode\":\"%s\"}\n",
                static_cast<unsigned long long>(t.frames), t.seconds, pps, gbps, o.size, s.mode_name());
  else
    std::printf("xsk-blast: %s queue %u (%s mode): %llu frames of %u B in %.3f s: %.3f Mpps, %.3f Gbit/s\n",
                o.iface.c_str(), o.queue, s.mode_name(), static_cast<unsigned long long>(t.frames), o.size,
                t.seconds, pps / 1e6, gbps);
  return t.frames > 0 ? 0 : 1;
}
