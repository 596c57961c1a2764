#!/bin/sh
# Issue 6: peers that vanish in LAST-ACK and FIN-WAIT-2; the connections
# are reclaimed (vanish.py). About 110 s: bench/hostile.sh, not CI.
# One xtcpd; kernel TCP in the peer, xtcp-cat in the dut, scapy in the peer.
# Usage: vanish.sh BUILD_DIR
. "$(dirname "$0")/../e2e/e2e_lib.sh"
. "$(dirname "$0")/hostile_env.sh"
e2e_init "${1:-}"
e2e_up xtho 1 68
e2e_daemon
hostile_env
hostile_py vanish.py
e2e_check_no_leak 1 15
e2e_pass
