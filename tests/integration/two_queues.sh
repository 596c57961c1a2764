#!/usr/bin/env bash
# With two queues, steered frames arrive on both AF_XDP sockets: many
# connection attempts from different source ports hash onto both veth
# queues, and xtcpd counts rx_frames on queue 0 and on queue 1.
source "$(dirname "$0")/lib.sh"
xt_setup xti4 --queues 2
port=7000

start_xtcpd d --queues 2 --steer-port "$port"
nq=$(stats d | "$PY" -c 'import json, sys; print(len(json.load(sys.stdin)["queues"]))') ||
  fail "no stats"
(( nq == 2 )) || fail "xtcpd reports $nq queues, expected 2"

# One round: 16 non-blocking connects (16 source ports, so 16 flow hashes);
# their SYNs go unanswered, the sockets are closed after 0.3 s.
syn_round() {
  in_peer "$PY" -c '
import socket, sys, time
socks = []
for _ in range(16):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    s.connect_ex((sys.argv[1], int(sys.argv[2])))
    socks.append(s)
time.sleep(0.3)
for s in socks:
    s.close()
' "$DUT_IP4" "$port"
}

q0=0 q1=0
for (( round = 1; round <= 20; round++ )); do
  syn_round || fail "connect round $round failed to run"
  q0=$(counter d queues.0.rx_frames) || fail "no stats"
  q1=$(counter d queues.1.rx_frames) || fail "no stats"
  (( q0 > 0 && q1 > 0 )) && break
done
(( q0 > 0 && q1 > 0 )) ||
  fail "after $((round - 1)) rounds of 16 SYNs: queue 0 rx_frames=$q0, queue 1 rx_frames=$q1"
pass "two queues both receive steered frames (q0=$q0, q1=$q1 after $round rounds)"
