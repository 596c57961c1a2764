#!/usr/bin/env bash
# Issue 6, a careless app: `xtcp-cat -l` whose stdout nobody reads stops
# reading its connection while a kernel peer sends 64 MB. Checked:
#  * the receive window closes: the peer's ss shows its data stuck in
#    Send-Q with bytes_acked frozen for seconds, snd_wnd below one segment
#    (ss omits it at 0) and a growing persist backoff (zero-window probes);
#    the connection stays open on both ends (the peer waits, no reset);
#  * meanwhile a second connection on the same daemon moves 50 MB intact
#    at a rate comparable to the same transfer done before the stall;
#  * then the app reads everything: sha256 of the 64 MB equal at both ends;
#  * the idle daemon holds no leak.
# Usage: never_reads.sh BUILD_DIR   (netns prefix xtcr1, 10.70.0.0/24)

# e2e_lib.sh finds its helpers (netns_pair.sh, e2e_steps.sh, leak_check.awk)
# beside $0: point $0 into tests/e2e (bash 5) and source it from there.
BASH_ARGV0="$(cd "$(dirname "$0")/../e2e" && pwd)/$(basename "$0")"
. "$(dirname "$0")/e2e_lib.sh"
e2e_init "${1:-}"
[ -z "$STANDIN" ] || { echo "SKIP: needs xtcpd (no stand-in mode)"; exit 77; }
[ -x "$B/xtcp-cat" ] || e2e_fail "$B/xtcp-cat is missing: build it first"
e2e_up xtcr1 1 70
e2e_daemon

# Seconds of the last bulk step, from xtcp-cat's --stats line.
cat_seconds() { sed -n 's/^xtcp-cat: .* in \([0-9.]*\) s .*/\1/p' "$T/cat.log" | tail -n 1; }

# Baseline: 50 MB on a quiet daemon.
e2e_step_bulk_in "$DUT4" 5002 50
base_s=$(cat_seconds)

# The stalled reader: xtcp-cat writes into a pipe whose reader waits for
# $T/go, so once the pipe and xtcp-cat's buffer fill it stops reading.
e2e_random_file "$T/slow_in" 64
rm -f "$T/go" "$T/slow_out"
e2e_bg slowcat sh -c "ip netns exec $DUT $B/xtcp-cat -l 5001 --socket $SOCK < /dev/null |
  { while [ ! -e $T/go ]; do sleep 0.05; done; cat > $T/slow_out; }"
SLOW=$LAST_PID
e2e_wait_listen 5001 1 "$SLOW"
e2e_bg slowpeer timeout 120 ip netns exec "$PEER" socat -u "OPEN:$T/slow_in" "TCP:$DUT4:5001"
SLOWPEER=$LAST_PID

# The peer's view of the stalled connection (CLOSE-WAIT once xtcp-cat,
# reading /dev/null, sent its FIN; the peer's direction is still open):
# "<Send-Q> <bytes_acked> <snd_wnd or -> <persist backoff or 0>".
peer_view() {
  ip netns exec "$PEER" ss -Htin "dport = :5001" | tr '\n' ' ' |
    awk '$1 == "ESTAB" || $1 == "CLOSE-WAIT" { q = $3; a = "-"; w = "-"; b = 0
           for (i = 1; i <= NF; i++) {
             if ($i ~ /^bytes_acked:/) a = substr($i, 13)
             if ($i ~ /^snd_wnd:/) w = substr($i, 9)
             if ($i ~ /^backoff:/) b = substr($i, 9) }
           print q, a, w, b }'
}
# Wait until bytes_acked stops moving for 1 s with data queued: the window closed.
prev=""; still=0; i=0
while :; do
  e2e_alive "$SLOWPEER" || e2e_fail "the peer ended while the app was not reading: $(cat "$T/slowpeer.log")"
  view=$(peer_view); set -- $view
  if [ -n "$view" ] && [ "${1:-0}" -gt 0 ] && [ "${2:-}" = "${prev:-}" ]; then still=$((still + 1)); else still=0; fi
  prev=${2:-}
  [ $still -ge 10 ] && break
  if [ $i -ge 300 ]; then
    ip netns exec "$PEER" ss -tin "dport = :5001" >&2; e2e_ctl conns >&2
    e2e_fail "the peer's sending never stalled in 30 s (ss: $view)"
  fi
  sleep 0.1; i=$((i + 1))
done
stall_view=$view
e2e_log "stalled: peer Send-Q $1 bytes, bytes_acked $2 for 1 s, snd_wnd ${3} (ss omits a zero snd_wnd), persist backoff $4"
# Closed: less than one segment offered (a window-scale unit may remain).
[ "$3" = - ] || [ "$3" -lt 1448 ] || e2e_fail "the peer's snd_wnd is $3 while the app does not read"
acked_at_stall=$2

# Another connection on the same daemon, during the stall.
e2e_step_bulk_in "$DUT4" 5003 50
during_s=$(cat_seconds)
[ -n "$base_s" ] && [ -n "$during_s" ] || e2e_fail "no xtcp-cat --stats timing in $T/cat.log"
e2e_log "50 MB took ${base_s} s before the stall and ${during_s} s during it (xtcp-cat's clock; loaded machine)"
# Generous for a shared 2-core machine: a daemon spinning on the stalled
# connection would cost far more than this.
awk -v a="$base_s" -v b="$during_s" 'BEGIN { exit !(b <= 2.5 * a + 0.5) }' ||
  e2e_fail "the other connection slowed down: ${during_s} s during the stall against ${base_s} s before"

# Still stalled, still established, nothing reset: the peer waits (and
# probes the zero window: its persist backoff grows).
set -- $(peer_view)
[ "$2" = "$acked_at_stall" ] || e2e_fail "bytes_acked moved during the stall ($acked_at_stall -> $2): the app was not meant to read"
e2e_alive "$SLOWPEER" || e2e_fail "the peer gave up while the window was closed"
ip netns exec "$PEER" ss -Htn state established state close-wait "dport = :5001" | grep -q . ||
  e2e_fail "the peer's connection is no longer open during the stall"
e2e_ctl conns | grep -q ':5001 ' || e2e_fail "xtcpd lost the stalled connection: $(e2e_ctl conns)"
e2e_log "after the other transfer: peer still stalled ($stall_view -> $*), connection established"

# The app reads again: every byte arrives intact.
touch "$T/go"
e2e_expect_ok "peer socat -> 5001 (after the stall)" "$SLOWPEER" 60
e2e_expect_ok "stalled xtcp-cat and its reader" "$SLOW" 30
e2e_same "64 MB through a window that was closed" "$T/slow_in" "$T/slow_out"
e2e_check_no_leak 1 10
e2e_pass
