#!/bin/sh
# Issue 6, hostile segments against live connections: scapy-played connections: MSS 48 and 0, sequence wrap,
# window shrink, zero window and persist probes (ghost_flows.py).
# One xtcpd; kernel TCP in the peer, xtcp-cat in the dut, scapy in the peer.
# Usage: ghost_flows.sh BUILD_DIR
. "$(dirname "$0")/../e2e/e2e_lib.sh"
. "$(dirname "$0")/hostile_env.sh"
e2e_init "${1:-}"
e2e_up xtho 1 66
e2e_daemon
hostile_env
hostile_py ghost_flows.py
e2e_check_no_leak 1 15
e2e_pass
