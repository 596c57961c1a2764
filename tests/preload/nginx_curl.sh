#!/bin/sh
# Issue 7: Debian's nginx (unmodified, epoll + EPOLLET, accept4, writev,
# sendfile) under xtcp-run in the dut serves a 10 MB random file; curl in
# the peer (kernel TCP) fetches it three times over IPv4, the last two over
# one keep-alive connection, and once over IPv6; every copy's sha256 equals
# the file's, and xtcpd moved at least those bytes. With an idle client
# connection open, nginx must sleep (edge-triggered epoll must not spin).
# Usage: nginx_curl.sh BUILD_DIR
. "$(dirname "$0")/preload_lib.sh"
pl_need nginx curl
pl_init "${1:-}" 76
PORT=8080
mkdir -p "$T/www" "$T/nginx"
e2e_random_file "$T/www/blob" 10
pl_nginx_conf "$T/nginx" "sendfile ${XTCP_PRELOAD_SENDFILE:-on};" \
  "listen $PORT; listen [::]:$PORT ipv6only=on; root $T/www;"

pl_bg nginx nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" -e "$T/nginx/error.log"
NGINX=$LAST_PID
e2e_wait_listen $PORT 2 "$NGINX"  # IPv4 and IPv6
pl_expect_xtcp nginx
before=$(pl_bytes_moved)
timeout 30 ip netns exec "$PEER" curl -sS --fail -o "$T/got1" "http://$DUT4:$PORT/blob" ||
  e2e_fail "curl (1) failed: $(tail -n 5 "$T/nginx/error.log")"
e2e_same "nginx -> curl" "$T/www/blob" "$T/got1"
# Two requests on one keep-alive connection (curl reuses it).
timeout 30 ip netns exec "$PEER" curl -sS --fail -o "$T/got2" "http://$DUT4:$PORT/blob" \
  -o "$T/got3" "http://$DUT4:$PORT/blob" -w '%{num_connects}\n' > "$T/connects" ||
  e2e_fail "curl (2, 3) failed: $(tail -n 5 "$T/nginx/error.log")"
e2e_same "nginx -> curl (keep-alive 1)" "$T/www/blob" "$T/got2"
e2e_same "nginx -> curl (keep-alive 2)" "$T/www/blob" "$T/got3"
[ "$(tail -n 1 "$T/connects")" = 0 ] || e2e_fail "curl opened a new connection for the second request"
moved=$(($(pl_bytes_moved) - before))
[ "$moved" -ge $((3 * 10 * 1024 * 1024)) ] || e2e_fail "xtcpd moved only $moved bytes for 30 MiB"
# IPv6 (nginx's second listener, IPV6_V6ONLY).
timeout 30 ip netns exec "$PEER" curl -sS --fail -g -o "$T/got6" "http://[$DUT6]:$PORT/blob" ||
  e2e_fail "curl over IPv6 failed: $(tail -n 5 "$T/nginx/error.log")"
e2e_same "nginx -> curl (IPv6)" "$T/www/blob" "$T/got6"
# A missing file is nginx's 404 over the same path.
code=$(timeout 10 ip netns exec "$PEER" curl -s -o /dev/null -w '%{http_code}' "http://$DUT4:$PORT/none")
[ "$code" = 404 ] || e2e_fail "GET /none gave HTTP $code, expected 404"
# An idle connection (EPOLLIN|EPOLLOUT|EPOLLET, writable all along): nginx
# must use under 0.2 s of CPU in 1.5 s.
# shellcheck disable=SC2016 # $1 and $2 are the inner shell's
ip netns exec "$PEER" sh -c 'sleep 2.5 | socat - "TCP:$1:$2"' sh "$DUT4" $PORT > /dev/null 2>&1 &
IDLE=$!
sleep 0.5
cpu() { awk '{ print $14 + $15 }' "/proc/$NGINX/stat"; }
c0=$(cpu); sleep 1.5; c1=$(cpu)
ticks=$(getconf CLK_TCK)
[ $((c1 - c0)) -lt $((ticks / 5)) ] || e2e_fail "nginx used $((c1 - c0)) of $ticks ticks/s while idle (spinning)"
e2e_log "idle connection: nginx used $((c1 - c0)) CPU ticks in 1.5 s"
wait "$IDLE" || true
e2e_alive "$NGINX" || e2e_fail "nginx exited"
kill "$NGINX"; e2e_wait_pid "$NGINX" 5 || true
pl_check_released 10
e2e_check_no_leak 1 10
e2e_pass
