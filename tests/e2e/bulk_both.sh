#!/bin/sh
# Issue 4: both directions at once on one connection: the peer's kernel
# client sends 100 MB while `xtcp-cat -l` in the dut sends another 100 MB;
# both ends' hashes match what the other sent.
. "$(dirname "$0")/e2e_lib.sh"
e2e_init "${1:-}"
e2e_up xte3 1 83
e2e_daemon
MB=${XTCP_E2E_MB:-100}
e2e_random_file "$T/peer.in" "$MB"
e2e_random_file "$T/dut.in" "$MB"

e2e_cat --stats -l 5001 < "$T/dut.in" > "$T/dut.out" 2> "$T/cat.log" &
CAT=$!; E2E_PIDS="$E2E_PIDS $CAT"
e2e_wait_listen 5001 1 "$CAT"
t0=$(e2e_now)
# -t: after its own EOF the peer keeps reading until the dut's FIN.
ip netns exec "$PEER" timeout 55 socat -t 55 STDIO "TCP:$DUT4:5001" \
  < "$T/peer.in" > "$T/peer.out" 2> "$T/peer.log" &
PEER_PID=$!; E2E_PIDS="$E2E_PIDS $PEER_PID"
e2e_expect_ok "peer socat" "$PEER_PID" 55
e2e_expect_ok "xtcp-cat -l" "$CAT" 20
t1=$(e2e_now)
e2e_same "peer -> dut" "$T/peer.in" "$T/dut.out"
e2e_same "dut -> peer" "$T/dut.in" "$T/peer.out"
e2e_rate "both ways (sum)" "$(($(stat -c %s "$T/dut.out") + $(stat -c %s "$T/peer.out")))" "$t0" "$t1"
grep 'xtcp-cat:' "$T/cat.log" || true
e2e_check_no_leak 1 10
e2e_pass
