# shellcheck shell=sh
# Transfers shared by several e2e scripts (sourced by e2e_lib.sh). Each
# checks hashes at both ends and prints the rate.

# Waits up to 5 s for a kernel socket listening on PORT in namespace NS.
e2e_wait_kernel_listen() {  # NS PORT WHAT
  _i=0
  until ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q LISTEN; do
    [ $_i -lt 50 ] || e2e_fail "$3 does not listen on $2"
    sleep 0.1; _i=$((_i + 1))
  done
}

# A kernel client in the peer sends MB of random data to `xtcp-cat -l PORT`
# in the dut at ADDR (v4 or v6).
e2e_step_bulk_in() {  # ADDR PORT MB
  e2e_random_file "$T/in" "$3"
  rm -f "$T/out"
  e2e_cat --stats -l "$1" "$2" < /dev/null > "$T/out" 2> "$T/cat.log" &
  _cat=$!; E2E_PIDS="$E2E_PIDS $_cat"
  e2e_wait_listen "$2" 1 "$_cat"
  _t0=$(e2e_now)
  e2e_bg peer timeout 50 ip netns exec "$PEER" socat -u "OPEN:$T/in" "TCP:$(e2e_bracket "$1"):$2"
  e2e_expect_ok "peer socat -> $1:$2" "$LAST_PID" 50
  e2e_expect_ok "xtcp-cat -l $2" "$_cat" 20
  _t1=$(e2e_now)
  e2e_same "peer -> dut $1" "$T/in" "$T/out"
  e2e_rate "peer -> dut $1 (kernel -> xtcp)" "$(stat -c %s "$T/out")" "$_t0" "$_t1"
  grep 'xtcp-cat:' "$T/cat.log" || true
}

# Active open: a kernel server listens in the peer at ADDR; `xtcp-cat ADDR
# PORT` in the dut connects and sends MB. The dut's neighbour cache is
# flushed first and must hold no permanent entry: the daemon resolves the
# peer through the kernel.
e2e_step_active_open() {  # ADDR PORT MB
  e2e_random_file "$T/in" "$3"
  rm -f "$T/out"
  case "$1" in *:*) _listen=TCP6-LISTEN ;; *) _listen=TCP4-LISTEN ;; esac
  ip -n "$DUT" neigh flush all
  [ -z "$(ip -n "$DUT" neigh show nud permanent)" ] || e2e_fail "the dut has a static neighbour"
  e2e_bg peer timeout 55 ip netns exec "$PEER" socat -u "$_listen:$2,reuseaddr" "CREATE:$T/out"
  _peer=$LAST_PID
  e2e_wait_kernel_listen "$PEER" "$2" "the peer's socat"
  _t0=$(e2e_now)
  e2e_cat --stats "$1" "$2" < "$T/in" > "$T/cat.out" 2> "$T/cat.log" &
  _cat=$!; E2E_PIDS="$E2E_PIDS $_cat"
  e2e_expect_ok "xtcp-cat $1 $2" "$_cat" 50
  e2e_expect_ok "peer socat (server)" "$_peer" 10
  _t1=$(e2e_now)
  e2e_same "dut -> peer $1 (active open)" "$T/in" "$T/out"
  e2e_rate "dut -> peer $1 (active open, xtcp -> kernel)" "$(stat -c %s "$T/out")" "$_t0" "$_t1"
  e2e_log "dut neighbours: $(ip -n "$DUT" neigh show | tr '\n' ';')"
  grep 'xtcp-cat:' "$T/cat.log" || true
}

# After xtcpd has died: its XDP program goes within 5 s (the bpf_link dies
# with the process), ping works, and kernel TCP serves PORT in the dut (a
# hashed 10 MB transfer from the peer).
e2e_step_kernel_owns_link() {  # PORT WHAT
  _i=0
  while ip -n "$DUT" link show dev "$DIF" | grep -q xdp; do
    [ $_i -lt 50 ] || e2e_fail "XDP still attached to $DIF 5 s after $2"
    sleep 0.1; _i=$((_i + 1))
  done
  e2e_log "no XDP program on $DIF"
  ip netns exec "$PEER" ping -c 1 -W 2 "$DUT4" > /dev/null || e2e_fail "no ping reply from the dut after $2"
  e2e_random_file "$T/k_in" 10
  rm -f "$T/k_out"
  e2e_bg ksrv ip netns exec "$DUT" socat -u "TCP-LISTEN:$1,reuseaddr" "CREATE:$T/k_out"
  _ksrv=$LAST_PID
  e2e_wait_kernel_listen "$DUT" "$1" "the dut's kernel socat"
  e2e_bg kcli ip netns exec "$PEER" socat -u "OPEN:$T/k_in" "TCP:$DUT4:$1"
  e2e_expect_ok "peer socat -> kernel $1" "$LAST_PID" 20
  e2e_expect_ok "kernel socat -l $1" "$_ksrv" 10
  e2e_same "kernel TCP on port $1 after $2" "$T/k_in" "$T/k_out"
}
