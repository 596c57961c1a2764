# shellcheck shell=sh
# Sourced by the end-to-end tests of issue 4 (tests/e2e/*.sh): kernel peers
# in one namespace against xtcpd and its apps in the other.
#
#   e2e_init BUILD_DIR           paths, temp dir, stand-in mode
#   e2e_up BASE QUEUES NET       namespace pair (tests/lib/netns_pair.sh)
#   e2e_daemon [xtcpd args]      starts xtcpd in the dut, waits for `ready`
#   e2e_bg NAME CMD...           runs CMD in the background, logs to $T/NAME.log
#   e2e_pass                     marks success (else the trap prints logs)
#
# XTCP_BUILD overrides the build directory ctest passes as the first
# argument. XTCP_E2E_STANDIN=kernel replaces the programs under test by
# kernel stand-ins (socat for xtcp-cat, a Python server for
# xtcp-http-example) and skips xtcpd and xtcpctl checks: it validates the
# scripts themselves, not xtcp.
set -eu

E2E_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/netns_pair.sh
. "$E2E_DIR/../lib/netns_pair.sh"

e2e_init() {
  B=${XTCP_BUILD:-${1:-}}
  [ -n "$B" ] || { echo "usage: $0 BUILD_DIR (or set XTCP_BUILD)"; exit 2; }
  B=$(cd "$B" && pwd)
  STANDIN=${XTCP_E2E_STANDIN:-}
  case "$STANDIN" in ""|kernel) ;; *) echo "XTCP_E2E_STANDIN must be empty or 'kernel'"; exit 2 ;; esac
  T=$(mktemp -d /tmp/xtcp-e2e.XXXXXX)
  SOCK="$T/x.sock"
  export XTCP_SOCKET="$SOCK"
  E2E_PIDS=""
  E2E_OK=0
  E2E_START=$(date +%s)
  if [ -z "$STANDIN" ]; then
    for prog in xtcpd xtcpctl; do
      [ -x "$B/$prog" ] || e2e_fail "$B/$prog is missing: build it first"
    done
  fi
}

e2e_log() { echo "[$(($(date +%s) - E2E_START))s] $*"; }

e2e_fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# True while PID runs (a zombie that nobody reaped yet counts as exited).
e2e_alive() {
  _st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
  [ -n "$_st" ] && [ "$_st" != Z ]
}

