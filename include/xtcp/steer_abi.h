/* SPDX-License-Identifier: MIT */
/*
 * steer_abi.h: the structs and constants shared by the XDP steering program
 * (bpf/xtcp_steer.bpf.c) and the daemon (userspace/xsk/). One definition for
 * both sides; the C++ side checks sizes and offsets with static_asserts at
 * the bottom of this file.
 *
 * Byte order: addresses and ports are stored exactly as they appear on the
 * wire (network byte order), so the BPF program copies them without swaps.
 */
#ifndef XTCP_STEER_ABI_H
#define XTCP_STEER_ABI_H

/* The kernel's fixed-width types, the same on both sides (a private
 * typedef would clash with <linux/types.h> pulled in by libbpf/libxdp). */
#include <linux/types.h>

/* Address families as stored in keys (values of AF_INET / AF_INET6). */
#define XTCP_FAMILY_IPV4 2
#define XTCP_FAMILY_IPV6 10

/* Map sizes: the daemon may not install more than this. */
#define XTCP_MAX_QUEUES 64
#define XTCP_MAX_LISTENERS 4096
#define XTCP_MAX_FLOWS 262144

/*
 * A listener: (destination address, destination port) of arriving segments.
 * An all-zero address is the wildcard (any local address), looked up after
 * the exact address. IPv4 addresses occupy addr[0..3], the rest is zero.
 */
struct xtcp_listener_key {
  __u8 family;   /* XTCP_FAMILY_* */
  __u8 pad;      /* must be zero */
  __u16 port;    /* local (destination) port, network order */
  __u8 addr[16]; /* local (destination) address, network order */
};

struct xtcp_listener_value {
  __u32 owner_queue; /* queue whose shard owns the listener */
  __u32 flags;       /* reserved, zero */
};

/*
 * A flow: the 5-tuple of an arriving segment, seen from xtcp's side
 * (local = destination of the arriving frame, remote = its source).
 */
struct xtcp_flow_key {
  __u8 family;          /* XTCP_FAMILY_* */
  __u8 pad;             /* must be zero */
  __u16 local_port;     /* network order */
  __u16 remote_port;    /* network order */
  __u16 pad2;           /* must be zero */
  __u8 local_addr[16];  /* network order */
  __u8 remote_addr[16]; /* network order */
};

struct xtcp_flow_value {
  __u32 owner_queue; /* queue whose shard owns the connection */
  __u32 flags;       /* reserved, zero */
};

/*
 * Counters of the per-CPU stats map, one slot each. Every frame counts once
 * in XTCP_STAT_RX_FRAMES, once in exactly one VERDICT_* slot and once in
 * exactly one REASON_* slot, so the reasons add up to the verdicts.
 */
enum xtcp_steer_stat {
  XTCP_STAT_RX_FRAMES = 0,
  XTCP_STAT_VERDICT_PASS,
  XTCP_STAT_VERDICT_REDIRECT,
  /* reasons for XDP_REDIRECT */
  XTCP_STAT_REASON_LISTENER,       /* matched the listener map */
  XTCP_STAT_REASON_FLOW,           /* matched the flow map */
  /* reasons for XDP_PASS, well-formed frames that are not ours */
  XTCP_STAT_REASON_NOT_IP,         /* ARP, LLDP, ... */
  XTCP_STAT_REASON_NOT_TCP,        /* UDP, ICMP, ... */
  XTCP_STAT_REASON_NO_MATCH,       /* TCP, but neither listener nor flow */
  XTCP_STAT_REASON_IP_FRAGMENT,    /* IPv4 fragment: never ours */
  XTCP_STAT_REASON_IPV6_EXT,       /* IPv6 extension header: never ours */
  XTCP_STAT_REASON_NO_SOCKET,      /* ours, but no AF_XDP socket on the queue */
  /* reasons for XDP_PASS, malformed frames (the kernel drops them) */
  XTCP_STAT_MALFORMED_ETH,         /* shorter than an Ethernet/VLAN header */
  XTCP_STAT_MALFORMED_IPV4,        /* truncated, IHL < 5, bad version/length */
  XTCP_STAT_MALFORMED_IPV6,        /* truncated, bad version */
  XTCP_STAT_MALFORMED_TCP,         /* truncated, data offset < 5 */
  XTCP_STAT_COUNT
};

/* Names for the counters above, in order, for tools that print them. */
#define XTCP_STEER_STAT_NAMES                                                \
  {                                                                          \
    "rx_frames", "verdict_pass", "verdict_redirect", "reason_listener",      \
        "reason_flow", "reason_not_ip", "reason_not_tcp", "reason_no_match", \
        "reason_ip_fragment", "reason_ipv6_ext", "reason_no_socket",         \
        "malformed_eth", "malformed_ipv4", "malformed_ipv6", "malformed_tcp" \
  }

#if defined(__cplusplus) && !defined(__BPF__)
#include <cstddef>
static_assert(sizeof(xtcp_listener_key) == 20, "listener key layout");
static_assert(offsetof(xtcp_listener_key, port) == 2, "listener key layout");
static_assert(offsetof(xtcp_listener_key, addr) == 4, "listener key layout");
static_assert(sizeof(xtcp_listener_value) == 8, "listener value layout");
static_assert(sizeof(xtcp_flow_key) == 40, "flow key layout");
static_assert(offsetof(xtcp_flow_key, local_port) == 2, "flow key layout");
static_assert(offsetof(xtcp_flow_key, remote_port) == 4, "flow key layout");
static_assert(offsetof(xtcp_flow_key, local_addr) == 8, "flow key layout");
static_assert(offsetof(xtcp_flow_key, remote_addr) == 24, "flow key layout");
static_assert(sizeof(xtcp_flow_value) == 8, "flow value layout");
static_assert(XTCP_STAT_COUNT == 15, "update XTCP_STEER_STAT_NAMES too");
#endif

#endif /* XTCP_STEER_ABI_H */
