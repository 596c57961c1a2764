#!/bin/sh
# Runs the shard's root test inside a namespace pair of its own:
#   <P>-peer  veth <P>p  10.80.0.1/24 fd80::1/64  (kernel TCP, tx checksum offload off)
#   <P>-dut   veth <P>d  10.80.0.2/24 fd80::2/64  (the binary runs here: XDP + AF_XDP)
# with P=xtsh<pid> and one queue per side. The namespaces are removed on
# exit (also on failure or signal); leftovers of crashed runs (their pid is
# gone) are removed first. Usage: veth_run.sh BINARY [catch2 args...]
set -eu
bin="$1"; shift
P="xtsh$$"
PEER="$P-peer"; DUT="$P-dut"; PIF="${P}p"; DIF="${P}d"

cleanup() {
  ip netns del "$PEER" 2>/dev/null || true
  ip netns del "$DUT" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^xtsh[0-9]*-' || true); do
  pid=${ns#xtsh}; pid=${pid%%-*}
  kill -0 "$pid" 2>/dev/null || ip netns del "$ns" 2>/dev/null || true
done

ip netns add "$PEER"
ip netns add "$DUT"
ip -n "$PEER" link add "$PIF" numtxqueues 1 numrxqueues 1 type veth \
  peer name "$DIF" netns "$DUT" numtxqueues 1 numrxqueues 1
setup_side() {  # namespace, interface, host number
  ip -n "$1" link set lo up
  ip -n "$1" addr add "10.80.0.$3/24" dev "$2"
  ip -n "$1" addr add "fd80::$3/64" dev "$2" nodad
  ip -n "$1" link set "$2" up
}
setup_side "$PEER" "$PIF" 1
setup_side "$DUT" "$DIF" 2
# Kernel TCP on the peer must fill in its checksums (DESIGN.md).
ip netns exec "$PEER" ethtool -K "$PIF" tx off >/dev/null

export XTSH_PEER_NS="$PEER" XTSH_DUT_IF="$DIF"
timeout 170 ip netns exec "$DUT" "$bin" "$@"
