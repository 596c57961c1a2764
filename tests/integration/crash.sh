#!/usr/bin/env bash
# After xtcpd is killed with SIGKILL the kernel takes all traffic back: no
# XDP program is left on the interface (bpf_link detaches with the process),
# kernel TCP works on every port including the one xtcpd owned, and a new
# xtcpd starts on the same interface and socket path.
source "$(dirname "$0")/lib.sh"
xt_setup xti5
port=7000

start_xtcpd d --steer-port "$port"
xdp_attached || fail "xtcpd is ready but $DIF has no XDP program"
pid=$(daemon_pid d)
# In braces so bash's "Killed" job notice does not clutter the log.
{
  kill -KILL "$pid"
  wait_until 5 pid_gone "$pid" || fail "xtcpd $pid survived SIGKILL"
  wait "$pid"
} 2>/dev/null
unset 'XT_DAEMONS[d]'

wait_until 5 bash -c "! ip -n $DUT link show dev $DIF | grep -q xdp" ||
  fail "XDP program still on $DIF 5 s after xtcpd was killed: $(ip -n "$DUT" link show dev "$DIF")"
log "no XDP program left on $DIF"

in_peer ping -c 1 -W 2 "$DUT_IP4" >/dev/null || fail "ping after crash"
kernel_transfer steered4 "$DUT" "$PEER" "$DUT_IP4" "$port" up
kernel_transfer steered6 "$DUT" "$PEER" "$DUT_IP6" "$port" down
kernel_transfer other4 "$DUT" "$PEER" "$DUT_IP4" 5001 up

# The stale socket file of the killed daemon must not block a restart.
start_xtcpd d --steer-port "$port"
xdp_attached || fail "restarted xtcpd has no XDP program on $DIF"
pass "after SIGKILL: no XDP left, kernel TCP intact on $port and 5001, restart works"
