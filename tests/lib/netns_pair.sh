# shellcheck shell=sh
# Sourced by root tests that need a namespace pair of their own (POSIX sh).
#   netns_pair_up BASE QUEUES MTU NET
# creates <BASE><pid>-peer and <BASE><pid>-dut joined by veth <P>p / <P>d
# with QUEUES queues each side, MTU (or "-" for the default),
# 10.NET.0.1/24 + fdNET::1/64 on the peer and .2 / ::2 on the dut, lo up,
# and the peer's tx checksum offload off (DESIGN.md). It sets PEER, DUT,
# PIF and DIF, removes leftovers of crashed runs of the same BASE (their pid
# is gone) first, and removes both namespaces on exit, also on failure or a
# signal. A script may define netns_pair_extra_cleanup for its own files.
netns_pair_cleanup() {
  if command -v netns_pair_extra_cleanup >/dev/null 2>&1; then netns_pair_extra_cleanup; fi
  ip netns del "$PEER" 2>/dev/null || true
  ip netns del "$DUT" 2>/dev/null || true
}

netns_pair_up() {  # BASE QUEUES MTU NET
  _base=$1; _queues=$2; _mtu=$3; _net=$4
  _p="$_base$$"
  PEER="$_p-peer"; DUT="$_p-dut"; PIF="${_p}p"; DIF="${_p}d"
  trap netns_pair_cleanup EXIT
  trap 'exit 130' INT TERM
  for _ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^${_base}[0-9]*-" || true); do
    _pid=${_ns#"$_base"}; _pid=${_pid%%-*}
    kill -0 "$_pid" 2>/dev/null || ip netns del "$_ns" 2>/dev/null || true
  done
  ip netns add "$PEER"
  ip netns add "$DUT"
  ip -n "$PEER" link add "$PIF" numtxqueues "$_queues" numrxqueues "$_queues" type veth \
    peer name "$DIF" netns "$DUT" numtxqueues "$_queues" numrxqueues "$_queues"
  netns_pair_side "$PEER" "$PIF" 1
  netns_pair_side "$DUT" "$DIF" 2
  ip netns exec "$PEER" ethtool -K "$PIF" tx off >/dev/null
}

netns_pair_side() {  # namespace, interface, host number
  ip -n "$1" link set lo up
  [ "$_mtu" = - ] || ip -n "$1" link set "$2" mtu "$_mtu"
  ip -n "$1" addr add "10.$_net.0.$3/24" dev "$2"
  ip -n "$1" addr add "fd$_net::$3/64" dev "$2" nodad
  ip -n "$1" link set "$2" up
}
