// A minimal NETLINK_ROUTE request/response helper for netlink.cpp: one
// socket per request, replies bounded by a receive timeout.
#pragma once

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <cstdint>
#include <cstring>
#include <functional>

namespace xtcp::xsk::nl {

// A request under construction: header, family struct, attributes.
struct Request {
  alignas(NLMSG_ALIGNTO) uint8_t buf[512] = {};
  nlmsghdr* hdr() { return reinterpret_cast<nlmsghdr*>(buf); }

  Request(uint16_t type, uint16_t flags, const void* body, size_t body_len) {
    hdr()->nlmsg_len = NLMSG_LENGTH(body_len);
    hdr()->nlmsg_type = type;
    hdr()->nlmsg_flags = NLM_F_REQUEST | flags;
    std::memcpy(NLMSG_DATA(hdr()), body, body_len);
  }
  // Appends one attribute; false if the buffer is full.
  bool add(uint16_t type, const void* data, size_t len) {
    const size_t off = NLMSG_ALIGN(hdr()->nlmsg_len);
    const size_t alen = RTA_LENGTH(len);
    if (off + RTA_ALIGN(alen) > sizeof(buf)) return false;
    auto* rta = reinterpret_cast<rtattr*>(buf + off);
    rta->rta_type = type;
    rta->rta_len = static_cast<uint16_t>(alen);
    std::memcpy(RTA_DATA(rta), data, len);
    hdr()->nlmsg_len = static_cast<uint32_t>(off + RTA_ALIGN(alen));
    return true;
  }
};

// Called for every reply message that is not an error/ack/done.
using OnMessage = std::function<void(const nlmsghdr*)>;

// Sends req and feeds replies to on_msg until the kernel says done (dump),
// acks, or sends a single non-multipart reply. Returns 0 or -errno (the
// kernel's error, or -ETIMEDOUT after 2 s without an answer).
int transact(Request& req, const OnMessage& on_msg);

// Walks the attributes that follow a family struct of size hdr_len.
template <class F>
void for_each_attr(const nlmsghdr* h, size_t hdr_len, F&& f) {
  const auto* base = reinterpret_cast<const uint8_t*>(NLMSG_DATA(h));
  int len = static_cast<int>(h->nlmsg_len) - static_cast<int>(NLMSG_LENGTH(hdr_len));
  auto* rta = reinterpret_cast<const rtattr*>(base + NLMSG_ALIGN(hdr_len));
  for (; len > 0 && RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
    f(rta->rta_type, RTA_DATA(rta), RTA_PAYLOAD(rta));
}

}  // namespace xtcp::xsk::nl
