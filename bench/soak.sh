#!/usr/bin/env bash
# Issue 6 soak: xtcpd under mixed traffic for a bounded time, its resources
# sampled every 10 s, then checked to have stayed flat.
#
#   bench/soak.sh [--minutes N] [--build DIR] [--fault SPEC]
#
#   --minutes N   length of the traffic phase, 1..120 (default 10)
#   --build DIR   build directory with xtcpd, xtcpctl, xtcp-cat, xtcp-perf
#                 (default $XTCP_BUILD, else ./build)
#   --fault SPEC  passed to `xtcpd --fault SPEC` when this xtcpd has the
#                 option (see xtcpd --help); default: a light mix when the
#                 option exists, nothing otherwise. --fault none: no faults.
#
# Traffic, all at once, each a bounded loop until the time is up:
#   bulk in   kernel socat in the peer sends 16 MB to `xtcp-cat -l`, sha256
#   bulk out  `xtcp-cat` opens to a kernel socat in the peer, 16 MB, sha256
#   crr       xtcp-perf client --mode crr (4 connections, one transaction
#             each) against a kernel echo server, 20 s runs
#   rr        xtcp-perf client --mode rr (8 connections), 20 s runs
# Every 10 s: xtcpd's RSS and open fds, per-queue UMEM frames (free, fill,
# held, tx) and connections from `xtcpctl stats`. At the end a table, and
# exit 1 unless: every transfer and run verified (hash equal, no corrupt
# response), RSS in the last third within 10 % + 4 MiB of the first third
# (after a 30 s warm-up), frames held or in flight under 2048, and the idle
# daemon afterwards holds no connection or frame (tests/e2e leak check),
# as many fds as before and RSS within 16 MiB of before. (Fds and
# connections follow the load, TIME-WAIT included: judged idle only.)
# Namespaces xtcr4<pid>-{peer,dut}, 10.73.0.0/24; removed on exit. Not in CI.
set -eu
minutes=10
build=${XTCP_BUILD:-build}
fault=auto
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --fault) fault=$2; shift 2 ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "soak.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$minutes" in ''|*[!0-9]*) echo "soak.sh: --minutes takes 1..120" >&2; exit 2 ;; esac
if [ "$minutes" -lt 1 ] || [ "$minutes" -gt 120 ]; then echo "soak.sh: --minutes takes 1..120" >&2; exit 2; fi

# e2e_lib.sh finds its helpers beside $0: point $0 into tests/e2e (bash 5).
BASH_ARGV0="$(cd "$(dirname "$0")/../tests/e2e" && pwd)/$(basename "$0")"
# shellcheck source=../tests/e2e/e2e_lib.sh
. "$(dirname "$0")/e2e_lib.sh"
e2e_init "$build"
for prog in xtcp-cat xtcp-perf; do [ -x "$B/$prog" ] || e2e_fail "$B/$prog is missing: build it first"; done

fault_args=""
if "$B/xtcpd" --help 2>&1 | grep -q -- '--fault'; then
  [ "$fault" = auto ] && fault="${XTCP_SOAK_FAULT:-rx-drop=0.002,tx-drop=0.002,rx-dup=0.001,rx-reorder=0.002}"
  [ "$fault" = none ] || fault_args="--fault $fault"
else
  [ "$fault" = auto ] || [ "$fault" = none ] || e2e_fail "this xtcpd has no --fault option"
  fault="none (xtcpd has no --fault)"
fi
e2e_up xtcr4 1 73
# shellcheck disable=SC2086
e2e_daemon $fault_args
e2e_log "soak: ${minutes} min, faults: ${fault}"
DPID=$E2E_DAEMON_PID
[ "$(cat "/proc/$DPID/comm")" = xtcpd ] || e2e_fail "pid $DPID is not xtcpd"

in_dut() { ip netns exec "$DUT" "$@"; }
in_peer() { ip netns exec "$PEER" "$@"; }
end_at=$(($(date +%s) + minutes * 60))
R="$T/results"; mkdir -p "$R"
e2e_random_file "$T/blob" 16

