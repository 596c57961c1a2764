#!/bin/sh
# Issue 4: a kernel client in the peer sends 100 MB of random data to
# `xtcp-cat -l` in the dut; the sha256 of what arrived equals the file's.
# Prints the rate; afterwards the idle daemon holds no frames or connections.
# Usage: bulk_in.sh BUILD_DIR  (XTCP_BUILD, XTCP_E2E_STANDIN: see e2e_lib.sh)
. "$(dirname "$0")/e2e_lib.sh"
e2e_init "${1:-}"
e2e_up xte1 1 81
e2e_daemon
e2e_step_bulk_in "$DUT4" 5001 "${XTCP_E2E_MB:-100}"
e2e_check_no_leak 1 10
e2e_pass
