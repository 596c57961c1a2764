#!/usr/bin/env bash
# Issue 6, daemon crash under load: xtcpd gets kill -9 while apps move data
# both ways: xtcp-cat receiving (kernel socat in the peer sends), xtcp-cat
# sending (active open to a kernel socat), xtcp-cat blocked on an idle
# connection, xtcp-perf serving `iperf3 --bidir`, and xtcp-http-example
# streaming to curl. Then:
#  * every app reports the reset (ECONNRESET/EPIPE or a lost connection)
#    on stderr within 2 s of the kill, instead of hanging;
#  * the XDP program is gone and the kernel owns the link: ping, and kernel
#    TCP on the port xtcp-cat had (hashed transfer);
#  * a restarted xtcpd serves a new connection (hashed 10 MB transfer) and
#    holds no leak afterwards.
# Usage: daemon_kill.sh BUILD_DIR   (netns prefix xtcr2, 10.71.0.0/24)

# e2e_lib.sh finds its helpers (netns_pair.sh, e2e_steps.sh, leak_check.awk)
# beside $0: point $0 into tests/e2e (bash 5) and source it from there.
BASH_ARGV0="$(cd "$(dirname "$0")/../e2e" && pwd)/$(basename "$0")"
. "$(dirname "$0")/e2e_lib.sh"
e2e_init "${1:-}"
[ -z "$STANDIN" ] || { echo "SKIP: needs xtcpd (no stand-in mode)"; exit 77; }
for prog in xtcp-cat xtcp-perf xtcp-http-example; do
  [ -x "$B/$prog" ] || e2e_fail "$B/$prog is missing: build it first"
done
command -v iperf3 > /dev/null && command -v curl > /dev/null || { echo "SKIP: iperf3 or curl missing"; exit 77; }
BOUND_MS=2000

e2e_up xtcr2 1 71
e2e_daemon

# ---- the apps, each mid-transfer ----
in_dut() { ip netns exec "$DUT" "$@"; }
in_peer() { ip netns exec "$PEER" "$@"; }

# Data to /dev/null (e2e_bg logs stdout). The idle one reads a FIFO opened
# read-write: no input and no EOF, so it sits in its wait.
mkfifo "$T/idle_in"
e2e_bg cat_rx sh -c "exec ip netns exec $DUT $B/xtcp-cat --socket $SOCK -l 5001 < /dev/null > /dev/null"
CAT_RX=$LAST_PID
e2e_bg cat_idle sh -c "exec ip netns exec $DUT $B/xtcp-cat --socket $SOCK -l 5003 <> $T/idle_in > /dev/null"
CAT_IDLE=$LAST_PID
e2e_bg perf in_dut "$B/xtcp-perf" server --stack xtcp --port 5201 --once --socket "$SOCK"
PERF=$LAST_PID
e2e_bg http in_dut "$B/xtcp-http-example" --socket "$SOCK" --port 8080
HTTP=$LAST_PID
e2e_wait_listen 5001 4
e2e_wait_line "$T/http.log" "listening on" 10 "$HTTP"

e2e_bg peer_sink in_peer socat -u TCP-LISTEN:5002,reuseaddr OPEN:/dev/null
e2e_wait_kernel_listen "$PEER" 5002 "the peer's socat"
e2e_bg cat_tx sh -c "exec ip netns exec $DUT $B/xtcp-cat --socket $SOCK $PEER4 5002 < /dev/zero > /dev/null"
CAT_TX=$LAST_PID
e2e_bg peer_src in_peer socat -u OPEN:/dev/zero "TCP:$DUT4:5001"
# An idle peer: xtcp-cat waits in recv on a connection with no traffic.
e2e_bg peer_idle sh -c "sleep 60 | ip netns exec $PEER socat - TCP:$DUT4:5003"
e2e_bg iperf in_peer iperf3 -c "$DUT4" -p 5201 --bidir -t 60
e2e_bg curl in_peer curl -fsS --limit-rate 20M -o /dev/null "http://$DUT4:8080/gen/1000000000"

# Mid-transfer: every connection established (cat_rx, reading /dev/null,
# has sent its FIN: FIN_WAIT_2) and both directions moving.
conns_json() { e2e_ctl conns --json; }
i=0
while :; do
  n=$(conns_json | /usr/bin/python3 -c '
import json, sys
conns = json.load(sys.stdin)
conns = conns.get("connections", []) if isinstance(conns, dict) else conns
print(sum(1 for c in conns if c.get("state") in ("ESTABLISHED", "FIN_WAIT_2")))' 2>/dev/null || echo 0)
  # cat_rx, cat_tx, cat_idle, iperf control + 2 streams, curl
  [ "$n" -ge 7 ] && break
  [ $i -lt 100 ] || { e2e_ctl conns >&2; e2e_fail "only $n of 7 connections established after 10 s"; }
  sleep 0.1; i=$((i + 1))
done
sleep 1  # let the transfers run
for pid in $CAT_RX $CAT_TX $CAT_IDLE $PERF $HTTP; do
  e2e_alive "$pid" || e2e_fail "an app (pid $pid) ended before the crash"
done
e2e_ctl conns > "$T/conns_before.txt"
e2e_log "before the kill: $n connections established; $(e2e_stat queue0.conns) in queue0"

# ---- the crash ----
kill -9 "$E2E_DAEMON_PID"
t_kill=$(e2e_now)
e2e_log "killed xtcpd (kill -9)"

# Each app must say what happened within BOUND_MS; the tools exit too.
ms_since_kill() { awk -v a="$t_kill" -v b="$(e2e_now)" 'BEGIN { printf "%d", (b - a) * 1000 }'; }
said_reset() { grep -qiE 'reset|broken pipe|connection lost|closed the session' "$T/$1.log"; }
pending="cat_rx:$CAT_RX cat_tx:$CAT_TX cat_idle:$CAT_IDLE perf:$PERF http:$HTTP"
while [ -n "$pending" ]; do
  left=""
  for item in $pending; do
    name=${item%%:*}; pid=${item#*:}
    if [ "$pid" = - ]; then done_=$(said_reset "$name" && echo y || echo n)
    else done_=$(e2e_alive "$pid" && echo n || echo y); fi
    if [ "$done_" = y ]; then e2e_log "$name: done after $(ms_since_kill) ms (upper bound)"
    else left="$left $item"; fi
  done
  pending=$left
  [ -z "$pending" ] && break
  [ "$(ms_since_kill)" -lt "$BOUND_MS" ] || e2e_fail "still running or silent ${BOUND_MS} ms after the kill:$pending"
  sleep 0.02
done
for name in cat_rx cat_tx cat_idle perf http; do
  said_reset "$name" || e2e_fail "$name gave no clear error: $(tail -n 2 "$T/$name.log")"
  e2e_log "$name: $(grep -iE 'reset|broken pipe|connection lost|closed the session' "$T/$name.log" | head -n 1)"
done
for pid in $CAT_RX $CAT_TX $CAT_IDLE $PERF $HTTP; do
  rc=0; wait "$pid" || rc=$?
  [ "$rc" != 0 ] || e2e_fail "an app (pid $pid) exited 0 after losing its connection"
done

# ---- the kernel owns the link again ----
e2e_step_kernel_owns_link 5001 "the crash"

# ---- a restarted xtcpd serves new connections ----
E2E_DAEMON_PID=""
e2e_daemon
e2e_step_bulk_in "$DUT4" 5001 10
e2e_check_no_leak 1 10
e2e_pass
