#!/bin/sh
# Issue 7: Debian's sockperf (unmodified) as a TCP server under xtcp-run
# in the dut (`sockperf sr --tcp`) against `sockperf pp --tcp` in the peer
# for 2 s, once with each of sockperf's multiplexers (epoll, poll, select).
# Each run must report a latency summary with observations and no
# out-of-order or dropped messages, and xtcpd must have carried them.
# Usage: sockperf.sh BUILD_DIR
. "$(dirname "$0")/preload_lib.sh"
pl_need sockperf
pl_init "${1:-}" 77
SECS=${XTCP_PRELOAD_SECS:-2}
port=11111
for mux in epoll poll select; do
  # -F needs a feed file: one line "T:address:port" (TCP).
  echo "T:$DUT4:$port" > "$T/feed_$mux"
  pl_bg "sr_$mux" sockperf sr -f "$T/feed_$mux" -F $mux
  SR=$LAST_PID
  e2e_wait_listen $port 1 "$SR"
  pl_expect_xtcp "sr_$mux"
  before=$(pl_bytes_moved)
  rc=0
  timeout 30 ip netns exec "$PEER" sockperf pp --tcp -i "$DUT4" -p $port -t "$SECS" -m 64 \
    > "$T/pp_$mux.log" 2>&1 || rc=$?
  [ "$rc" = 0 ] || e2e_fail "sockperf pp ($mux) exited $rc: $(tail -n 5 "$T/pp_$mux.log")"
  obs=$(sed -n 's/.*\[Valid Duration\].*ReceivedMessages=\([0-9]*\).*/\1/p' "$T/pp_$mux.log")
  { [ -n "$obs" ] && [ "$obs" -gt 100 ]; } || e2e_fail "sockperf pp ($mux): too few messages: $(grep -i received "$T/pp_$mux.log")"
  grep -q "# dropped messages = 0; # duplicated messages = 0; # out-of-order messages = 0" "$T/pp_$mux.log" ||
    e2e_fail "sockperf pp ($mux) saw loss or reordering: $(grep 'dropped' "$T/pp_$mux.log")"
  moved=$(($(pl_bytes_moved) - before))
  [ "$moved" -ge $((obs * 64)) ] || e2e_fail "sockperf ($mux): $obs round trips but xtcpd moved $moved bytes"
  e2e_log "sockperf $mux: $obs round trips, $(grep -o 'avg-latency=[0-9.]* (std-dev=[0-9.]*)' "$T/pp_$mux.log") usec (loaded 2-core figure)"
  kill "$SR"; e2e_wait_pid "$SR" 5 || true
  port=$((port + 1))
done
pl_check_released 10
e2e_check_no_leak 1 10
e2e_pass
