#!/usr/bin/env bash
# The xtcp test topology: two network namespaces joined by one veth pair.
#
#   PREFIX-peer  [PREFIX-p] 10.77.0.1/24 fd77::1/64
#        |  veth, N tx/rx queues each side
#   PREFIX-dut   [PREFIX-d] 10.77.0.2/24 fd77::2/64   <- xtcpd attaches here
#
# Usage: netns.sh up|down [PREFIX] [--queues N] [--mtu M]
# Defaults: PREFIX xt, 1 queue, MTU 1500. Each PREFIX is an independent copy
# (its own namespaces), so tests with different prefixes run side by side.
set -euo pipefail

usage() {
  echo "usage: netns.sh up|down [PREFIX] [--queues N] [--mtu M]" >&2
  exit 2
}

die() { echo "netns.sh: $*" >&2; exit 1; }

(( $# >= 1 )) || usage
action=$1; shift
prefix=xt
queues=1
mtu=1500
if (( $# > 0 )) && [[ "$1" != --* ]]; then prefix=$1; shift; fi
while (( $# > 0 )); do
  case "$1" in
    --queues) [[ $# -ge 2 ]] || usage; queues=$2; shift 2 ;;
    --mtu)    [[ $# -ge 2 ]] || usage; mtu=$2; shift 2 ;;
    *) usage ;;
  esac
done

# Interface names are limited to 15 chars (IFNAMSIZ - 1); "-peer" adds 5 to
# the namespace name, "-p" adds 2 to the interface name.
[[ "$prefix" =~ ^[A-Za-z0-9][A-Za-z0-9_]*$ ]] ||
  die "prefix '$prefix' must be letters, digits or '_'"
(( ${#prefix} <= 12 )) ||
  die "prefix '$prefix' is ${#prefix} chars; use at most 12 so interface names fit in 15"
if ! [[ "$queues" =~ ^[0-9]+$ ]] || (( queues < 1 || queues > 64 )); then
  die "--queues must be 1..64, got '$queues'"
fi
if ! [[ "$mtu" =~ ^[0-9]+$ ]] || (( mtu < 1280 || mtu > 65535 )); then
  die "--mtu must be 1280..65535 (IPv6 needs 1280), got '$mtu'"
fi
(( EUID == 0 )) || die "must run as root (creates namespaces and veths)"

peer_ns=$prefix-peer
dut_ns=$prefix-dut
peer_if=$prefix-p
dut_if=$prefix-d

ns_exists() { ip netns list | awk '{ print $1 }' | grep -qx -- "$1"; }

down() {
  # Deleting a namespace destroys the veth end inside it and so the pair.
  local ns
  for ns in "$peer_ns" "$dut_ns"; do
    if ns_exists "$ns"; then ip netns del "$ns" 2>/dev/null || true; fi
  done
  # A half-built run may have left the pair in the root namespace.
  ip link del "$peer_if" 2>/dev/null || true
  ip link del "$dut_if" 2>/dev/null || true
}

wait_link_up() {
  local ns=$1 dev=$2 i
  for (( i = 0; i < 100; i++ )); do   # at most ~5 s
    if ip -n "$ns" link show dev "$dev" | grep -q 'state UP'; then return 0; fi
    sleep 0.05
  done
  die "$dev in $ns did not come up within 5 s"
}

up() {
  down
  ip netns add "$peer_ns"
  ip netns add "$dut_ns"
  ip link add "$peer_if" numtxqueues "$queues" numrxqueues "$queues" \
    netns "$peer_ns" type veth peer name "$dut_if" \
    numtxqueues "$queues" numrxqueues "$queues" netns "$dut_ns"
  local ns
  for ns in "$peer_ns" "$dut_ns"; do
    ip -n "$ns" link set lo up
  done
  configure "$peer_ns" "$peer_if" 10.77.0.1/24 fd77::1/64
  configure "$dut_ns" "$dut_if" 10.77.0.2/24 fd77::2/64
  # A veth with tx checksum offload on sends TCP segments whose checksum is
  # left for "hardware" to fill in; AF_XDP on the dut would see them broken.
  ip netns exec "$peer_ns" ethtool -K "$peer_if" tx off >/dev/null
  wait_link_up "$peer_ns" "$peer_if"
  wait_link_up "$dut_ns" "$dut_if"
  echo "netns.sh: up $peer_ns/$peer_if <-> $dut_ns/$dut_if (queues $queues, mtu $mtu)"
}

configure() {
  local ns=$1 dev=$2 addr4=$3 addr6=$4
  ip -n "$ns" link set dev "$dev" mtu "$mtu"
  ip -n "$ns" addr add "$addr4" dev "$dev"
  # nodad: the address is usable at once instead of after ~1 s of DAD.
  ip -n "$ns" -6 addr add "$addr6" dev "$dev" nodad
  ip -n "$ns" link set dev "$dev" up
}

case "$action" in
  up) up ;;
  down) down ;;
  *) usage ;;
esac
