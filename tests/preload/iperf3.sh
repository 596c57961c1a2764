#!/bin/sh
# Issue 7: the real iperf3 (Debian's, unmodified) over xtcp. `xtcp-run
# iperf3 -s` in the dut against a kernel `iperf3 -c` in the peer: forward,
# reverse (-R) and 4 streams (-P 4), 2 s each; then `xtcp-run iperf3 -c`
# in the dut (via sh -c: across fork+exec) against a kernel `iperf3 -s` in
# the peer. Each run must end
# with iperf3's own summary (bytes > 0 both ways in its JSON) and xtcpd's
# byte counters must grow by at least what iperf3 reports.
# Usage: iperf3.sh BUILD_DIR
. "$(dirname "$0")/preload_lib.sh"
pl_need iperf3
pl_init "${1:-}" 75
SECS=${XTCP_PRELOAD_SECS:-2}

# The summary's bytes (sum_received for the client's view) from -J output.
iperf_bytes() {  # JSON_FILE
  /usr/bin/python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
if "error" in d: sys.exit("iperf3 error: " + d["error"])
e = d["end"]
print(min(e["sum_sent"]["bytes"], e["sum_received"]["bytes"]))' "$1"
}

client_run() {  # NAME ARGS...
  _name=$1; shift
  _before=$(pl_bytes_moved)
  _rc=0
  timeout 30 ip netns exec "$PEER" iperf3 -c "$DUT4" -p 5201 -t "$SECS" -J "$@" > "$T/$_name.json" 2> "$T/$_name.err" || _rc=$?
  [ "$_rc" = 0 ] || e2e_fail "iperf3 -c $* exited $_rc: $(tail -n 3 "$T/$_name.err") $(tail -c 300 "$T/$_name.json")"
  _b=$(iperf_bytes "$T/$_name.json") || e2e_fail "$_name: no iperf3 summary"
  _moved=$(($(pl_bytes_moved) - _before))
  [ "$_b" -gt 0 ] || e2e_fail "$_name: iperf3 moved no bytes"
  [ "$_moved" -ge "$_b" ] || e2e_fail "$_name: iperf3 reports $_b bytes but xtcpd moved only $_moved"
  e2e_log "$_name: iperf3 $* -> $_b bytes, xtcpd moved $_moved bytes"
}

pl_bg server iperf3 -s -p 5201
SERVER=$LAST_PID
e2e_wait_listen 5201 1 "$SERVER"
pl_expect_xtcp server
client_run forward
client_run reverse -R
client_run streams4 -P 4
e2e_daemon_alive
e2e_alive "$SERVER" || e2e_fail "xtcp-run iperf3 -s exited"
kill "$SERVER"; e2e_wait_pid "$SERVER" 5 || true

# The other way round: iperf3 -c under xtcp-run (started by a shell), the
# kernel's iperf3 -s.
ip netns exec "$PEER" iperf3 -s -1 -p 5202 > "$T/kserver.log" 2>&1 &
KSERVER=$!
E2E_PIDS="$E2E_PIDS $KSERVER"
pl_peer_listening 5202
before=$(pl_bytes_moved)
rc=0
# Through a shell that forks and execs iperf3: the environment carries the
# shim across exec (docs/preload.md).
# shellcheck disable=SC2016 # the inner shell expands $1 and $2
timeout 30 ip netns exec "$DUT" "$B/xtcp-run" --socket "$SOCK" -- sh -c 'iperf3 -c "$1" -p 5202 -t "$2" -J; exit $?' sh "$PEER4" "$SECS" \
  > "$T/client.json" 2> "$T/client.log" || rc=$?
[ "$rc" = 0 ] || e2e_fail "xtcp-run iperf3 -c exited $rc: $(tail -n 3 "$T/client.log") $(tail -c 300 "$T/client.json")"
pl_expect_xtcp client
b=$(iperf_bytes "$T/client.json") || e2e_fail "client: no iperf3 summary"
moved=$(($(pl_bytes_moved) - before))
{ [ "$b" -gt 0 ] && [ "$moved" -ge "$b" ]; } || e2e_fail "client: iperf3 reports $b bytes, xtcpd moved $moved"
e2e_log "client: xtcp-run iperf3 -c -> $b bytes, xtcpd moved $moved bytes"
pl_check_released 10
# An iperf3 server ends a test by closing streams with data unread: those
# are reset (RFC 2525 2.17), so nothing lingers in FIN_WAIT_2.
e2e_check_no_leak 1 10
e2e_pass
