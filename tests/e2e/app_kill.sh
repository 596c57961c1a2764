#!/bin/sh
# Issue 4: an app killed mid-transfer. A kernel client in the peer sends
# up to 100 MB to `xtcp-cat -l`; once 10 MB arrived, xtcp-cat gets kill -9.
# The peer must see the connection reset (ECONNRESET/EPIPE) within 5 s; a
# new transfer must then work, and the idle daemon must hold no leaked
# frames or connections (polled up to 10 s).
. "$(dirname "$0")/e2e_lib.sh"
e2e_init "${1:-}"
e2e_up xte9 1 89
e2e_daemon

e2e_cat -l 5001 < /dev/null > "$T/out" 2> "$T/cat.log" &
CAT=$!; E2E_PIDS="$E2E_PIDS $CAT"
e2e_wait_listen 5001 1 "$CAT"
# Throttled to 400 Mbit/s, so 100 MB take 2 s and the kill lands mid-way.
e2e_bg peer timeout 40 ip netns exec "$PEER" python3 "$E2E_DIR/reset_peer.py" "$DUT4" 5001 \
  104857600 400 30
PEER_PID=$LAST_PID
i=0
while [ "$(stat -c %s "$T/out")" -lt 10485760 ]; do
  e2e_alive "$CAT" || e2e_fail "xtcp-cat ended before 10 MB arrived"
  [ $i -lt 200 ] || e2e_fail "10 MB did not arrive within 20 s"
  sleep 0.05; i=$((i + 1))
done
kill -9 "$CAT"
t_kill=$(e2e_now)
e2e_log "killed xtcp-cat (kill -9) after $(stat -c %s "$T/out") bytes"
rc=0; e2e_wait_pid "$PEER_PID" 5 || rc=$?
[ "$rc" = 124 ] && e2e_fail "the peer saw no reset within 5 s of the kill"
[ "$rc" = 0 ] || e2e_fail "the peer did not see a reset: $(tail -n 1 "$T/peer.log")"
e2e_log "peer: $(tail -n 1 "$T/peer.log") ($(awk -v a="$t_kill" -v b="$(e2e_now)" 'BEGIN { printf "%.2f", b - a }') s after the kill, upper bound)"
e2e_daemon_alive

e2e_step_bulk_in "$DUT4" 5003 10
e2e_check_no_leak 1 10
e2e_pass
