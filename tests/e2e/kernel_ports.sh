#!/bin/sh
# Issue 4, "Ports shared with the kernel": a port a kernel socket in the
# dut already uses is refused to xtcp with EADDRINUSE, and a port xtcp
# listens on is refused to kernel apps in the dut; both ways the port goes
# back when its owner closes.
. "$(dirname "$0")/e2e_lib.sh"
e2e_init "${1:-}"
if [ -n "$STANDIN" ]; then e2e_log "SKIP: port sharing is xtcpd's"; E2E_OK=1; exit 77; fi
e2e_up xte6 1 86
e2e_daemon

# The kernel first: xtcp-cat -l on its port must fail with "in use".
e2e_bg kernel_listener timeout 20 ip netns exec "$DUT" socat -u TCP4-LISTEN:7100 OPEN:/dev/null
KL=$LAST_PID
i=0
until ip netns exec "$DUT" ss -Hltn "sport = :7100" | grep -q LISTEN; do
  [ $i -lt 50 ] || e2e_fail "kernel listener did not start"; sleep 0.1; i=$((i + 1))
done
rc=0; timeout 10 ip netns exec "$DUT" "$B/xtcp-cat" --socket "$SOCK" -l 7100 < /dev/null \
  > /dev/null 2> "$T/cat_busy.log" || rc=$?
[ "$rc" = 1 ] || e2e_fail "xtcp-cat -l on a kernel port exited $rc, want 1"
grep -qi "in use" "$T/cat_busy.log" || e2e_fail "no EADDRINUSE sentence: $(cat "$T/cat_busy.log")"
e2e_log "kernel port refused to xtcp: $(cat "$T/cat_busy.log")"
kill "$KL"

# xtcp first: a kernel bind to its listening port must fail.
e2e_cat -l 7101 < /dev/null > /dev/null 2> "$T/cat.log" &
CAT=$!; E2E_PIDS="$E2E_PIDS $CAT"
e2e_wait_listen 7101 1 "$CAT"
if ip netns exec "$DUT" /usr/bin/python3 -c '
import socket, sys
s = socket.socket()
try:
    s.bind(("0.0.0.0", 7101))
except OSError as e:
    print(e); sys.exit(0 if e.errno == 98 else 2)
sys.exit(1)' > "$T/bind.log" 2>&1; then
  e2e_log "xtcp port refused to the kernel: $(cat "$T/bind.log")"
else
  e2e_fail "a kernel bind to xtcp's listening port did not fail with EADDRINUSE: $(cat "$T/bind.log")"
fi
kill "$CAT"; e2e_wait_pid "$CAT" 5 || true
# Its owner gone, the port is the kernel's again.
i=0
until ip netns exec "$DUT" /usr/bin/python3 -c '
import socket
socket.socket().bind(("0.0.0.0", 7101))' 2> /dev/null; do
  [ $i -lt 50 ] || e2e_fail "port 7101 was not given back to the kernel after xtcp-cat exited"
  sleep 0.1; i=$((i + 1))
done
e2e_check_no_leak 1 10
e2e_pass
