#!/bin/sh
# Runs the shard's root test inside a namespace pair of its own:
#   <P>-peer  veth <P>p  10.80.0.1/24 fd80::1/64  (kernel TCP, tx checksum offload off)
#   <P>-dut   veth <P>d  10.80.0.2/24 fd80::2/64  (the binary runs here: XDP + AF_XDP)
# with P=xtsh<pid> and one queue per side. The namespaces are removed on
# exit (also on failure or signal); leftovers of crashed runs (their pid is
# gone) are removed first. Usage: veth_run.sh BINARY [catch2 args...]
set -eu
bin="$1"; shift
# shellcheck source=../lib/netns_pair.sh
. "$(dirname "$0")/../lib/netns_pair.sh"
netns_pair_up xtsh 1 - 80

export XTSH_PEER_NS="$PEER" XTSH_DUT_IF="$DIF"
timeout 170 ip netns exec "$DUT" "$bin" "$@"
