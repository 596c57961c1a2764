#!/bin/sh
# Issue 12: short connections without end. Debian's nginx under xtcp-run
# with keep-alive off (keepalive_timeout 0: nginx closes first, so every
# connection ends in TIME-WAIT on xtcpd's side); `ab -n 20000 -c 8` from the
# peer (kernel TCP). xtcpd runs with --max-conns 256 and a 60 s TIME-WAIT:
# before TIME-WAIT became a compact record, each connection kept its slot
# and channel for 60 s and the run failed after 256 requests. Now: every
# request succeeds, no connection or channel is refused, the shard holds
# the TIME-WAIT records (queue0.time_wait) but no channel for them, and a
# reused port's SYN takes its tuple over from the record (RFC 6191).
# Usage: nginx_ab.sh BUILD_DIR
. "$(dirname "$0")/preload_lib.sh"
pl_need nginx ab
e2e_init "${1:-}"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
e2e_up xtab 1 74
REQUESTS=20000
PORT=8080
# Arguments after e2e_daemon's own --time-wait 2 win.
e2e_daemon --time-wait 60 --max-conns 256
mkdir -p "$T/www" "$T/nginx"
printf 'hello from nginx over xtcp\n' > "$T/www/small"
pl_nginx_conf "$T/nginx" "keepalive_timeout 0;" "listen $PORT; root $T/www;"
pl_bg nginx nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" -e "$T/nginx/error.log"
NGINX=$LAST_PID
e2e_wait_listen $PORT 1 "$NGINX"
pl_expect_xtcp nginx
timeout 50 ip netns exec "$PEER" ab -q -n $REQUESTS -c 8 "http://$DUT4:$PORT/small" > "$T/ab.txt" 2>&1 ||
  e2e_fail "ab failed: $(tail -n 3 "$T/ab.txt"); xtcpd: $(e2e_ctl stats | grep -E 'refused|time_wait' | tr '\n' ' ')"
complete=$(awk '/^Complete requests:/ { print $3 }' "$T/ab.txt")
failed=$(awk '/^Failed requests:/ { print $3 }' "$T/ab.txt")
[ "$complete" = $REQUESTS ] || e2e_fail "ab completed $complete of $REQUESTS requests"
[ "$failed" = 0 ] || e2e_fail "ab: $failed failed requests"
! grep -q '^Non-2xx responses' "$T/ab.txt" || e2e_fail "ab: $(grep '^Non-2xx' "$T/ab.txt")"
e2e_log "ab: $(grep -E '^(Complete|Failed) requests|^Requests per second' "$T/ab.txt" | tr -s ' ' | tr '\n' ';')"
for s in conns_refused channels_refused time_wait_overflow; do
  v=$(e2e_stat queue0.$s)
  [ "$v" = 0 ] || e2e_fail "queue0.$s = $v, expected 0"
done
entered=$(e2e_stat queue0.time_wait_entered)
held=$(e2e_stat queue0.time_wait)
channels=$(e2e_stat queue0.channels)
conns=$(e2e_stat queue0.conns)
reopened=$(e2e_stat queue0.time_wait_reopened)
gone=$(($(e2e_stat queue0.time_wait_expired) + $(e2e_stat queue0.time_wait_reset)))
# nginx closed every connection first: each went through a record. The
# kernel client reuses its ports at once (its side ended in CLOSED), so
# many records yielded to a newer SYN (RFC 6191); the rest are still there
# (60 s TIME-WAIT), holding no channel.
[ "$entered" -ge $REQUESTS ] || e2e_fail "queue0.time_wait_entered = $entered < $REQUESTS"
[ $((held + reopened + gone)) = "$entered" ] ||
  e2e_fail "records: $held held + $reopened reopened + $gone gone != $entered entered"
[ "$held" -gt 0 ] || e2e_fail "queue0.time_wait = 0: records gone before 2*MSL"
[ "$conns" -le 16 ] || e2e_fail "queue0.conns = $conns with ab done (TIME-WAIT must not hold connections)"
[ "$channels" -le 16 ] || e2e_fail "queue0.channels = $channels with ab done"
e2e_log "xtcpd: conns=$conns channels=$channels $(e2e_ctl stats | grep "^queue0.time_wait" | tr "\n" " ")"
e2e_ctl stats | grep -q '^queue0\.time_wait_overflow ' || e2e_fail "xtcpctl stats lacks time_wait_overflow"
e2e_alive "$NGINX" || e2e_fail "nginx exited"
kill "$NGINX"; e2e_wait_pid "$NGINX" 5 || true
pl_check_released 10
e2e_check_no_leak 1 10
e2e_pass
