#include "xsk/netlink.h"

#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <thread>

#include "xsk/netlink_socket.h"

namespace xtcp::xsk {

namespace {

Error no_such_interface(const std::string& name) {
  return make_error(-ENODEV, "no interface named '" + name + "'; check the name with `ip link`");
}

void parse_link(const nlmsghdr* h, LinkInfo* out) {
  const auto* ifi = static_cast<const ifinfomsg*>(NLMSG_DATA(h));
  out->ifindex = ifi->ifi_index;
  out->up = (ifi->ifi_flags & IFF_UP) != 0;
  nl::for_each_attr(h, sizeof(ifinfomsg), [&](uint16_t type, const void* data, size_t len) {
    if (type == IFLA_IFNAME) out->name.assign(static_cast<const char*>(data), strnlen(static_cast<const char*>(data), len));
    if (type == IFLA_ADDRESS && len == 6) std::memcpy(out->mac.data(), data, 6);
    if (type == IFLA_MTU && len >= 4) std::memcpy(&out->mtu, data, 4);
    if (type == IFLA_XDP) {
      // Nested: IFLA_XDP_PROG_ID is the attached program, if any.
      int nlen = static_cast<int>(len);
      for (auto* rta = static_cast<const rtattr*>(data); RTA_OK(rta, nlen); rta = RTA_NEXT(rta, nlen))
        if (rta->rta_type == IFLA_XDP_PROG_ID && RTA_PAYLOAD(rta) >= 4)
          std::memcpy(&out->xdp_prog_id, RTA_DATA(rta), 4);
    }
  });
}

Result<LinkInfo> get_link(int ifindex, const std::string& name) {
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = ifindex;
  nl::Request req(RTM_GETLINK, 0, &ifi, sizeof(ifi));
  if (ifindex == 0) {
    if (name.empty() || name.size() >= IF_NAMESIZE) return no_such_interface(name);
    req.add(IFLA_IFNAME, name.c_str(), name.size() + 1);
  }
  LinkInfo info;
  bool got = false;
  const int err = nl::transact(req, [&](const nlmsghdr* h) {
    if (h->nlmsg_type == RTM_NEWLINK) {
      parse_link(h, &info);
      got = true;
    }
  });
  if (err == -ENODEV || (err == 0 && !got))
    return no_such_interface(ifindex ? "#" + std::to_string(ifindex) : name);
  if (err) return make_error(err, "could not query interface '" + name + "' over rtnetlink");
  return info;
}

void put_addr(nl::Request& req, uint16_t type, const IpAddr& a) { req.add(type, a.bytes.data(), a.size()); }

IpAddr addr_from(uint8_t family, const void* data) {
  return family == AF_INET6 ? IpAddr::v6(static_cast<const uint8_t*>(data))
                            : IpAddr::v4(static_cast<const uint8_t*>(data));
}

}  // namespace

std::optional<MacAddr> parse_mac(const std::string& text) {
  MacAddr m{};
  unsigned v[6];
  char tail = 0;
  if (std::sscanf(text.c_str(), "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6)
    return std::nullopt;
  for (int i = 0; i < 6; ++i) {
    if (v[i] > 0xff) return std::nullopt;
    m[i] = static_cast<uint8_t>(v[i]);
  }
  return m;
}

std::string mac_to_string(const MacAddr& m) {
  char buf[18];
  std::snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return buf;
}

// The kernel's NUD_VALID (include/net/neighbour.h): states with a usable MAC.
bool Neighbour::reachable() const {
  constexpr uint16_t kValid = NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | NUD_DELAY;
  return has_mac && (state & kValid) != 0;
}

Result<int> ifindex_of(const std::string& ifname) {
  auto l = get_link(0, ifname);
  if (!l) return l.error();
  return l->ifindex;
}

Result<LinkInfo> link_info(const std::string& ifname) { return get_link(0, ifname); }
Result<LinkInfo> link_info(int ifindex) {
  if (ifindex <= 0) return no_such_interface("#" + std::to_string(ifindex));
  return get_link(ifindex, "");
}

Result<QueueCount> queue_count(const std::string& ifname) {
  if (ifname.empty() || ifname.size() >= IF_NAMESIZE) return no_such_interface(ifname);
  // ETHTOOL_GCHANNELS asks the driver of this namespace's interface; /sys
  // may show another namespace's view when we only setns()'d.
  const int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s >= 0) {
    ethtool_channels ch{};
    ch.cmd = ETHTOOL_GCHANNELS;
    ifreq ifr{};
    std::memcpy(ifr.ifr_name, ifname.c_str(), ifname.size());
    ifr.ifr_data = reinterpret_cast<char*>(&ch);
    const int rc = ioctl(s, SIOCETHTOOL, &ifr);
    const int e = errno;
    close(s);
    if (rc == 0 && (ch.rx_count + ch.combined_count) > 0)
      return QueueCount{ch.rx_count + ch.combined_count, ch.tx_count + ch.combined_count};
    if (rc != 0 && e == ENODEV) return no_such_interface(ifname);
  }
  QueueCount q;
  std::error_code ec;
  for (const auto& d : std::filesystem::directory_iterator("/sys/class/net/" + ifname + "/queues", ec)) {
    const std::string n = d.path().filename().string();
    if (n.rfind("rx-", 0) == 0) ++q.rx;
    if (n.rfind("tx-", 0) == 0) ++q.tx;
  }
  if (ec) return make_error(ec.value(), "could not count the queues of '" + ifname + "'");
  return q;
}

Result<std::vector<IfAddress>> addresses(int ifindex, int family) {
  ifaddrmsg ifa{};
  ifa.ifa_family = static_cast<uint8_t>(family);
  nl::Request req(RTM_GETADDR, NLM_F_DUMP, &ifa, sizeof(ifa));
  std::vector<IfAddress> out;
  const int err = nl::transact(req, [&](const nlmsghdr* h) {
    if (h->nlmsg_type != RTM_NEWADDR) return;
    const auto* m = static_cast<const ifaddrmsg*>(NLMSG_DATA(h));
    if (static_cast<int>(m->ifa_index) != ifindex) return;
    if (m->ifa_family != AF_INET && m->ifa_family != AF_INET6) return;
    std::optional<IpAddr> local, address;
    nl::for_each_attr(h, sizeof(ifaddrmsg), [&](uint16_t type, const void* data, size_t len) {
      if (len < (m->ifa_family == AF_INET ? 4u : 16u)) return;
      if (type == IFA_LOCAL) local = addr_from(m->ifa_family, data);
      if (type == IFA_ADDRESS) address = addr_from(m->ifa_family, data);
    });
    // IFA_LOCAL is our address; IFA_ADDRESS is the peer on point-to-point.
    if (local || address) out.push_back({local ? *local : *address, m->ifa_prefixlen});
  });
  if (err) return make_error(err, "could not list the addresses of interface #" + std::to_string(ifindex));
  return out;
}

Result<Route> route_to(const IpAddr& dst) {
  rtmsg rt{};
  rt.rtm_family = dst.family;
  rt.rtm_dst_len = static_cast<uint8_t>(dst.size() * 8);
  nl::Request req(RTM_GETROUTE, 0, &rt, sizeof(rt));
  put_addr(req, RTA_DST, dst);
  Route r;
  bool got = false;
  const int err = nl::transact(req, [&](const nlmsghdr* h) {
    if (h->nlmsg_type != RTM_NEWROUTE) return;
    got = true;
    nl::for_each_attr(h, sizeof(rtmsg), [&](uint16_t type, const void* data, size_t len) {
      if (type == RTA_OIF && len >= 4) std::memcpy(&r.oif, data, 4);
      if (len < dst.size()) return;
      if (type == RTA_GATEWAY) r.gateway = addr_from(dst.family, data);
      if (type == RTA_PREFSRC) r.prefsrc = addr_from(dst.family, data);
    });
  });
  if (err == -ENETUNREACH || err == -EHOSTUNREACH || (err == 0 && !got))
    return make_error(err ? err : -ENETUNREACH, "no route to " + dst.to_string() + "; check `ip route`");
  if (err) return make_error(err, "could not look up the route to " + dst.to_string());
  return r;
}

Result<Neighbour> neighbour(int ifindex, const IpAddr& addr) {
  ndmsg nd{};
  nd.ndm_family = addr.family;
  nd.ndm_ifindex = ifindex;
  nl::Request req(RTM_GETNEIGH, 0, &nd, sizeof(nd));
  put_addr(req, NDA_DST, addr);
  Neighbour n;
  bool got = false;
  const int err = nl::transact(req, [&](const nlmsghdr* h) {
    if (h->nlmsg_type != RTM_NEWNEIGH) return;
    got = true;
    n.state = static_cast<const ndmsg*>(NLMSG_DATA(h))->ndm_state;
    nl::for_each_attr(h, sizeof(ndmsg), [&](uint16_t type, const void* data, size_t len) {
      if (type == NDA_LLADDR && len == 6) {
        std::memcpy(n.mac.data(), data, 6);
        n.has_mac = true;
      }
    });
  });
  if (err == -ENOENT || (err == 0 && !got))
    return make_error(-ENOENT, "no neighbour entry for " + addr.to_string());
  if (err) return make_error(err, "could not look up the neighbour " + addr.to_string());
  return n;
}

Status request_neighbour_resolution(int ifindex, const IpAddr& addr) {
  // `ip neigh replace ADDR dev IF use`: NTF_USE makes the kernel send its
  // own ARP request / neighbour solicitation (RFC 826, RFC 4861 7.2.2).
  ndmsg nd{};
  nd.ndm_family = addr.family;
  nd.ndm_ifindex = ifindex;
  nd.ndm_state = NUD_NONE;
  nd.ndm_flags = NTF_USE;
  nl::Request req(RTM_NEWNEIGH, NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, &nd, sizeof(nd));
  put_addr(req, NDA_DST, addr);
  const int err = nl::transact(req, [](const nlmsghdr*) {});
  if (err) return make_error(err, "could not ask the kernel to resolve " + addr.to_string());
  return Status::success();
}

Result<Neighbour> resolve_neighbour(int ifindex, const IpAddr& addr, std::chrono::milliseconds timeout) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + timeout;
  if (auto n = neighbour(ifindex, addr); n && n->reachable()) return n;
  if (Status s = request_neighbour_resolution(ifindex, addr); !s) return s.error();
  while (clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (auto n = neighbour(ifindex, addr); n && n->reachable()) return n;
  }
  return make_error(-ETIMEDOUT, "the kernel could not resolve " + addr.to_string() + " within " +
                                    std::to_string(timeout.count()) + " ms; is the peer up?");
}

}  // namespace xtcp::xsk
