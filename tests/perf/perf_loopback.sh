#!/bin/sh
# xtcp-perf on kernel TCP over loopback (no root): the real iperf3 client
# drives the iperf3-protocol server forward, reverse and with 2 streams;
# rr and crr run against the echo server. Asserts exit codes, that iperf3
# saw data both ways, and non-zero transaction rates with intact echoes.
# Usage: perf_loopback.sh PATH/TO/xtcp-perf
set -eu
PERF=$1
DIR=$(cd "$(dirname "$0")" && pwd)
command -v iperf3 >/dev/null || { echo "SKIP: iperf3 is not installed"; exit 77; }
T=$(mktemp -d /tmp/xtcp-perf-lo.XXXXXX)
PIDS=""
cleanup() {
  for p in $PIDS; do kill "$p" 2>/dev/null || true; done
  for p in $PIDS; do wait "$p" 2>/dev/null || true; done
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() { echo "FAIL: $*" >&2; for f in "$T"/*.log; do [ -f "$f" ] && { echo "---- $f" >&2; tail -20 "$f" >&2; }; done; exit 1; }
check() { /usr/bin/python3 "$DIR/check_json.py" "$@" || fail "$1: $2 $3 $4"; }

# Ports from the pid, so parallel runs rarely collide.
P1=$((20000 + $$ % 20000)); P2=$((P1 + 1))
wait_listen() {  # LOG
  i=0
  until grep -q "^listening on" "$1" 2>/dev/null; do
    [ $i -lt 50 ] || fail "no 'listening on' in $1"
    sleep 0.1; i=$((i + 1))
  done
}

"$PERF" server --stack kernel --addr 127.0.0.1 --port "$P1" --json > "$T/iperf_server.log" 2>&1 &
PIDS="$PIDS $!"
"$PERF" server --stack kernel --mode rr --addr 127.0.0.1 --port "$P2" > "$T/echo_server.log" 2>&1 &
PIDS="$PIDS $!"
wait_listen "$T/iperf_server.log"
wait_listen "$T/echo_server.log"

for args in "-t 1" "-t 1 -R" "-t 1 -P 2"; do
  # shellcheck disable=SC2086
  timeout 20 iperf3 -c 127.0.0.1 -p "$P1" $args -J > "$T/iperf.json" || fail "iperf3 $args exited $?"
  echo "iperf3 $args:"
  check "$T/iperf.json" end.sum_sent.bytes gt 0
  check "$T/iperf.json" end.sum_received.bytes gt 0
  check "$T/iperf.json" end.sum_received.bits_per_second gt 0
done
# The server's own JSON report, one line per test.
[ "$(grep -c '"mode":"iperf"' "$T/iperf_server.log")" = 3 ] || fail "the server reported $(grep -c '"mode":"iperf"' "$T/iperf_server.log") of 3 tests"

for mode in rr crr; do
  timeout 20 "$PERF" client --stack kernel --mode $mode --host 127.0.0.1 --port "$P2" --duration 1 \
    --connections 4 --json > "$T/$mode.json" || fail "$mode client exited $?"
  echo "$mode:"
  check "$T/$mode.json" transactions_per_s gt 0
  check "$T/$mode.json" latency_us_p50 gt 0
  check "$T/$mode.json" latency_us_p999 ge "$(/usr/bin/python3 -c "import json;print(json.load(open('$T/$mode.json'))['latency_us_p50'])")"
  check "$T/$mode.json" corrupt eq 0
done
echo PASS
