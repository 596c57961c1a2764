/* SPDX-License-Identifier: MIT */
/*
 * parsing.h: bounds-checked header parsers over a cursor that walks the
 * frame. Each parser checks that its whole header lies before data_end,
 * advances the cursor past it and returns XTCP_PARSE_OK, or returns
 * XTCP_PARSE_MALFORMED and leaves the verdict to the caller.
 */
#ifndef XTCP_BPF_PARSING_H
#define XTCP_BPF_PARSING_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "constants.h"

struct hdr_cursor {
  void *pos;
  void *end;
};

/* 802.1Q / 802.1AD tag: TCI then the encapsulated EtherType (IEEE 802.1Q). */
struct xtcp_vlan_hdr {
  __be16 tci;
  __be16 encap_proto;
};

static __always_inline int is_vlan_proto(__be16 proto)
{
  return proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD);
}

/* Ethernet plus at most one VLAN tag. *proto gets the EtherType (network
 * order) after the tag; a second tag comes back as a VLAN EtherType, which
 * the caller treats as not IP. */
static __always_inline int parse_eth(struct hdr_cursor *c, __be16 *proto)
{
  struct ethhdr *eth = c->pos;
  struct xtcp_vlan_hdr *vlan;

  if ((void *)(eth + 1) > c->end)
    return XTCP_PARSE_MALFORMED;
  c->pos = eth + 1;
  *proto = eth->h_proto;
  if (!is_vlan_proto(*proto))
    return XTCP_PARSE_OK;
  vlan = c->pos;
  if ((void *)(vlan + 1) > c->end)
    return XTCP_PARSE_MALFORMED;
  c->pos = vlan + 1;
  *proto = vlan->encap_proto;
  return XTCP_PARSE_OK;
}

/* IPv4 (RFC 791 section 3.1): version 4, IHL >= 5, the header with its
 * options inside the frame, IHL*4 <= total length <= bytes present.
 * *l4_len gets total length minus header length. */
static __always_inline int parse_ipv4(struct hdr_cursor *c, struct iphdr **out,
                                      __u32 *l4_len)
{
  struct iphdr *ip = c->pos;
  __u32 hlen, tot_len;

  if ((void *)(ip + 1) > c->end)
    return XTCP_PARSE_MALFORMED;
  if (ip->version != 4 || ip->ihl < 5)
    return XTCP_PARSE_MALFORMED;
  hlen = ip->ihl * 4;
  if (c->pos + hlen > c->end)
    return XTCP_PARSE_MALFORMED;
  tot_len = bpf_ntohs(ip->tot_len);
  /* Trailing Ethernet padding is fine; missing bytes are not. */
  if (tot_len < hlen || c->pos + tot_len > c->end)
    return XTCP_PARSE_MALFORMED;
  c->pos += hlen;
  *out = ip;
  *l4_len = tot_len - hlen;
  return XTCP_PARSE_OK;
}

/* MF set or a non-zero offset (RFC 791 section 3.2): only a reassembled
 * datagram can be a whole segment, and reassembly is the kernel's job. */
static __always_inline int ipv4_is_fragment(const struct iphdr *ip)
{
  return (ip->frag_off & bpf_htons(XTCP_IP_MF | XTCP_IP_OFFSET)) != 0;
}

/* IPv6 fixed header only (RFC 8200 section 3): version 6, 40 bytes present,
 * payload length <= bytes present. */
static __always_inline int parse_ipv6(struct hdr_cursor *c,
                                      struct ipv6hdr **out, __u32 *l4_len)
{
  struct ipv6hdr *ip6 = c->pos;
  __u32 plen;

  if ((void *)(ip6 + 1) > c->end)
    return XTCP_PARSE_MALFORMED;
  if (ip6->version != 6)
    return XTCP_PARSE_MALFORMED;
  c->pos = ip6 + 1;
  plen = bpf_ntohs(ip6->payload_len);
  if (c->pos + plen > c->end)
    return XTCP_PARSE_MALFORMED;
  *out = ip6;
  *l4_len = plen;
  return XTCP_PARSE_OK;
}

static __always_inline int ipv6_is_ext_header(__u8 nexthdr)
{
  switch (nexthdr) {
  case XTCP_IPV6_HOPOPTS:
  case XTCP_IPV6_ROUTING:
  case XTCP_IPV6_FRAGMENT:
  case XTCP_IPV6_ESP:
  case XTCP_IPV6_AH:
  case XTCP_IPV6_DSTOPTS:
  case XTCP_IPV6_MOBILITY:
  case XTCP_IPV6_HIP:
  case XTCP_IPV6_SHIM6:
  case XTCP_IPV6_EXP1:
  case XTCP_IPV6_EXP2:
    return 1;
  default:
    return 0;
  }
}

/* TCP (RFC 9293 section 3.1): data offset >= 5 and the header with all its
 * options inside both the frame and the IP payload (l4_len). */
static __always_inline int parse_tcp(struct hdr_cursor *c, __u32 l4_len,
                                     struct tcphdr **out)
{
  struct tcphdr *tcp = c->pos;
  __u32 hlen;

  if ((void *)(tcp + 1) > c->end || l4_len < sizeof(*tcp))
    return XTCP_PARSE_MALFORMED;
  if (tcp->doff < 5)
    return XTCP_PARSE_MALFORMED;
  hlen = tcp->doff * 4;
  if (hlen > l4_len || c->pos + hlen > c->end)
    return XTCP_PARSE_MALFORMED;
  c->pos += hlen;
  *out = tcp;
  return XTCP_PARSE_OK;
}

#endif /* XTCP_BPF_PARSING_H */
