#!/bin/sh
# Keep-alive under an edge-triggered event loop: Debian's nginx (epoll with
# EPOLLET, its default) under xtcp-run, `ab -k -c 50` from the peer (kernel
# TCP), each connection carrying hundreds of requests. nginx reads a
# request with one short read and never drains to EAGAIN, so it hears of
# the next request only through epoll's edge for that arrival; when the
# shim reported edges only for bits turning on, a request that arrived
# before nginx looked again was never reported and its connection hung
# (ab: "The timeout specified has expired" after ~6,000 requests). Checks:
# every request answered with 200 over kept-alive connections, the body
# intact (sha256 through curl over one kept-alive connection), no
# connection refused.
# Usage: nginx_keepalive.sh BUILD_DIR
. "$(dirname "$0")/preload_lib.sh"
pl_need nginx ab curl sha256sum
e2e_init "${1:-}"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
e2e_up xtka 1 73
REQUESTS=20000
CLIENTS=50
PORT=8080
e2e_daemon
mkdir -p "$T/www" "$T/nginx"
head -c 64 /dev/zero | tr '\0' x > "$T/www/r64"
e2e_random_file "$T/www/blob" 1
pl_nginx_conf "$T/nginx" "keepalive_requests 100000;" "listen $PORT; root $T/www;"
pl_bg nginx nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" -e "$T/nginx/error.log"
NGINX=$LAST_PID
e2e_wait_listen $PORT 1 "$NGINX"
pl_expect_xtcp nginx
# -s 5: a connection that hangs fails the run within seconds.
timeout 60 ip netns exec "$PEER" ab -k -q -n $REQUESTS -c $CLIENTS -s 5 "http://$DUT4:$PORT/r64" > "$T/ab.txt" 2>&1 ||
  e2e_fail "ab -k failed: $(tail -n 3 "$T/ab.txt" | tr '\n' ' ')"
complete=$(awk '/^Complete requests:/ { print $3 }' "$T/ab.txt")
failed=$(awk '/^Failed requests:/ { print $3 }' "$T/ab.txt")
kept=$(awk '/^Keep-Alive requests:/ { print $3 }' "$T/ab.txt")
[ "$complete" = $REQUESTS ] || e2e_fail "ab completed $complete of $REQUESTS requests"
[ "$failed" = 0 ] || e2e_fail "ab: $failed failed requests"
[ "$kept" = $REQUESTS ] || e2e_fail "ab: $kept of $REQUESTS requests kept alive"
! grep -q '^Non-2xx responses' "$T/ab.txt" || e2e_fail "ab: $(grep '^Non-2xx' "$T/ab.txt")"
e2e_log "ab -k: $(grep -E '^(Complete|Failed|Keep-Alive) requests|^Requests per second' "$T/ab.txt" | tr -s ' ' | tr '\n' ';')"
opened=$(e2e_stat queue0.conns_opened)
[ "$opened" -le $((CLIENTS + 5)) ] || e2e_fail "queue0.conns_opened = $opened for $CLIENTS kept-alive clients"
# Three bodies back to back on one connection (curl reuses it), each intact.
want=$(sha256sum < "$T/www/blob" | cut -d' ' -f1)
timeout 20 ip netns exec "$PEER" curl -sf "http://$DUT4:$PORT/blob" -o "$T/b1" \
  "http://$DUT4:$PORT/blob" -o "$T/b2" "http://$DUT4:$PORT/blob" -o "$T/b3" ||
  e2e_fail "curl over one kept-alive connection failed"
for f in b1 b2 b3; do
  got=$(sha256sum < "$T/$f" | cut -d' ' -f1)
  [ "$got" = "$want" ] || e2e_fail "$f: sha256 $got, nginx served $want"
done
[ "$(e2e_stat queue0.conns_opened)" = $((opened + 1)) ] || e2e_fail "curl opened more than one connection for three requests"
for s in conns_refused channels_refused; do
  v=$(e2e_stat queue0.$s)
  [ "$v" = 0 ] || e2e_fail "queue0.$s = $v, expected 0"
done
e2e_alive "$NGINX" || e2e_fail "nginx exited"
kill "$NGINX"; e2e_wait_pid "$NGINX" 5 || true
pl_check_released 10
e2e_check_no_leak 1 10
e2e_pass
