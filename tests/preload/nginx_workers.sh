#!/bin/sh
# Issue 14: Debian's nginx in its default process model under xtcp-run: it
# daemonises (fork, setsid, the first process exits), the master forks two
# workers that drop to the default user (nobody) and accept from the
# listener they inherited. curl in the peer fetches a file 20 times, one
# connection each, every copy hashed against the file; the access log names
# the worker pid that served each request. A worker killed with SIGKILL is
# replaced by the master (a new fork) and the next requests are served; once
# nginx stopped, xtcpd holds no listener, connection or session of it.
# Usage: nginx_workers.sh BUILD_DIR
. "$(dirname "$0")/preload_lib.sh"
pl_need nginx curl
pl_init "${1:-}" 73
PORT=8082
mkdir -p "$T/www" "$T/nginx"
chmod 755 "$T" "$T/www"  # the workers run as nobody
e2e_random_file "$T/www/blob" 1
chmod 644 "$T/www/blob"
pl_nginx_conf "$T/nginx" "log_format by_pid '\$pid'; access_log $T/nginx/access.log by_pid;" \
  "listen $PORT; root $T/www;"
# The default process model: daemon on, a master, workers (2 of them here).
sed -i -e '/^daemon off;/d' -e '/^master_process off;/d' -e '/access_log off;/d' \
  -e 's/^worker_processes 1;/worker_processes 2;/' "$T/nginx/nginx.conf"
PIDFILE="$T/nginx/nginx.pid"

pl_bg nginx nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" -e "$T/nginx/error.log"
e2e_wait_pid "$LAST_PID" 10 || e2e_fail "nginx did not daemonise: $(tail -n 3 "$T/nginx.log")"
pl_expect_xtcp nginx
_i=0
until [ -s "$PIDFILE" ]; do
  [ $_i -lt 50 ] || e2e_fail "no nginx pid file: $(tail -n 3 "$T/nginx/error.log")"
  sleep 0.1; _i=$((_i + 1))
done
MASTER=$(cat "$PIDFILE")
workers() { pgrep -P "$MASTER" | sort; }
wait_workers() {  # COUNT
  _i=0
  while [ "$(workers | wc -l)" -lt "$1" ]; do
    [ $_i -lt 50 ] || e2e_fail "the nginx master has $(workers | wc -l) workers, expected $1"
    sleep 0.1; _i=$((_i + 1))
  done
}
wait_workers 2
e2e_wait_listen $PORT 1 "$MASTER"
for w in $(workers); do
  [ "$(stat -c %U "/proc/$w")" = nobody ] || e2e_fail "worker $w does not run as nobody"
done

fetch() {  # WHAT COUNT
  before=$(pl_bytes_moved)
  _k=0
  while [ $_k -lt "$2" ]; do
    _k=$((_k + 1))
    timeout 20 ip netns exec "$PEER" curl -sS --fail -o "$T/got" "http://$DUT4:$PORT/blob" ||
      e2e_fail "$1: request $_k failed: $(tail -n 5 "$T/nginx/error.log")"
    [ "$(e2e_hash "$T/got")" = "$(e2e_hash "$T/www/blob")" ] || e2e_fail "$1: request $_k: sha256 differs"
  done
  moved=$(($(pl_bytes_moved) - before))
  [ "$moved" -ge $(($2 * 1024 * 1024)) ] || e2e_fail "$1: xtcpd moved only $moved bytes for $2 MiB"
  e2e_log "$1: $2 requests, every copy's sha256 equal to the file's"
}

fetch "two workers" 20
served=$(sort -u "$T/nginx/access.log")
for p in $served; do
  workers | grep -qx "$p" || e2e_fail "pid $p served a request but is not a worker of $MASTER"
done
e2e_log "served by worker(s): $(echo "$served" | tr '\n' ' ')"

victim=$(workers | head -n 1)
kill -9 "$victim"
_i=0
while workers | grep -qx "$victim" || [ "$(workers | wc -l)" -lt 2 ]; do
  [ $_i -lt 50 ] || e2e_fail "the master did not replace worker $victim"
  sleep 0.1; _i=$((_i + 1))
done
fetch "after a worker was killed and replaced" 10

bad=$(grep -E '\[(emerg|alert|crit)\]|accept\(\) failed' "$T/nginx/error.log" | grep -v 'exited on signal 9' || true)
[ -z "$bad" ] || e2e_fail "nginx logged errors: $(echo "$bad" | head -n 3)"
kill -QUIT "$MASTER"
_i=0
while e2e_alive "$MASTER"; do  # not our child: no wait(1)
  [ $_i -lt 200 ] || e2e_fail "nginx did not stop within 20 s of SIGQUIT: $(ps -o pid,stat,wchan:20,cmd --ppid "$MASTER" | tail -n +2)"
  sleep 0.1; _i=$((_i + 1))
done
pl_check_released 10
e2e_check_no_leak 1 10
e2e_pass
