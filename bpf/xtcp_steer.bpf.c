// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * xtcp_steer: the XDP program in front of xtcpd. A TCP segment is ours when
 * its 5-tuple is a known flow or its (destination address, port) a listener;
 * ours goes to the AF_XDP socket of the receiving queue, everything else to
 * the kernel untouched. Every frame is counted once in rx_frames, once in a
 * verdict and once in a reason (include/xtcp/steer_abi.h).
 */
#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "xtcp/steer_abi.h"
#include "constants.h"
#include "maps.h"
#include "parsing.h"

static __always_inline int reason_is_ours(__u32 reason)
{
  return reason == XTCP_STAT_REASON_LISTENER ||
         reason == XTCP_STAT_REASON_FLOW;
}

/* Flows first: established traffic is the hot path, SYNs are rare.
 * Keys are zeroed whole so the pad bytes hash the same as userspace's. */
static __always_inline __u32 match_tcp(__u8 family, const void *saddr,
                                       const void *daddr, __u32 alen,
                                       const struct tcphdr *tcp)
{
  struct xtcp_flow_key fk;
  struct xtcp_listener_key lk;

  __builtin_memset(&fk, 0, sizeof(fk));
  fk.family = family;
  fk.local_port = tcp->dest;
  fk.remote_port = tcp->source;
  if (alen == 4) {
    __builtin_memcpy(fk.local_addr, daddr, 4);
    __builtin_memcpy(fk.remote_addr, saddr, 4);
  } else {
    __builtin_memcpy(fk.local_addr, daddr, 16);
    __builtin_memcpy(fk.remote_addr, saddr, 16);
  }
  if (flow_known(&fk))
    return XTCP_STAT_REASON_FLOW;

  __builtin_memset(&lk, 0, sizeof(lk));
  lk.family = family;
  lk.port = tcp->dest;
  __builtin_memcpy(lk.addr, fk.local_addr, sizeof(lk.addr));
  if (listener_known(&lk))
    return XTCP_STAT_REASON_LISTENER;
  return XTCP_STAT_REASON_NO_MATCH;
}

static __always_inline __u32 classify_ipv4(struct hdr_cursor *c)
{
  struct iphdr *ip;
  struct tcphdr *tcp;
  __u32 l4_len;

  if (parse_ipv4(c, &ip, &l4_len) != XTCP_PARSE_OK)
    return XTCP_STAT_MALFORMED_IPV4;
  if (ipv4_is_fragment(ip))
    return XTCP_STAT_REASON_IP_FRAGMENT;
  if (ip->protocol != IPPROTO_TCP)
    return XTCP_STAT_REASON_NOT_TCP;
  if (parse_tcp(c, l4_len, &tcp) != XTCP_PARSE_OK)
    return XTCP_STAT_MALFORMED_TCP;
  return match_tcp(XTCP_FAMILY_IPV4, &ip->saddr, &ip->daddr, 4, tcp);
}

static __always_inline __u32 classify_ipv6(struct hdr_cursor *c)
{
  struct ipv6hdr *ip6;
  struct tcphdr *tcp;
  __u32 l4_len;

  if (parse_ipv6(c, &ip6, &l4_len) != XTCP_PARSE_OK)
    return XTCP_STAT_MALFORMED_IPV6;
  if (ip6->nexthdr != IPPROTO_TCP)
    return ipv6_is_ext_header(ip6->nexthdr) ? XTCP_STAT_REASON_IPV6_EXT
                                            : XTCP_STAT_REASON_NOT_TCP;
  if (parse_tcp(c, l4_len, &tcp) != XTCP_PARSE_OK)
    return XTCP_STAT_MALFORMED_TCP;
  return match_tcp(XTCP_FAMILY_IPV6, &ip6->saddr, &ip6->daddr, 16, tcp);
}

/* The stat slot that explains the frame: a reason or a malformed slot. */
static __always_inline __u32 classify(struct xdp_md *ctx)
{
  struct hdr_cursor c = {
      .pos = (void *)(long)ctx->data,
      .end = (void *)(long)ctx->data_end,
  };
  __be16 proto;

  if (parse_eth(&c, &proto) != XTCP_PARSE_OK)
    return XTCP_STAT_MALFORMED_ETH;
  if (proto == bpf_htons(ETH_P_IP))
    return classify_ipv4(&c);
  if (proto == bpf_htons(ETH_P_IPV6))
    return classify_ipv6(&c);
  return XTCP_STAT_REASON_NOT_IP;
}

SEC("xdp")
int xtcp_steer(struct xdp_md *ctx)
{
  __u32 reason = classify(ctx);
  int action = XDP_PASS;

  if (reason_is_ours(reason)) {
    /* XDP_PASS in the flags is the fallback when xsks[queue] is empty. */
    action = bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS);
    if (action != XDP_REDIRECT) {
      action = XDP_PASS;
      reason = XTCP_STAT_REASON_NO_SOCKET;
    }
  }
  stat_inc(XTCP_STAT_RX_FRAMES);
  stat_inc(action == XDP_REDIRECT ? XTCP_STAT_VERDICT_REDIRECT
                                  : XTCP_STAT_VERDICT_PASS);
  stat_inc(reason);
  return action;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
