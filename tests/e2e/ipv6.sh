#!/bin/sh
# Issue 4 over IPv6 (fd85::/64): 100 MB from a kernel client in the peer to
# `xtcp-cat -l`, then an active open from `xtcp-cat` to a kernel server in
# the peer, neighbour found through the kernel (NDP); hashes equal.
. "$(dirname "$0")/e2e_lib.sh"
e2e_init "${1:-}"
e2e_up xte5 1 85
e2e_daemon
e2e_step_bulk_in "$DUT6" 5001 "${XTCP_E2E_MB:-100}"
e2e_step_active_open "$PEER6" 5002 "${XTCP_E2E_MB:-100}"
e2e_check_no_leak 1 10
e2e_pass
