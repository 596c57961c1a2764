#!/usr/bin/env bash
# Ports xtcp does not own stay with the kernel: kernel TCP between the
# namespaces carries data intact in both directions, over IPv4 and IPv6,
# while xtcpd steers another port.
source "$(dirname "$0")/lib.sh"
xt_setup xti2

start_xtcpd d --steer-port 7000
xdp_attached || fail "xtcpd is ready but $DIF has no XDP program"
redirect_before=$(counter d bpf.verdict_redirect) || fail "no stats"

# Server in the dut, client in the peer.
kernel_transfer up4 "$DUT" "$PEER" "$DUT_IP4" 5001 up
kernel_transfer down4 "$DUT" "$PEER" "$DUT_IP4" 5002 down
kernel_transfer up6 "$DUT" "$PEER" "$DUT_IP6" 5003 up
kernel_transfer down6 "$DUT" "$PEER" "$DUT_IP6" 5004 down
# Connection opened by the dut: its replies arrive through the XDP program.
kernel_transfer dutcli4 "$PEER" "$DUT" "$PEER_IP4" 5005 up
kernel_transfer dutcli6 "$PEER" "$DUT" "$PEER_IP6" 5006 down

redirect_after=$(counter d bpf.verdict_redirect) || fail "no stats"
(( redirect_after == redirect_before )) ||
  fail "$((redirect_after - redirect_before)) frames of unowned ports were redirected to AF_XDP"
pass "kernel TCP on unowned ports: 6 transfers of 4 MiB, hashes equal"
