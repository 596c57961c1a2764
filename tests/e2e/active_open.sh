#!/bin/sh
# Issue 4: active open. A kernel server listens in the peer; `xtcp-cat HOST
# PORT` in the dut connects and sends 100 MB; hashes equal. No neighbour
# is configured by hand (the daemon resolves through the kernel).
. "$(dirname "$0")/e2e_lib.sh"
e2e_init "${1:-}"
e2e_up xte4 1 84
e2e_daemon
e2e_step_active_open "$PEER4" 5002 "${XTCP_E2E_MB:-100}"
e2e_check_no_leak 1 10
e2e_pass
