#!/usr/bin/env bash
# With xtcpd attached, everything xtcp does not own still reaches the kernel:
# ping works both ways over IPv4 and IPv6.
source "$(dirname "$0")/lib.sh"
xt_setup xti1

start_xtcpd d --steer-port 7000
xdp_attached || fail "xtcpd is ready but $DIF has no XDP program"
before=$(counter d bpf.rx_frames) || fail "no stats"

in_peer ping -c 3 -i 0.2 -W 2 "$DUT_IP4" >/dev/null || fail "peer -> dut IPv4 ping"
in_peer ping -6 -c 3 -i 0.2 -W 2 "$DUT_IP6" >/dev/null || fail "peer -> dut IPv6 ping"
in_dut ping -c 3 -i 0.2 -W 2 "$PEER_IP4" >/dev/null || fail "dut -> peer IPv4 ping"
in_dut ping -6 -c 3 -i 0.2 -W 2 "$PEER_IP6" >/dev/null || fail "dut -> peer IPv6 ping"

# The pings crossed the XDP program (it saw them) and were passed on.
after=$(counter d bpf.rx_frames) || fail "no stats"
(( after >= before + 12 )) || fail "XDP program saw $((after - before)) frames, expected >= 12"
pass "ping v4/v6 both ways with xtcpd attached (XDP saw $((after - before)) frames)"
