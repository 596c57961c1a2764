/* SPDX-License-Identifier: MIT */
/*
 * maps.h: the maps the daemon fills (xsks, listeners, flows) and reads
 * (stats), with the lookups the steering program makes. Names are stable:
 * userspace finds them through the skeleton (skel->maps.<name>).
 */
#ifndef XTCP_BPF_MAPS_H
#define XTCP_BPF_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "xtcp/steer_abi.h"

struct {
  __uint(type, BPF_MAP_TYPE_XSKMAP);
  __uint(max_entries, XTCP_MAX_QUEUES);
  __type(key, __u32);
  __type(value, __u32);
} xsks SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, XTCP_MAX_LISTENERS);
  __type(key, struct xtcp_listener_key);
  __type(value, struct xtcp_listener_value);
} listeners SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, XTCP_MAX_FLOWS);
  __type(key, struct xtcp_flow_key);
  __type(value, struct xtcp_flow_value);
} flows SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, XTCP_STAT_COUNT);
  __type(key, __u32);
  __type(value, __u64);
} stats SEC(".maps");

/* Per-CPU slot: no other CPU writes it, so a plain add is exact. */
static __always_inline void stat_inc(__u32 slot)
{
  __u64 *v = bpf_map_lookup_elem(&stats, &slot);

  if (v)
    *v += 1;
}

static __always_inline int flow_known(const struct xtcp_flow_key *key)
{
  return bpf_map_lookup_elem(&flows, key) != NULL;
}

/* Exact local address first, then the all-zero wildcard for the family. */
static __always_inline int listener_known(struct xtcp_listener_key *key)
{
  if (bpf_map_lookup_elem(&listeners, key))
    return 1;
  __builtin_memset(key->addr, 0, sizeof(key->addr));
  return bpf_map_lookup_elem(&listeners, key) != NULL;
}

#endif /* XTCP_BPF_MAPS_H */