# One bulk transfer per call, result appended to $R/bulk: "ok|FAIL what".
bulk_in_once() {  # N
  rm -f "$T/bi.out"
  in_dut "$B/xtcp-cat" --socket "$SOCK" -l 6001 < /dev/null > "$T/bi.out" 2> "$T/bi.err" &
  _c=$!
  _i=0
  until [ "$(e2e_stat app.listeners)" -ge 1 ] 2>/dev/null; do
    _i=$((_i + 1)); [ $_i -lt 100 ] || break; sleep 0.1
  done
  timeout 120 ip netns exec "$PEER" socat -u "OPEN:$T/blob" "TCP:$DUT4:6001" 2>> "$T/bi.err" || true
  _rc=0; e2e_wait_pid "$_c" 60 || _rc=$?
  if [ $_rc = 0 ] && [ "$(e2e_hash "$T/bi.out")" = "$(e2e_hash "$T/blob")" ]; then echo "ok in $1" >> "$R/bulk"
  else echo "FAIL in $1 (xtcp-cat rc $_rc, $(stat -c %s "$T/bi.out" 2>/dev/null) bytes) $(tail -n 1 "$T/bi.err")" >> "$R/bulk"; fi
}

bulk_out_once() {  # N
  rm -f "$T/bo.out"
  in_peer socat -u TCP-LISTEN:6002,reuseaddr "CREATE:$T/bo.out" 2> "$T/bo.err" &
  _s=$!
  _i=0
  until in_peer ss -Hltn "sport = :6002" | grep -q LISTEN; do _i=$((_i + 1)); [ $_i -lt 50 ] || break; sleep 0.1; done
  _rc=0
  timeout 120 ip netns exec "$DUT" "$B/xtcp-cat" --socket "$SOCK" "$PEER4" 6002 < "$T/blob" > /dev/null 2>> "$T/bo.err" || _rc=$?
  e2e_wait_pid "$_s" 30 || true
  if [ $_rc = 0 ] && [ "$(e2e_hash "$T/bo.out")" = "$(e2e_hash "$T/blob")" ]; then echo "ok out $1" >> "$R/bulk"
  else echo "FAIL out $1 (xtcp-cat rc $_rc, $(stat -c %s "$T/bo.out" 2>/dev/null) bytes) $(tail -n 1 "$T/bo.err")" >> "$R/bulk"; fi
}

loop() {  # FUNCTION: until the end time, at most 10000 rounds
  _n=0
  while [ "$(date +%s)" -lt "$end_at" ] && [ $_n -lt 10000 ]; do _n=$((_n + 1)); "$1" "$_n"; done
}

perf_once() {  # MODE PORT CONNECTIONS N
  _left=$((end_at - $(date +%s)))
  [ $_left -ge 3 ] || return 0
  [ $_left -le 20 ] || _left=20
  in_dut "$B/xtcp-perf" client --stack xtcp --socket "$SOCK" --mode "$1" --host "$PEER4" --port "$2" \
    --connections "$3" --duration "$_left" --json > "$R/$1.$4.json" 2> "$R/$1.$4.err" || echo "rc $?" >> "$R/$1.$4.err"
}
crr_once() { perf_once crr 6003 4 "$1"; }
rr_once() { perf_once rr 6004 8 "$1"; }

e2e_bg echo_crr in_peer "$B/xtcp-perf" server --stack kernel --mode crr --port 6003
e2e_bg echo_rr in_peer "$B/xtcp-perf" server --stack kernel --mode rr --port 6004
sleep 0.5

# Idle baseline, then the traffic.
sample() {  # -> one table row
  e2e_ctl stats > "$T/s.txt" 2> /dev/null || : > "$T/s.txt"
  _rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$DPID/status")
  _fds=$(find "/proc/$DPID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
  awk -v t="$(($(date +%s) - E2E_START))" -v rss="$_rss" -v fds="$_fds" '{ v[$1] = $2 } END {
    printf "%5d %9d %5d %6d %6d %6d %6d %6d %6d %8d\n", t, rss, fds, v["queue0.conns"], v["app.conns"],
      v["queue0.frames_free"], v["queue0.frames_fill"], v["queue0.frames_held"], v["queue0.frames_tx"],
      v["queue0.conns_opened"] }' "$T/s.txt"
}
header="    t   rss_kib   fds  conns  appcn   free   fill   held     tx   opened"
idle_before=$(sample)

loop bulk_in_once & W1=$!
loop bulk_out_once & W2=$!
loop crr_once & W3=$!
loop rr_once & W4=$!
E2E_PIDS="$E2E_PIDS $W1 $W2 $W3 $W4"
: > "$R/samples"
while [ "$(date +%s)" -lt "$end_at" ]; do
  e2e_alive "$DPID" || e2e_fail "xtcpd died during the soak"
  sample >> "$R/samples"
  sleep 10
done
for w in $W1 $W2 $W3 $W4; do e2e_wait_pid "$w" 150 || e2e_fail "a traffic loop did not stop within 150 s of the end"; done
e2e_check_no_leak 1 20
idle_after=$(sample)

