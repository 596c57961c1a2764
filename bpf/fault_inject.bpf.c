// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fault_inject: a test-only impairment for tc clsact (cls_bpf direct-action)
 * on the PEER's veth, never on the dut (issue 6; this kernel has no netem
 * and no gact). On egress it faults frames toward the dut; on ingress, frames
 * coming from it. Only TCP over IPv4/IPv6 is touched, so ARP, ND and ICMP
 * keep the link up.
 *
 * fi_config[0] (struct fault_config) is set by tests/faults/fault_lib.sh:
 *   drop_ppm  drop each TCP frame with this probability (per million)
 *   burst     a random drop also drops the next burst-1 TCP frames
 *   every     drop every Nth TCP frame (0: off)
 *   dup_ppm   send a copy of the frame as well (bpf_clone_redirect)
 * fi_stats (per CPU, FI_STAT_*) counts what was done.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

struct fault_config {
  __u32 drop_ppm;
  __u32 burst;
  __u32 every;
  __u32 dup_ppm;
};

struct fault_state {
  __u64 tcp_frames;  /* TCP frames seen, for every-Nth */
  __u32 burst_left;  /* frames still to drop in the current burst */
  __u32 pad;
};

enum {
  FI_STAT_TCP = 0,      /* TCP frames seen (copies not counted) */
  FI_STAT_OTHER,        /* non-TCP frames, passed */
  FI_STAT_DROP_RANDOM,
  FI_STAT_DROP_BURST,   /* the burst-1 followers of a random drop */
  FI_STAT_DROP_EVERY,
  FI_STAT_DUP,
  FI_STAT_DUP_FAILED,
  FI_STAT_COUNT,
};

/* A copy made by bpf_clone_redirect comes back through this hook; the mark
 * tells it apart so it is neither faulted nor copied again. */
#define FI_COPY_MARK 0x58464931u /* "XFI1" */

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct fault_config);
} fi_config SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct fault_state);
} fi_state SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, FI_STAT_COUNT);
  __type(key, __u32);
  __type(value, __u64);
} fi_stats SEC(".maps");

static __always_inline void count(__u32 stat)
{
  __u64 *v = bpf_map_lookup_elem(&fi_stats, &stat);
  if (v)
    *v += 1;
}

static __always_inline int is_tcp(struct __sk_buff *skb)
{
  void *data = (void *)(long)skb->data;
  void *end = (void *)(long)skb->data_end;
  struct ethhdr *eth = data;

  if ((void *)(eth + 1) > end)
    return 0;
  if (eth->h_proto == bpf_htons(ETH_P_IP)) {
    struct iphdr *ip = (void *)(eth + 1);
    return (void *)(ip + 1) <= end && ip->protocol == IPPROTO_TCP;
  }
  if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
    struct ipv6hdr *ip6 = (void *)(eth + 1);
    return (void *)(ip6 + 1) <= end && ip6->nexthdr == IPPROTO_TCP;
  }
  return 0;
}

static __always_inline int chance(__u32 ppm)
{
  return ppm != 0 && bpf_get_prandom_u32() % 1000000 < ppm;
}

/* Drop decision for one TCP frame: a running burst, every Nth, random. */
static __always_inline int should_drop(const struct fault_config *cfg,
                                       struct fault_state *st)
{
  __u64 n = __sync_fetch_and_add(&st->tcp_frames, 1) + 1;

  if (st->burst_left > 0) {
    st->burst_left -= 1;
    count(FI_STAT_DROP_BURST);
    return 1;
  }
  if (cfg->every != 0 && n % cfg->every == 0) {
    count(FI_STAT_DROP_EVERY);
    return 1;
  }
  if (chance(cfg->drop_ppm)) {
    if (cfg->burst > 1)
      st->burst_left = cfg->burst - 1;
    count(FI_STAT_DROP_RANDOM);
    return 1;
  }
  return 0;
}

/* The copy goes out (egress) or comes in (ingress) the same device. */
static __always_inline void duplicate(struct __sk_buff *skb)
{
  __u32 old = skb->mark;
  __u64 flags = skb->ingress_ifindex != 0 && skb->ingress_ifindex == skb->ifindex
                    ? BPF_F_INGRESS : 0;

  skb->mark = FI_COPY_MARK;
  if (bpf_clone_redirect(skb, skb->ifindex, flags) == 0)
    count(FI_STAT_DUP);
  else
    count(FI_STAT_DUP_FAILED);
  skb->mark = old;
}

SEC("tc")
int fault_inject(struct __sk_buff *skb)
{
  __u32 zero = 0;
  struct fault_config *cfg;
  struct fault_state *st;

  if (skb->mark == FI_COPY_MARK) {
    skb->mark = 0;
    return TC_ACT_OK;
  }
  if (!is_tcp(skb)) {
    count(FI_STAT_OTHER);
    return TC_ACT_OK;
  }
  count(FI_STAT_TCP);
  cfg = bpf_map_lookup_elem(&fi_config, &zero);
  st = bpf_map_lookup_elem(&fi_state, &zero);
  if (!cfg || !st)
    return TC_ACT_OK;
  /* STOLEN, not SHOT: on egress SHOT makes dev_queue_xmit() return
   * NET_XMIT_DROP to the sending socket, and kernel TCP then treats the
   * segment as never sent (it goes out again at once as new data, no hole,
   * no retransmission counted) and enters CWR: a local congestion signal,
   * not a loss. STOLEN reports success and frees the frame, which is what
   * a loss on the wire looks like to the sender. */
  if (should_drop(cfg, st))
    return TC_ACT_STOLEN;
  if (chance(cfg->dup_ppm))
    duplicate(skb);
  return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
