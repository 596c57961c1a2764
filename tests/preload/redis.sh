#!/bin/sh
# Issue 7: Debian's redis-server (unmodified: epoll, non-blocking accept,
# TCP_NODELAY, SO_KEEPALIVE) under xtcp-run in the dut. From the peer
# (kernel TCP): redis-cli stores a 100 KB random value and reads it back
# intact, then `redis-benchmark -n 2000 -q` runs its full set of tests
# (50 parallel connections) and every one must report a rate.
# Usage: redis.sh BUILD_DIR
. "$(dirname "$0")/preload_lib.sh"
pl_need redis-server redis-benchmark redis-cli
pl_init "${1:-}" 78
PORT=6379
mkdir -p "$T/redis"
pl_bg redis redis-server --port $PORT --bind 0.0.0.0 --protected-mode no --save "" --appendonly no \
  --daemonize no --dir "$T/redis" --logfile ""
REDIS=$LAST_PID
e2e_wait_listen $PORT 1 "$REDIS"
pl_expect_xtcp redis
cli() { timeout 20 ip netns exec "$PEER" redis-cli -h "$DUT4" -p $PORT "$@"; }

head -c 76800 /dev/urandom | base64 -w 0 > "$T/value"  # 100 KiB of text
before=$(pl_bytes_moved)
[ "$(cli -x set blob < "$T/value")" = OK ] || e2e_fail "redis-cli SET failed"
cli --raw get blob | head -c "$(stat -c %s "$T/value")" > "$T/value.back"
e2e_same "redis SET/GET" "$T/value" "$T/value.back"

timeout 120 ip netns exec "$PEER" redis-benchmark -h "$DUT4" -p $PORT -n 2000 -q > "$T/bench.out" 2>&1 ||
  e2e_fail "redis-benchmark failed: $(tail -n 5 "$T/bench.out")"
tr '\r' '\n' < "$T/bench.out" | grep "requests per second" > "$T/bench.txt" || true
for t in PING_INLINE PING_MBULK SET GET INCR LPUSH RPUSH LPOP RPOP SADD HSET SPOP MSET; do
  grep -q "^$t\( ([^)]*)\)\{0,1\}: [0-9.]* requests per second" "$T/bench.txt" || e2e_fail "redis-benchmark: no rate for $t: $(tail -n 3 "$T/bench.out")"
done
grep -qi "error" "$T/bench.out" && e2e_fail "redis-benchmark reported errors: $(grep -i error "$T/bench.out" | head -n 3)"
moved=$(($(pl_bytes_moved) - before))
[ "$moved" -gt 1000000 ] || e2e_fail "xtcpd moved only $moved bytes for the redis runs"
e2e_log "redis-benchmark: $(grep -c . "$T/bench.txt") tests; $(grep -E '^(SET|GET):' "$T/bench.txt" | cut -d, -f1 | tr '\n' ' ')(loaded 2-core figures)"
[ "$(cli ping)" = PONG ] || e2e_fail "redis stopped answering"
e2e_alive "$REDIS" || e2e_fail "redis-server exited"
kill "$REDIS"; e2e_wait_pid "$REDIS" 5 || true
pl_check_released 10
e2e_check_no_leak 1 10
e2e_pass
