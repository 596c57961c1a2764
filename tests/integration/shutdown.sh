#!/usr/bin/env bash
# SIGTERM and SIGINT shut xtcpd down cleanly: exit status 0, control socket
# removed, no XDP program left, and the kernel serves the steered port again.
source "$(dirname "$0")/lib.sh"
xt_setup xti7
port=7000

for sig in TERM INT; do
  start_xtcpd "$sig" --steer-port "$port"
  sock=$(sock_of "$sig")
  [[ -S "$sock" ]] || fail "SIG$sig run: control socket $sock missing while running"
  xdp_attached || fail "SIG$sig run: no XDP program while running"
  pid=$(daemon_pid "$sig")
  kill "-$sig" "$pid"
  wait_until 10 pid_gone "$pid" || fail "xtcpd still running 10 s after SIG$sig"
  wait "$pid"
  rc=$?
  unset "XT_DAEMONS[$sig]"
  (( rc == 0 )) || fail "xtcpd exited $rc after SIG$sig, expected 0"
  [[ ! -e "$sock" ]] || fail "control socket $sock left behind after SIG$sig"
  xdp_attached && fail "XDP program left on $DIF after SIG$sig"
  log "SIG$sig: exit 0, socket removed, no XDP"
done

kernel_transfer after "$DUT" "$PEER" "$DUT_IP4" "$port" up
pass "SIGTERM and SIGINT: exit 0, socket removed, XDP detached, port $port back with the kernel"
