#!/bin/sh
# xtcp-perf on xtcp in a namespace pair of its own (prefix xtpf): xtcpd in
# the dut, `xtcp-perf server --stack xtcp` driven by the real iperf3 client
# in the peer for 2 s forward and 2 s reverse; then the rr and crr client on
# xtcp in the dut against `xtcp-perf server --stack kernel` in the peer for
# 2 s each. Asserts exit codes, that iperf3 saw bytes both ways, rates > 0
# and intact echoes. Prints the figures. XTCP_PERF_COMPARE=1 first runs the
# same round with --stack kernel in the dut (no XDP attached yet).
# Usage: perf_netns.sh BUILD_DIR  (XTCP_BUILD overrides; root only)
set -eu
DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/netns_pair.sh
. "$DIR/../lib/netns_pair.sh"

B=${XTCP_BUILD:-${1:-}}
[ -n "$B" ] || { echo "usage: $0 BUILD_DIR (or set XTCP_BUILD)"; exit 2; }
B=$(cd "$B" && pwd)
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (namespaces, XDP)"; exit 77; }
command -v iperf3 >/dev/null || { echo "SKIP: iperf3 is not installed"; exit 77; }
for prog in xtcpd xtcp-perf; do
  [ -x "$B/$prog" ] || { echo "FAIL: $B/$prog is missing: build it first"; exit 1; }
done

T=$(mktemp -d /tmp/xtcp-perf-ns.XXXXXX)
SOCK="$T/x.sock"
PIDS=""
DAEMON_PID=""
OK=0
START=$(date +%s)
log() { echo "[$(($(date +%s) - START))s] $*"; }

alive() {  # a zombie counts as exited
  _st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
  [ -n "$_st" ] && [ "$_st" != Z ]
}

# netns_pair_cleanup calls this first, also on failure or a signal.
netns_pair_extra_cleanup() {
  for p in $PIDS; do kill "$p" 2>/dev/null || true; done
  if [ -n "$DAEMON_PID" ]; then
    kill -TERM "$DAEMON_PID" 2>/dev/null || true
    i=0
    while alive "$DAEMON_PID" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    kill -9 "$DAEMON_PID" 2>/dev/null || true
  fi
  for p in $PIDS; do kill -9 "$p" 2>/dev/null || true; done
  for ns in "${PEER:-}" "${DUT:-}"; do
    [ -n "$ns" ] || continue
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
  done
  if [ "$OK" != 1 ] && [ -d "$T" ]; then
    for f in "$T"/*.log; do
      [ -f "$f" ] || continue
      echo "---- $(basename "$f") (last 30 lines) ----" >&2
      tail -n 30 "$f" >&2
    done
  fi
  rm -rf "$T"
}

fail() { echo "FAIL: $*" >&2; exit 1; }
check() { /usr/bin/python3 "$DIR/check_json.py" "$@" || fail "$1: $2 $3 $4"; }
# field FILE EXPR: a Python expression over the document d.
field() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

wait_line() {  # FILE TEXT SECONDS PID
  _i=0
  while ! grep -q "^$2" "$1" 2>/dev/null; do
    alive "$4" || fail "process exited before printing '$2' ($1)"
    [ $_i -lt $(($3 * 10)) ] || fail "no '$2' line in $1 within $3 s"
    sleep 0.1; _i=$((_i + 1))
  done
}

bg() {  # NAME CMD... (sets LAST_PID)
  _name=$1; shift
  "$@" > "$T/$_name.log" 2>&1 &
  LAST_PID=$!
  PIDS="$PIDS $LAST_PID"
}

netns_pair_up xtpf 1 - 91
PEER4=10.91.0.1; DUT4=10.91.0.2

# One bulk and rr/crr round with the dut on STACK: the real iperf3 client
# (peer, kernel TCP) against `xtcp-perf server` in the dut, forward and
# reverse; the dut's rr/crr client against the kernel echo server (peer).
# Figures go to $T/figures.
run_round() {  # STACK PORT_BASE
  round_stack=$1; round_port=$2
  bg "iperf_server_$round_stack" ip netns exec "$DUT" "$B/xtcp-perf" server --stack "$round_stack" --socket "$SOCK" --port "$round_port" --json
  _srv=$LAST_PID
  wait_line "$T/iperf_server_$round_stack.log" "listening on" 10 "$_srv"
  for dir in forward reverse; do
    args="-t 2"; [ $dir = reverse ] && args="-t 2 -R"
    # shellcheck disable=SC2086
    ip netns exec "$PEER" timeout 25 iperf3 -c "$DUT4" -p "$round_port" $args -J > "$T/iperf_$dir.json" \
      || fail "iperf3 $args against xtcp-perf --stack $round_stack exited $?"
    check "$T/iperf_$dir.json" end.sum_sent.bytes gt 0
    check "$T/iperf_$dir.json" end.sum_received.bytes gt 0
    _g=$(field "$T/iperf_$dir.json" "'%.2f' % (d['end']['sum_received']['bits_per_second'] / 1e9)")
    log "iperf3 $args (peer) -> xtcp-perf server --stack $round_stack (dut): $_g Gbit/s"
    echo "$round_stack bulk_$dir Gbit/s $_g" >> "$T/figures"
  done
  alive "$_srv" || fail "xtcp-perf server --stack $round_stack exited"

  bg "echo_server_$round_stack" ip netns exec "$PEER" "$B/xtcp-perf" server --stack kernel --mode rr --port $((round_port + 1))
  wait_line "$T/echo_server_$round_stack.log" "listening on" 10 "$LAST_PID"
  for mode in rr crr; do
    ip netns exec "$DUT" timeout 25 "$B/xtcp-perf" client --stack "$round_stack" --socket "$SOCK" --mode $mode \
      --host "$PEER4" --port $((round_port + 1)) --duration 2 --json > "$T/$mode.json" 2> "$T/${mode}_client.log" \
      || fail "xtcp-perf client --stack $round_stack --mode $mode exited $?"
    check "$T/$mode.json" transactions gt 0
    check "$T/$mode.json" transactions_per_s gt 0
    check "$T/$mode.json" latency_us_p50 gt 0
    check "$T/$mode.json" corrupt eq 0
    _f=$(field "$T/$mode.json" "'%.0f trans/s p50 %.1f us p99 %.1f us p99.9 %.1f us' % (d['transactions_per_s'], \
d['latency_us_p50'], d['latency_us_p99'], d['latency_us_p999'])")
    log "$mode $round_stack client (dut) -> kernel server (peer): $_f"
    echo "$round_stack $mode $_f" >> "$T/figures"
  done
}

# XTCP_PERF_COMPARE=1: the same round on kernel TCP in the dut first,
# before any XDP program is attached, for a side-by-side table.
if [ "${XTCP_PERF_COMPARE:-0}" = 1 ]; then
  ip netns exec "$DUT" sysctl -qw net.ipv4.tcp_tw_reuse=1 || true
  run_round kernel 5301
fi

ip netns exec "$DUT" "$B/xtcpd" --iface "$DIF" --socket "$SOCK" --time-wait 2 > "$T/xtcpd.log" 2>&1 &
DAEMON_PID=$!
wait_line "$T/xtcpd.log" ready 15 "$DAEMON_PID"
log "xtcpd: $(grep '^ready' "$T/xtcpd.log")"
run_round xtcp 5201
echo "---- figures (dut stack, workload, result) ----"
cat "$T/figures"

alive "$DAEMON_PID" || fail "xtcpd died"
OK=1
log "PASS perf_netns.sh"
