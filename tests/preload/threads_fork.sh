#!/bin/sh
# Issue 7: threads and fork over xtcp (threads_fork.c under xtcp-run in the
# dut, a socat echo server in the peer): 4 threads with blocking
# connections at once, every byte echoed; a forked child gets EBADF on an
# inherited xtcp socket, closes it without harming the parent's connection,
# and opens its own; SO_RCVTIMEO ends a read with EAGAIN.
# Usage: threads_fork.sh BUILD_DIR
. "$(dirname "$0")/preload_lib.sh"
pl_need socat
pl_init "${1:-}" 75
[ -x "$B/xtcp-preload-threads" ] || e2e_fail "$B/xtcp-preload-threads is missing: build it first"
e2e_bg echo ip netns exec "$PEER" socat TCP-LISTEN:7101,reuseaddr,fork EXEC:cat
pl_peer_listening 7101
before=$(pl_bytes_moved)
pl_bg prog "$B/xtcp-preload-threads" "$PEER4" 7101
e2e_expect_ok "threads_fork" "$LAST_PID" 60
pl_expect_xtcp prog
for line in "threads: 4 x 200 round trips echoed" "child: inherited socket EBADF, own connection 64 KiB echoed" \
  "SO_RCVTIMEO: read timed out with EAGAIN" "done"; do
  grep -qx "$line" "$T/prog.log" || e2e_fail "missing line '$line'"
done
moved=$(($(pl_bytes_moved) - before))
# 4 x 200 x 1000 bytes each way plus the child's 64 KiB each way.
[ "$moved" -ge $((2 * (800000 + 65536))) ] || e2e_fail "xtcpd moved only $moved bytes"
e2e_log "threads and fork: all round trips echoed, xtcpd moved $moved bytes"
pl_check_released 10
e2e_check_no_leak 1 10
e2e_pass
