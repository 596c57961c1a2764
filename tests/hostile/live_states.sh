#!/bin/sh
# Issue 6, hostile segments against live connections: RST/SYN at the window
# edges in ESTABLISHED, CLOSE-WAIT and FIN-WAIT-2, bad ACKs, flags,
# checksums, options, SACK, PAWS (live_states.py says what each must do).
# One xtcpd; kernel TCP in the peer, xtcp-cat in the dut, scapy in the peer.
# Usage: live_states.sh BUILD_DIR
. "$(dirname "$0")/../e2e/e2e_lib.sh"
. "$(dirname "$0")/hostile_env.sh"
e2e_init "${1:-}"
e2e_up xtho 1 65
e2e_daemon
hostile_env
hostile_py live_states.py
e2e_check_no_leak 1 15
e2e_pass
