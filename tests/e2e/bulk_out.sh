#!/bin/sh
# Issue 4: `xtcp-cat -l` in the dut sends 100 MB of random data to a kernel
# client in the peer; the sha256 of what the peer got equals the file's.
. "$(dirname "$0")/e2e_lib.sh"
e2e_init "${1:-}"
e2e_up xte2 1 82
e2e_daemon
MB=${XTCP_E2E_MB:-100}
e2e_random_file "$T/in" "$MB"

e2e_cat --stats -l 5001 < "$T/in" > "$T/cat.out" 2> "$T/cat.log" &
CAT=$!; E2E_PIDS="$E2E_PIDS $CAT"
e2e_wait_listen 5001 1 "$CAT"
t0=$(e2e_now)
e2e_bg peer timeout 50 ip netns exec "$PEER" socat -u "TCP:$DUT4:5001" "CREATE:$T/out"
e2e_expect_ok "peer socat" "$LAST_PID" 50
e2e_expect_ok "xtcp-cat -l" "$CAT" 20
t1=$(e2e_now)
e2e_same "dut -> peer" "$T/in" "$T/out"
[ -s "$T/cat.out" ] && e2e_fail "xtcp-cat wrote $(stat -c %s "$T/cat.out") bytes the peer never sent"
e2e_rate "dut -> peer (xtcp -> kernel)" "$(stat -c %s "$T/out")" "$t0" "$t1"
grep 'xtcp-cat:' "$T/cat.log" || true
e2e_check_no_leak 1 10
e2e_pass
