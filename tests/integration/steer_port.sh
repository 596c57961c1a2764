#!/usr/bin/env bash
# Frames to a port xtcp owns go to the AF_XDP socket, not to the kernel: a
# kernel listener on that port in the dut sees no connection, and xtcpd's
# per-queue rx_frames and the BPF reason_listener counter grow.
source "$(dirname "$0")/lib.sh"
xt_setup xti3
port=7000

# Control: without xtcpd the kernel listener accepts, so a refusal later is
# xtcp's doing and not a broken topology.
bg ip netns exec "$DUT" socat -u "TCP6-LISTEN:$port,reuseaddr,ipv6only=0,fork" /dev/null
wait_until 5 listening "$DUT" "$port" || fail "kernel listener did not start"
try_connect "$PEER" "$DUT_IP4" "$port" 3 || fail "control: kernel listener unreachable without xtcpd"

start_xtcpd d --steer-port "$port"
accepted_before=$(passive_opens "$DUT")
rx_before=$(counter d queues.0.rx_frames) || fail "no stats"
listener_before=$(counter d bpf.reason_listener) || fail "no stats"

for addr in "$DUT_IP4" "$DUT_IP6"; do
  if try_connect "$PEER" "$addr" "$port" 2; then
    fail "connect to steered $addr:$port reached the kernel listener"
  fi
done

accepted_after=$(passive_opens "$DUT")
rx_after=$(counter d queues.0.rx_frames) || fail "no stats"
listener_after=$(counter d bpf.reason_listener) || fail "no stats"
(( accepted_after == accepted_before )) ||
  fail "kernel accepted $((accepted_after - accepted_before)) connections on the steered port"
# Each attempt sends at least one SYN (v4 and v6).
(( rx_after >= rx_before + 2 )) ||
  fail "queue 0 rx_frames grew by $((rx_after - rx_before)), expected >= 2"
(( listener_after >= listener_before + 2 )) ||
  fail "bpf reason_listener grew by $((listener_after - listener_before)), expected >= 2"
pass "steered port $port: kernel saw no connection, AF_XDP got $((rx_after - rx_before)) frames"
