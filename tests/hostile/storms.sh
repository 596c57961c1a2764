#!/bin/sh
# Issue 6, floods and storms while kernel-TCP transfers run: tiny overlapping
# out-of-order segments (xtcpd CPU sampled), SACK storms, a SYN flood (storms.py).
# One xtcpd; kernel TCP in the peer, xtcp-cat in the dut, scapy in the peer.
# Usage: storms.sh BUILD_DIR
. "$(dirname "$0")/../e2e/e2e_lib.sh"
. "$(dirname "$0")/hostile_env.sh"
e2e_init "${1:-}"
e2e_up xtho 1 67
e2e_daemon
hostile_env
hostile_py storms.py
e2e_check_no_leak 1 15
e2e_pass
