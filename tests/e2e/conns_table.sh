#!/bin/sh
# Issue 4, "Done when": during a slow transfer (a kernel client in the peer
# sends 50 x 20 kB, 0.1 s apart, to `xtcp-cat -l`, which sends 30 x 20 kB
# back the same way),
# `xtcpctl conns` lists the connection as ESTABLISHED, and `--json` parses
# and shows it ESTABLISHED with a non-zero RTT and cwnd. Hashes both ways.
. "$(dirname "$0")/e2e_lib.sh"
e2e_init "${1:-}"
e2e_up xte3 1 83
e2e_daemon
slow_source() {  # CHUNKS
  for _ in $(seq "$1"); do head -c 20000 /dev/urandom; sleep 0.1; done
}

slow_source 30 | tee "$T/dut.in" | e2e_cat -l 5001 > "$T/dut.out" 2> "$T/cat.log" &
CAT=$!; E2E_PIDS="$E2E_PIDS $CAT"
e2e_wait_listen 5001 1 "$CAT"
slow_source 50 | tee "$T/peer.in" | ip netns exec "$PEER" timeout 30 socat -t 30 STDIO "TCP:$DUT4:5001" \
  > "$T/peer.out" 2> "$T/peer.log" &
PEER_PID=$!; E2E_PIDS="$E2E_PIDS $PEER_PID"
sleep 1

check_table() {
  if [ -n "$STANDIN" ]; then
    ip netns exec "$DUT" ss -Htin "sport = :5001" > "$T/conns.txt"
    grep -q '^ESTAB' "$T/conns.txt" && grep -q ' rtt:[0-9.]*[1-9]' "$T/conns.txt" && grep -q ' cwnd:[1-9]' "$T/conns.txt"
    return
  fi
  e2e_ctl conns > "$T/conns.txt" || return 1
  grep -q ESTABLISHED "$T/conns.txt" || return 1
  e2e_ctl conns --json > "$T/conns.json" || return 1
  /usr/bin/python3 -m json.tool < "$T/conns.json" > /dev/null || e2e_fail "xtcpctl conns --json is not JSON: $(cat "$T/conns.json")"
  /usr/bin/python3 "$E2E_DIR/conns_check.py" established 5001 < "$T/conns.json" > "$T/conns_check.txt"
}
i=0
until check_table; do
  [ $i -lt 15 ] || { cat "$T/conns.txt" "$T/conns_check.txt" 2>/dev/null; e2e_fail "no ESTABLISHED connection with rtt and cwnd in the table"; }
  sleep 0.2; i=$((i + 1))
done
e2e_log "connection table during the transfer:"
cat "$T/conns.txt"
[ -n "$STANDIN" ] || cat "$T/conns_check.txt"
e2e_alive "$PEER_PID" || e2e_fail "the slow transfer was already over when the table was read"

e2e_expect_ok "peer socat" "$PEER_PID" 20
e2e_expect_ok "xtcp-cat -l" "$CAT" 10
e2e_same "peer -> dut (slow)" "$T/peer.in" "$T/dut.out"
e2e_same "dut -> peer" "$T/dut.in" "$T/peer.out"
e2e_check_no_leak 1 10
e2e_pass
