#!/bin/sh
# Issue 4 with two queues: a 2-queue veth pair and `xtcpd --queues 2`.
# Rounds of concurrent transfers (8 curl fetches from xtcp-http-example,
# 4 active opens from xtcp-cat to kernel servers in the peer), every hash
# checked, until both queues have received frames (queueN.rx_frames); at
# most 3 rounds. Flows whose packets land on the other queue than the one
# owning them must still work (issue 4, "Shards").
. "$(dirname "$0")/e2e_lib.sh"
e2e_init "${1:-}"
e2e_up xte8 2 88
e2e_daemon --queues 2
mkdir "$T/www"
e2e_http_server 8080 "$T/www"

round() {  # N
  _pids=""
  for i in 1 2 3 4 5 6 7 8; do
    n=$((2000000 + $1 * 100 + i))
    python3 "$E2E_DIR/gen_bytes.py" "$n" > "$T/gen$i.expected"
    e2e_bg "curl$i" timeout 40 ip netns exec "$PEER" curl -sS --fail --max-time 35 \
      -o "$T/gen$i.got" "http://$DUT4:8080/gen/$n"
    _pids="$_pids $LAST_PID"
  done
  for i in 1 2 3 4; do
    e2e_random_file "$T/act$i.in" 10
    e2e_bg "server$i" timeout 40 ip netns exec "$PEER" socat -u "TCP4-LISTEN:$((6000 + i)),reuseaddr" \
      "CREATE:$T/act$i.out"
  done
  for i in 1 2 3 4; do
    j=0
    until ip netns exec "$PEER" ss -Hltn "sport = :$((6000 + i))" | grep -q LISTEN; do
      [ $j -lt 50 ] || e2e_fail "peer server $i does not listen"; sleep 0.1; j=$((j + 1))
    done
  done
  for i in 1 2 3 4; do
    e2e_cat "$PEER4" $((6000 + i)) < "$T/act$i.in" > /dev/null 2> "$T/cat$i.log" &
    _pids="$_pids $!"; E2E_PIDS="$E2E_PIDS $!"
  done
  for p in $_pids; do e2e_expect_ok "transfer (pid $p) of round $1" "$p" 45; done
  for i in 1 2 3 4 5 6 7 8; do e2e_same "round $1 curl $i" "$T/gen$i.expected" "$T/gen$i.got"; done
  for i in 1 2 3 4; do
    j=0
    while [ "$(stat -c %s "$T/act$i.out" 2>/dev/null || echo 0)" -lt "$(stat -c %s "$T/act$i.in")" ] && [ $j -lt 50 ]; do
      sleep 0.1; j=$((j + 1))
    done
    e2e_same "round $1 active open $i" "$T/act$i.in" "$T/act$i.out"
  done
}

r=1
while :; do
  round $r
  if [ -n "$STANDIN" ]; then e2e_log "stand-in mode: no per-queue counters"; break; fi
  q0=$(e2e_stat queue0.rx_frames); q1=$(e2e_stat queue1.rx_frames)
  e2e_log "after round $r: queue0.rx_frames=${q0:-missing} queue1.rx_frames=${q1:-missing}"
  [ -n "$q0" ] && [ -n "$q1" ] || e2e_fail "xtcpctl stats lacks queue0/1.rx_frames"
  [ "$q0" -gt 0 ] && [ "$q1" -gt 0 ] && break
  [ $r -lt 3 ] || e2e_fail "after 3 rounds one queue never received a frame"
  r=$((r + 1))
done
e2e_check_no_leak 2 10
e2e_pass