echo
echo "$header"
cat "$R/samples"
echo "idle before: $idle_before"
echo "idle after:  $idle_after"
echo "(conns: xtcpd's connections incl. TIME-WAIT (2 s here); appcn: held by apps; free/fill/held/tx: queue0 UMEM frames; opened: total so far)"
e2e_ctl stats | awk '$1 ~ /^queue0\.(rx_frames|tx_frames|resets_sent|rx_malformed|ring_violations)$/ { printf "%s=%s ", $1, $2 } END { print "" }'
echo "peer kernel (sees the daemon's injected drops as loss): $(ip netns exec "$PEER" nstat -az TcpRetransSegs TcpExtTCPLossProbes 2>/dev/null | awk 'NR > 1 { printf "%s=%s ", $1, $2 }')"

# ---- verdicts ----
bad=0
n_ok=$(grep -c '^ok' "$R/bulk" || true); n_fail=$(grep -c '^FAIL' "$R/bulk" || true)
echo "bulk transfers: $n_ok verified (16 MB each, sha256), $n_fail failed"
if [ "$n_fail" != 0 ] || [ "$n_ok" -eq 0 ]; then grep '^FAIL' "$R/bulk" | head -n 5; bad=1; fi
for mode in crr rr; do
  runs=$(find "$R" -maxdepth 1 -name "$mode.*.json" | wc -l)
  summary=$(cat "$R"/$mode.*.json 2>/dev/null | /usr/bin/python3 -c '
import json, sys
tx = err = cor = fail = runs = 0
for line in sys.stdin:
    line = line.strip()
    if not line.startswith("{"):
        continue
    r = json.loads(line); runs += 1
    tx += r.get("transactions", 0); err += r.get("errors", 0); cor += r.get("corrupt", 0)
    fail += "failure" in r
print(runs, tx, err, cor, fail)')
  # shellcheck disable=SC2086  # five numbers, split on purpose
  set -- $summary
  echo "$mode: $1 runs, $2 transactions, $3 errors, $4 corrupt, $5 failed runs"
  if [ "$runs" = 0 ] || [ "$1" != "$runs" ] || [ "$4" != 0 ] || [ "$5" != 0 ] || [ "$2" = 0 ]; then
    bad=1; cat "$R"/$mode.*.err 2>/dev/null | tail -n 5
  fi
done
# Flat under load: RSS of the last third of the samples against the first
# (after 30 s); frames held or in flight stay a small part of the UMEM.
# Fds and connections follow the load (about 4 fds a connection, TIME-WAIT
# included): they are judged idle, before against after, where a leak shows.
verdict=$(awk -v warm=30 '
  { t[NR] = $1; rss[NR] = $2; held[NR] = $8; tx[NR] = $9 }
  END {
    n = 0; for (i = 1; i <= NR; i++) if (t[i] - t[1] >= warm) idx[++n] = i
    if (n < 3) { print "ok too few samples after the warm-up to judge growth"; exit }
    k = int(n / 3)
    for (j = 1; j <= n; j++) {
      i = idx[j]
      if (j <= k && rss[i] > r1) r1 = rss[i]
      if (j > n - k && rss[i] > r3) r3 = rss[i]
      if (held[i] + tx[i] > mh) mh = held[i] + tx[i]
    }
    why = ""
    if (r3 > r1 * 1.10 + 4096) why = why sprintf(" RSS grew %d -> %d KiB;", r1, r3)
    if (mh > 2048) why = why sprintf(" %d frames held or in flight;", mh)
    printf "%s max RSS first/last third %d/%d KiB, max frames held+tx %d%s\n",
      why == "" ? "ok" : "FAIL", r1, r3, mh, why
  }' "$R/samples")
echo "flat: ${verdict#* }"
case "$verdict" in ok*) ;; *) bad=1 ;; esac
# shellcheck disable=SC2086  # table rows, split on purpose
set -- $idle_before; rss0=$2; fds0=$3
# shellcheck disable=SC2086
set -- $idle_after
echo "idle before/after: RSS $rss0/$2 KiB, fds $fds0/$3, conns 0/$4"
[ "$3" -le $((fds0 + 4)) ] || { echo "fds leaked: $fds0 idle before, $3 idle after"; bad=1; }
[ "$2" -le $((rss0 + 16384)) ] || { echo "RSS idle after grew by more than 16 MiB"; bad=1; }
[ "$bad" = 0 ] || e2e_fail "soak found a problem (see above)"
e2e_pass
