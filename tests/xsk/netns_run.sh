#!/bin/sh
# Runs an xsk root test binary inside a namespace pair of its own:
#   <P>-peer  veth <P>p  10.79.0.1/24 fd79::1/64  (tx checksum offload off)
#   <P>-dut   veth <P>d  10.79.0.2/24 fd79::2/64  (the binary runs here)
# with P=xtxsk<pid>, 2 queues per side, MTU 1400. The namespaces are removed
# on exit (also on failure or signal); leftovers of crashed runs (their pid is
# gone) are removed first. Usage: netns_run.sh BINARY [catch2 args...]
set -eu
bin="$1"; shift
# shellcheck source=../lib/netns_pair.sh
. "$(dirname "$0")/../lib/netns_pair.sh"
netns_pair_up xtxsk 2 1400 79

export XTXSK_PEER_NS="$PEER" XTXSK_DUT_NS="$DUT" XTXSK_PEER_IF="$PIF" XTXSK_DUT_IF="$DIF"
XTXSK_PEER_MAC=$(ip netns exec "$PEER" cat "/sys/class/net/$PIF/address")
export XTXSK_PEER_MAC
ip netns exec "$DUT" "$bin" "$@"