# netns_pair_cleanup calls this first (also on failure or a signal).
netns_pair_extra_cleanup() {
  for pid in $E2E_PIDS; do kill "$pid" 2>/dev/null || true; done
  if [ -n "${E2E_DAEMON_PID:-}" ]; then
    kill -TERM "$E2E_DAEMON_PID" 2>/dev/null || true
    i=0
    while e2e_alive "$E2E_DAEMON_PID" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    kill -9 "$E2E_DAEMON_PID" 2>/dev/null || true
  fi
  sleep 0.2
  for pid in $E2E_PIDS; do kill -9 "$pid" 2>/dev/null || true; done
  # Whatever still runs inside our own namespaces was started by this test.
  for ns in "${PEER:-}" "${DUT:-}"; do
    [ -n "$ns" ] || continue
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
  done
  if [ "$E2E_OK" != 1 ] && [ -d "${T:-}" ]; then
    for f in "$T"/*.log; do
      [ -f "$f" ] || continue
      echo "---- $(basename "$f") (last 40 lines) ----" >&2
      tail -n 40 "$f" >&2
    done
  fi
  [ -d "${T:-}" ] && rm -rf "$T"
}

e2e_up() {  # BASE QUEUES NET
  netns_pair_up "$1" "$2" - "$3"
  NET=$3
  PEER4="10.$NET.0.1"; DUT4="10.$NET.0.2"
  PEER6="fd$NET::1"; DUT6="fd$NET::2"
  # Stand-in apps listen in the dut's kernel: keep the test's ports free of
  # TIME_WAIT leftovers between steps.
  ip netns exec "$DUT" sysctl -qw net.ipv4.tcp_tw_reuse=1 || true
}

# Runs in the background with output in $T/NAME.log; sets LAST_PID.
e2e_bg() {  # NAME CMD...
  _name=$1; shift
  "$@" > "$T/$_name.log" 2>&1 &
  LAST_PID=$!
  E2E_PIDS="$E2E_PIDS $LAST_PID"
}

# Waits (bounded) for a line starting with TEXT in FILE; fails if PID dies.
e2e_wait_line() {  # FILE TEXT SECONDS PID
  _i=0
  while ! grep -q "^$2" "$1" 2>/dev/null; do
    e2e_alive "$4" || e2e_fail "process exited before printing '$2' ($1)"
    [ $_i -lt $(($3 * 10)) ] || e2e_fail "no '$2' line in $1 within $3 s"
    sleep 0.1; _i=$((_i + 1))
  done
}

e2e_daemon() {  # extra xtcpd arguments
  if [ -n "$STANDIN" ]; then e2e_log "stand-in mode: no xtcpd"; return 0; fi
  # A 2 s TIME-WAIT (default 60 s, as Linux) lets the leak checks demand
  # that every connection is gone.
  # Emptied here, not by the background child's redirection: a restarted
  # daemon must not be taken as ready on its predecessor's `ready` line.
  : > "$T/xtcpd.log"
  ip netns exec "$DUT" "$B/xtcpd" --iface "$DIF" --socket "$SOCK" --time-wait 2 "$@" \
    >> "$T/xtcpd.log" 2>&1 &
  E2E_DAEMON_PID=$!
  e2e_wait_line "$T/xtcpd.log" ready 15 "$E2E_DAEMON_PID"
  e2e_log "xtcpd: $(grep '^ready' "$T/xtcpd.log")"
}

e2e_daemon_alive() {
  [ -n "$STANDIN" ] && return 0
  e2e_alive "$E2E_DAEMON_PID" || e2e_fail "xtcpd died"
}

# xtcp-cat in the dut, or socat as its kernel stand-in. Arguments as
# xtcp-cat's: [--stats] -l [ADDR] PORT | [--stats] HOST PORT (IPv6 bare).
# It execs, so $! is the program's pid: run it in the background only.
e2e_cat() {
  if [ -z "$STANDIN" ]; then
    exec ip netns exec "$DUT" "$B/xtcp-cat" --socket "$SOCK" "$@"
  fi
  [ "$1" = --stats ] && shift
  # -t: after EOF one way, wait for the other way (bulk_both needs it).
  if [ "$1" = -l ]; then
    [ $# = 3 ] && shift  # -l ADDR PORT: the stand-in listens on any address
    exec ip netns exec "$DUT" socat -t 60 STDIO "TCP6-LISTEN:$2,reuseaddr,ipv6only=0"
  else
    exec ip netns exec "$DUT" socat -t 60 STDIO "TCP:$(e2e_bracket "$1"):$2"
  fi
}

# xtcp-http-example (or its Python stand-in) in the dut, in the
# background, serving --root ROOT; waits for `listening on`. Sets HTTP_PID.
e2e_http_server() {  # PORT ROOT
  if [ -z "$STANDIN" ]; then
    e2e_bg http ip netns exec "$DUT" "$B/xtcp-http-example" --socket "$SOCK" --port "$1" --root "$2"
  else
    e2e_bg http ip netns exec "$DUT" python3 "$E2E_DIR/standin_http.py" --port "$1" --root "$2"
  fi
  HTTP_PID=$LAST_PID
  e2e_wait_line "$T/http.log" "listening on" 10 "$HTTP_PID"
}

e2e_bracket() { case "$1" in *:*) echo "[$1]" ;; *) echo "$1" ;; esac; }

# xtcpctl in the dut namespace (the control socket is a path, any ns works).
e2e_ctl() { "$B/xtcpctl" --socket "$SOCK" "$@"; }

# One counter from `xtcpctl stats` (empty when missing).
e2e_stat() { e2e_ctl stats | awk -v n="$1" '$1 == n { print $2 }'; }

# Waits until every queue's shard holds COUNT listeners (queueN.listeners:
# counted once the shard installed the port in the XDP map; app.listeners
# counts a LISTEN as soon as it arrives, before a SYN would be steered), or
# PORT listens in the dut's kernel in stand-in mode. Fails at once if the
# listening app PID (optional) exits.
e2e_wait_listen() {  # PORT COUNT [PID]
  _i=0
  while :; do
    [ -z "${3:-}" ] || e2e_alive "$3" || e2e_fail "the app meant to listen on port $1 exited"
    if [ -n "$STANDIN" ]; then
      ip netns exec "$DUT" ss -Hltn "sport = :$1" | grep -q LISTEN && return 0
    else
      # The fewest listeners any queue holds.
      _n=$(e2e_ctl stats | awk '$1 ~ /^queue[0-9]+\.listeners$/ { if (m == "" || $2 < m) m = $2 }
                                END { print m }')
      [ -n "$_n" ] && [ "$_n" -ge "$2" ] && return 0
    fi
    [ $_i -lt 100 ] || e2e_fail "nothing listens on port $1 after 10 s (fewest queueN.listeners=${_n:-?})"
    sleep 0.1; _i=$((_i + 1))
  done
}

e2e_random_file() {  # PATH MBYTES
  head -c "$(($2 * 1024 * 1024))" /dev/urandom > "$1"
}

e2e_hash() { sha256sum < "$1" | cut -d' ' -f1; }

e2e_same() {  # WHAT EXPECTED_FILE GOT_FILE
  _a=$(e2e_hash "$2"); _b=$(e2e_hash "$3")
  _sa=$(stat -c %s "$2"); _sb=$(stat -c %s "$3")
  [ "$_a" = "$_b" ] || e2e_fail "$1: sha256 differs: sent $_sa bytes $_a, received $_sb bytes $_b"
  e2e_log "$1: $_sb bytes, sha256 $_b equal at both ends"
}

e2e_now() { date +%s.%N; }

e2e_rate() {  # WHAT BYTES START END
  awk -v w="$1" -v b="$2" -v s="$3" -v e="$4" \
    'BEGIN { d = e - s; if (d <= 0) d = 1e-6; printf "%s: %d bytes in %.2f s = %.1f Mbit/s\n", w, b, d, b * 8 / d / 1e6 }'
}

# Waits for PID with a bound; returns its exit status (124 on timeout).
e2e_wait_pid() {  # PID SECONDS
  _i=0
  while e2e_alive "$1"; do
    if [ $_i -ge $(($2 * 10)) ]; then kill -9 "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; return 124; fi
    sleep 0.1; _i=$((_i + 1))
  done
  _rc=0; wait "$1" || _rc=$?
  return $_rc
}

# Waits for PID and fails unless it exits 0 within SECONDS.
e2e_expect_ok() {  # WHAT PID SECONDS
  _rc=0; e2e_wait_pid "$2" "$3" || _rc=$?
  [ "$_rc" = 124 ] && e2e_fail "$1 did not finish within $3 s"
  [ "$_rc" = 0 ] || e2e_fail "$1 exited with status $_rc"
}

# No leak once idle (issue 4): per queue frames_held == 0, frames_tx == 0,
# frames_free + frames_fill == frames_total and conns == 0; app.conns == 0.
# Polls up to SECONDS (cleanup of reset or closing connections). TIME_WAIT
# lasts 2*MSL = 60 s in xtcpd (like Linux), longer than a test may wait: a
# connection left only in TIME_WAIT is accepted and reported.
e2e_check_no_leak() {  # QUEUES SECONDS
  [ -n "$STANDIN" ] && { e2e_log "stand-in mode: no xtcpd stats to check"; return 0; }
  _i=0
  while :; do
    e2e_ctl stats > "$T/stats.txt"
    _why=$(awk -v nq="$1" -f "$E2E_DIR/leak_check.awk" "$T/stats.txt")
    [ -z "$_why" ] && { e2e_log "no leak: $(e2e_leak_summary "$1")"; return 0; }
    [ $_i -lt $(($2 * 10)) ] || break
    sleep 0.1; _i=$((_i + 1))
  done
  grep -E '^(queue[0-9]+\.(conns|frames_)|app\.)' "$T/stats.txt" >&2 || cat "$T/stats.txt" >&2
  echo "---- xtcpctl conns ----" >&2
  e2e_ctl conns >&2 || true
  e2e_fail "leak after $2 s idle: $_why"
}

e2e_leak_summary() {  # QUEUES
  awk -v nq="$1" '{ v[$1] = $2 } END {
    for (q = 0; q < nq; q++) { p = "queue" q "."
      printf "%sconns=%s frames total/free/fill/held/tx=%s/%s/%s/%s/%s; ", p, v[p "conns"], v[p "frames_total"],
        v[p "frames_free"], v[p "frames_fill"], v[p "frames_held"], v[p "frames_tx"] }
    printf "app.sessions=%s app.conns=%s app.listeners=%s", v["app.sessions"], v["app.conns"], v["app.listeners"] }' "$T/stats.txt"
}

e2e_pass() {
  e2e_daemon_alive
  E2E_OK=1
  e2e_log "PASS $(basename "$0")"
}

# shellcheck source=e2e_steps.sh
. "$E2E_DIR/e2e_steps.sh"
