#!/bin/sh
# Issue 15, neighbour poisoning: a SYN, out-of-window ACKs and an RST
# claiming the peer's IP from another MAC change nothing about where xtcpd
# sends; the live connection and a later active open to that IP work
# (neighbour_poison.py). The dut's kernel learns the peer by ARP as usual.
# Usage: neighbour_poison.sh BUILD_DIR
. "$(dirname "$0")/../e2e/e2e_lib.sh"
. "$(dirname "$0")/hostile_env.sh"
e2e_init "${1:-}"
e2e_up xtho 1 69
e2e_daemon
hostile_env
hostile_py neighbour_poison.py
e2e_check_no_leak 1 15
e2e_pass
