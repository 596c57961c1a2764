#!/bin/sh
# Runs an xsk root test binary inside a namespace pair of its own:
#   <P>-peer  veth <P>p  10.79.0.1/24 fd79::1/64  (tx checksum offload off)
#   <P>-dut   veth <P>d  10.79.0.2/24 fd79::2/64  (the binary runs here)
# with P=xtxsk<pid>, 2 queues per side, MTU 1400. The namespaces are removed
# on exit (also on failure or signal); leftovers of crashed runs (their pid is
# gone) are removed first. Usage: netns_run.sh BINARY [catch2 args...]
set -eu
bin="$1"; shift
P="xtxsk$$"
PEER="$P-peer"; DUT="$P-dut"; PIF="${P}p"; DIF="${P}d"

cleanup() {
  ip netns del "$PEER" 2>/dev/null || true
  ip netns del "$DUT" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^xtxsk[0-9]*-' || true); do
  pid=${ns#xtxsk}; pid=${pid%%-*}
  kill -0 "$pid" 2>/dev/null || ip netns del "$ns" 2>/dev/null || true
done

ip netns add "$PEER"
ip netns add "$DUT"
ip -n "$PEER" link add "$PIF" numtxqueues 2 numrxqueues 2 type veth \
  peer name "$DIF" netns "$DUT" numtxqueues 2 numrxqueues 2
setup_side() {  # namespace, interface, host number
  ip -n "$1" link set lo up
  ip -n "$1" link set "$2" mtu 1400
  ip -n "$1" addr add "10.79.0.$3/24" dev "$2"
  ip -n "$1" addr add "fd79::$3/64" dev "$2" nodad
  ip -n "$1" link set "$2" up
}
setup_side "$PEER" "$PIF" 1
setup_side "$DUT" "$DIF" 2
# Kernel TCP on the peer must fill in its checksums (DESIGN.md).
ip netns exec "$PEER" ethtool -K "$PIF" tx off >/dev/null

export XTXSK_PEER_NS="$PEER" XTXSK_DUT_NS="$DUT" XTXSK_PEER_IF="$PIF" XTXSK_DUT_IF="$DIF"
XTXSK_PEER_MAC=$(ip netns exec "$PEER" cat "/sys/class/net/$PIF/address")
export XTXSK_PEER_MAC
ip netns exec "$DUT" "$bin" "$@"
