#!/bin/sh
# Issue 14: SO_REUSEADDR with Linux's meaning (socket(7)). Debian's nginx
# (which sets SO_REUSEADDR) runs on kernel TCP in the dut and serves curl
# with keep-alive off, so it closes first and leaves kernel TIME-WAIT sockets
# on its port for 60 s. Restarted at once under xtcp-run on the same port, it
# must listen and serve; restarted again under xtcp-run (now over xtcp's own
# TIME-WAIT) likewise. A listener without SO_REUSEADDR gets EADDRINUSE there,
# under xtcp-run as on the kernel.
# Usage: reuse_addr.sh BUILD_DIR
. "$(dirname "$0")/preload_lib.sh"
pl_need nginx curl socat
pl_init "${1:-}" 74
PORT=8081
PY=/usr/bin/python3
mkdir -p "$T/www" "$T/nginx"
e2e_random_file "$T/www/blob" 1
pl_nginx_conf "$T/nginx" "keepalive_timeout 0;" "listen $PORT; root $T/www;"
NGINX_ARGS="-p $T/nginx -c $T/nginx/nginx.conf -e $T/nginx/error.log"

fetch() {  # WHAT: three requests, one connection each, every copy intact
  for _k in 1 2 3; do
    timeout 20 ip netns exec "$PEER" curl -sS --fail -o "$T/got" "http://$DUT4:$PORT/blob" ||
      e2e_fail "$1: curl failed: $(tail -n 5 "$T/nginx/error.log")"
    e2e_same "$1 ($_k)" "$T/www/blob" "$T/got"
  done
}

stop() {  # PID
  kill "$1"; e2e_wait_pid "$1" 5 || e2e_fail "nginx did not exit on SIGTERM"
}

# listen() without SO_REUSEADDR on PORT: prints the errno name, or "ok".
bare_listen() {
  # shellcheck disable=SC2016 # the program is Python's
  "$@" "$PY" -c '
import errno, socket, sys
s = socket.socket()
try:
    s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(8); print("ok")
except OSError as e:
    print(errno.errorcode.get(e.errno, e.errno))' "$PORT" 2>&1 | tail -n 1
}

# 1. The kernel serves and closes first: its TIME-WAIT sockets stay.
# shellcheck disable=SC2086 # NGINX_ARGS is a word list
e2e_bg nginx_kernel ip netns exec "$DUT" nginx $NGINX_ARGS
K=$LAST_PID
_i=0
until ip netns exec "$DUT" ss -Hltn "sport = :$PORT" | grep -q LISTEN; do
  e2e_alive "$K" || e2e_fail "kernel nginx exited: $(tail -n 3 "$T/nginx_kernel.log")"
  [ $_i -lt 50 ] || e2e_fail "kernel nginx does not listen on $PORT"
  sleep 0.1; _i=$((_i + 1))
done
fetch "kernel nginx -> curl"
stop "$K"
tw=$(ip netns exec "$DUT" ss -Htan state time-wait "sport = :$PORT" | wc -l)
[ "$tw" -ge 1 ] || e2e_fail "no kernel TIME-WAIT socket on port $PORT after nginx closed first"
e2e_log "kernel: $tw TIME-WAIT sockets on port $PORT"

# 2. Without SO_REUSEADDR the port is busy, on the kernel and on xtcp alike.
k_err=$(bare_listen ip netns exec "$DUT")
x_err=$(bare_listen ip netns exec "$DUT" "$B/xtcp-run" --socket "$SOCK" --)
[ "$k_err" = EADDRINUSE ] || e2e_fail "kernel listen without SO_REUSEADDR over TIME-WAIT: $k_err, expected EADDRINUSE"
[ "$x_err" = EADDRINUSE ] || e2e_fail "xtcp-run listen without SO_REUSEADDR over TIME-WAIT: $x_err, expected EADDRINUSE (as the kernel)"
e2e_log "without SO_REUSEADDR: kernel $k_err, xtcp-run $x_err"

# 2b. SO_REUSEADDR does not take a port a live kernel connection still
# holds (its segments would go to xtcp): a kernel server keeps one accepted
# connection open after closing its listener.
# shellcheck disable=SC2016 # the program is Python's
e2e_bg holder ip netns exec "$DUT" "$PY" -c '
import socket, sys, time
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("0.0.0.0", int(sys.argv[1]))); l.listen(1)
c, _ = l.accept(); l.close(); print("holding", flush=True); time.sleep(8)' "$PORT"
HOLDER=$LAST_PID
_i=0
until ip netns exec "$DUT" ss -Hltn "sport = :$PORT" | grep -q LISTEN; do
  [ $_i -lt 50 ] || e2e_fail "the kernel holder does not listen on $PORT: $(cat "$T/holder.log")"
  sleep 0.1; _i=$((_i + 1))
done
e2e_bg idle ip netns exec "$PEER" sh -c "sleep 8 | socat - TCP:$DUT4:$PORT"
e2e_wait_line "$T/holder.log" holding 5 "$HOLDER"
# shellcheck disable=SC2016
live_err=$(ip netns exec "$DUT" "$B/xtcp-run" --socket "$SOCK" -- "$PY" -c '
import errno, socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(8); print("ok")
except OSError as e:
    print(errno.errorcode.get(e.errno, e.errno))' "$PORT" 2>&1 | tail -n 1)
[ "$live_err" = EADDRINUSE ] || e2e_fail "xtcp-run listen with SO_REUSEADDR over a live kernel connection: $live_err, expected EADDRINUSE"
e2e_log "SO_REUSEADDR over a live kernel connection: $live_err"
kill "$HOLDER" 2>/dev/null || true; e2e_wait_pid "$HOLDER" 5 || true
# Its connection closes (FIN_WAIT_2 is still live): wait for TIME-WAIT only.
_i=0
while ip netns exec "$DUT" ss -Htan "sport = :$PORT" | grep -qv TIME-WAIT; do
  [ $_i -lt 100 ] || e2e_fail "port $PORT still has live kernel sockets: $(ip netns exec "$DUT" ss -Htan "sport = :$PORT")"
  sleep 0.1; _i=$((_i + 1))
done

# 3. nginx (SO_REUSEADDR) under xtcp-run takes the port at once and serves.
for run in 1 2; do
  before=$(pl_bytes_moved)
  # shellcheck disable=SC2086
  pl_bg "nginx_xtcp$run" nginx $NGINX_ARGS
  X=$LAST_PID
  e2e_wait_listen $PORT 1 "$X"
  pl_expect_xtcp "nginx_xtcp$run"
  fetch "xtcp nginx (start $run) -> curl"
  moved=$(($(pl_bytes_moved) - before))
  [ "$moved" -ge $((3 * 1024 * 1024)) ] || e2e_fail "xtcpd moved only $moved bytes for 3 MiB"
  stop "$X"
done
grep -q "Address already in use" "$T/nginx/error.log" && e2e_fail "nginx logged EADDRINUSE: $(grep 'in use' "$T/nginx/error.log" | head -n 1)"
pl_check_released 10
e2e_check_no_leak 1 10
e2e_pass
