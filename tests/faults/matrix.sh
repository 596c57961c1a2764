#!/bin/sh
# Issue 6, integrity matrix: bulk transfers between kernel TCP in the peer
# and xtcp-cat in the dut under injected faults, sha256 compared at both
# ends, goodput printed per cell. Faults come from the tc BPF injector on
# the peer's veth (fault_lib.sh: egress faults frames toward the dut,
# ingress frames from it) and from xtcpd's own --fault injector (drop,
# duplicate, reorder, corrupt, delay on receive and transmit). After every
# cell xtcpd must be alive and hold no connection or frame (strict leak
# check); injected faults must show in the counters.
#
# Usage: matrix.sh BUILD_DIR [CELL...]
# A CELL is  NAME/DIR/MB/TC/XTCPD  with
#   DIR    in (peer -> dut) or out (dut -> peer) over IPv4; in6, out6 over
#          IPv6; kout: the dut's KERNEL sends to the peer (a reference for
#          out: the same link and faults without xtcp in the path); kin:
#          the peer sends to the dut's KERNEL (the reference for in)
#   TC     DROP_PPM:BURST:EVERY:DUP_PPM for the data direction's hook
#          (peer egress for in, peer ingress for out), or - for none; a
#          fifth field, :ACK_DROP_PPM, drops that fraction of the frames
#          of the other direction too (the ACKs: loss both ways)
#   XTCPD  an xtcpd --fault SPEC, or - for none
# Without cells it runs the short CI subset below. Environment:
#   FAULTS_JSON=FILE   append one JSON object per cell to FILE
#   FAULTS_CELL_TIMEOUT=S   seconds a transfer may take (default 40)
#   FAULTS_NET=N       subnet number (default 60; bench/faults.sh uses 61)
#   FAULTS_SAMPLE=1    print `xtcpctl conns --json` samples (every 0.2 s)
#                      of each transfer (diagnosing slow cells)
#   FAULTS_PCAP=DIR    tcpdump (headers) on the peer's veth into DIR/CELL.pcap
#                      per cell; bench/loss_pcap.py reads where time went
#   FAULTS_XTCPD_ARGS="--poll busy ..."   extra xtcpd flags for every cell
#                      (split on spaces: A/B runs of daemon settings)
# e2e_lib.sh finds its helpers beside $0: run this file again with $0 in
# tests/e2e (sh -c NAME sets $0; nothing is written there).
if [ -z "${FAULTS_DIR:-}" ]; then
  FAULTS_DIR=$(cd "$(dirname "$0")" && pwd)
  export FAULTS_DIR
  exec sh -c '. "$FAULTS_DIR/matrix.sh"' "$FAULTS_DIR/../e2e/faults_matrix" "$@"
fi
. "$FAULTS_DIR/../e2e/e2e_lib.sh"
. "$FAULTS_DIR/fault_lib.sh"
e2e_init "${1:-}"
[ $# -gt 0 ] && shift

CI_CELLS="
tc-drop1-in/in/8/10000:1:0:0/-
tc-drop1-out/out/8/10000:1:0:0/-
tc-burst3-in/in/4/20000:3:0:0/-
tc-every50-dup1-out/out/4/0:1:50:10000/-
tc-drop5-out/out/4/50000:1:0:0/-
tc-drop1-dup1-in6/in6/4/10000:1:0:10000/-
xtcpd-rx-reorder-dup-corrupt-in/in/4/-/rx-reorder=0.02,rx-dup=0.01,rx-corrupt=0.005,seed=11
xtcpd-tx-drop-dup-corrupt-out/out/4/-/tx-drop=0.01,tx-dup=0.01,tx-corrupt=0.005,seed=12
xtcpd-rx-drop-delay-ack-loss-in/in/4/-/rx-drop=0.01,rx-delay=0.01,tx-drop=0.02,seed=13
"
CELLS=${*:-$CI_CELLS}
CELL_TIMEOUT=${FAULTS_CELL_TIMEOUT:-40}
[ -f "$B/bpf/fault_inject.bpf.o" ] || e2e_fail "$B/bpf/fault_inject.bpf.o is missing: build target xtcp_fault_bpf"
[ -x "$B/xtcp-cat" ] || e2e_fail "$B/xtcp-cat is missing: build it first"

e2e_up xtfi 1 "${FAULTS_NET:-60}"
# One tc "frame" is one skb, and tc egress sees TCP's GSO skbs before they
# are split: one segment per skb makes a drop fraction a segment loss rate.
ip -n "$PEER" link set dev "$PIF" gso_max_segs 1
# The same for the dut's kernel in the kout reference (xtcp sends single
# frames anyway; this is a link setting, nothing is attached to the dut).
ip -n "$DUT" link set dev "$DIF" gso_max_segs 1
fault_attach "$PEER" "$PIF" egress "$B/bpf/fault_inject.bpf.o"
fault_attach "$PEER" "$PIF" ingress "$B/bpf/fault_inject.bpf.o"
DAEMON_SPEC=none
PORT=5100
CELLS_OK=0
CELLS_RUN=0

# Stops xtcpd (SIGTERM, bounded) and checks its fault counters, printed on
# stderr at exit, against what its --fault asked for.
stop_daemon() {
  [ -n "${E2E_DAEMON_PID:-}" ] || return 0
  kill -TERM "$E2E_DAEMON_PID" 2>/dev/null || true
  e2e_wait_pid "$E2E_DAEMON_PID" 10 || e2e_fail "xtcpd did not exit within 10 s of SIGTERM"
  E2E_DAEMON_PID=""
  [ "$DAEMON_SPEC" = - ] || [ "$DAEMON_SPEC" = none ] || check_daemon_faults
  # e2e_daemon truncates the log in the background child: a `ready` line
  # left from this daemon could satisfy the next one's wait too early.
  mv "$T/xtcpd.log" "$T/xtcpd.prev.log"
}

# Every fault named with a non-zero fraction happened at least once; every
# corrupted received frame was dropped by the checksum (rx_malformed).
check_daemon_faults() {
  _line=$(grep 'queue0 faults:' "$T/xtcpd.log") || e2e_fail "xtcpd printed no fault counters"
  e2e_log "xtcpd ($DAEMON_SPEC): ${_line#*faults: }"
  for _item in $(echo "$DAEMON_SPEC" | tr ',' ' '); do
    _k=${_item%%=*}; _v=${_item#*=}
    case "$_k" in seed|reorder-depth|delay-ms) continue ;; esac
    [ "$_v" = 0 ] && continue
    _name=$(echo "$_k" | sed 's/-drop/_dropped/; s/-dup/_duplicated/; s/-reorder/_reordered/;
      s/-corrupt/_corrupted/; s/-delay/_delayed/')
    _n=$(echo "$_line" | tr ' ' '\n' | sed -n "s/^$_name=//p")
    [ "${_n:-0}" -gt 0 ] || e2e_fail "--fault $_k=$_v injected nothing ($_line)"
  done
  _corrupted=$(echo "$_line" | tr ' ' '\n' | sed -n 's/^rx_corrupted=//p')
  # A duplicate of a corrupted frame is corrupted too: at least, not equal.
  [ "${LAST_MALFORMED:-0}" -ge "${_corrupted:-0}" ] ||
    e2e_fail "rx_corrupted=$_corrupted but queue0.rx_malformed=$LAST_MALFORMED: a corrupted frame passed the checksum"
}

start_daemon() {  # SPEC or -
  [ "$1" = "$DAEMON_SPEC" ] && return 0
  stop_daemon
  DAEMON_SPEC=$1
  # shellcheck disable=SC2086  # FAULTS_XTCPD_ARGS is a list of flags
  if [ "$1" = - ]; then e2e_daemon ${FAULTS_XTCPD_ARGS:-}
  else e2e_daemon --fault "$1" ${FAULTS_XTCPD_ARGS:-}; fi
}

# app.listeners counts a LISTEN as soon as xtcpd gets it; the shard puts
# the port into the XDP program's map a little later (queue0.listeners).
# A SYN in between reaches the dut's kernel and is refused.
wait_steered() {  # PORT PID
  e2e_wait_listen "$1" 1 "$2"
  _i=0
  until [ "$(e2e_stat queue0.listeners)" -ge 1 ] 2>/dev/null; do
    [ $_i -lt 50 ] || e2e_fail "port $1: queue0.listeners stays 0 after the LISTEN"
    sleep 0.1; _i=$((_i + 1))
  done
}

# peer -> dut: kernel socat sends, xtcp-cat -l receives.
transfer_in() {  # ADDR PORT
  e2e_cat -l "$1" "$2" < /dev/null > "$T/out" 2> "$T/cat.log" &
  _cat=$!; E2E_PIDS="$E2E_PIDS $_cat"
  wait_steered "$2" "$_cat"
  T0=$(e2e_now)
  e2e_bg peer timeout "$CELL_TIMEOUT" ip netns exec "$PEER" socat -u "OPEN:$T/in" "TCP:$(e2e_bracket "$1"):$2"
  e2e_expect_ok "peer socat -> $1 $2" "$LAST_PID" "$CELL_TIMEOUT"
  e2e_expect_ok "xtcp-cat -l $2" "$_cat" 20
  T1=$(e2e_now)
}

# dut -> peer: xtcp-cat -l sends, kernel socat receives.
transfer_out() {  # ADDR PORT
  e2e_cat -l "$1" "$2" < "$T/in" > "$T/cat.out" 2> "$T/cat.log" &
  _cat=$!; E2E_PIDS="$E2E_PIDS $_cat"
  wait_steered "$2" "$_cat"
  T0=$(e2e_now)
  e2e_bg peer timeout "$CELL_TIMEOUT" ip netns exec "$PEER" socat -u "TCP:$(e2e_bracket "$1"):$2" "CREATE:$T/out"
  e2e_expect_ok "peer socat <- $1 $2" "$LAST_PID" "$CELL_TIMEOUT"
  e2e_expect_ok "xtcp-cat -l $2" "$_cat" 20
  T1=$(e2e_now)
  [ -s "$T/cat.out" ] && e2e_fail "xtcp-cat got $(stat -c %s "$T/cat.out") bytes the peer never sent"
  return 0
}

# Reference cells on the dut's kernel TCP (a port xtcpd does not steer):
# a socat in the dut listens, one in the peer connects; the addresses say
# which way the file goes.
transfer_kernel() {  # PORT DUT_FROM DUT_TO PEER_FROM PEER_TO WHAT
  e2e_bg kdut timeout "$CELL_TIMEOUT" ip netns exec "$DUT" socat -u "$2" "$3"
  _k=$LAST_PID _i=0
  until ip netns exec "$DUT" ss -Hltn "sport = :$1" | grep -q LISTEN; do
    [ $_i -lt 50 ] || e2e_fail "the dut's kernel socat does not listen on $1"
    sleep 0.1; _i=$((_i + 1))
  done
  T0=$(e2e_now)
  e2e_bg peer timeout "$CELL_TIMEOUT" ip netns exec "$PEER" socat -u "$4" "$5"
  e2e_expect_ok "peer socat $6" "$LAST_PID" "$CELL_TIMEOUT"
  e2e_expect_ok "dut kernel socat" "$_k" 20
  T1=$(e2e_now)
}

# The dut's kernel sends (the reference for out).
transfer_kout() {  # ADDR PORT
  transfer_kernel "$2" "OPEN:$T/in" "TCP-LISTEN:$2,reuseaddr" "TCP:$1:$2" "CREATE:$T/out" "<- kernel $1 $2"
}

# The peer sends to the dut's kernel (the reference for in).
transfer_kin() {  # ADDR PORT
  transfer_kernel "$2" "TCP-LISTEN:$2,reuseaddr" "CREATE:$T/out" "OPEN:$T/in" "TCP:$1:$2" "-> kernel $1 $2"
}

# Background: one timestamped `xtcpctl conns --json` line every 0.2 s.
sample_conns() {
  _i=0
  while [ $_i -lt $((CELL_TIMEOUT * 5)) ]; do
    echo "$(e2e_now) $(e2e_ctl conns --json 2>/dev/null | tr -d '\n')" >> "$T/conns.samples"
    sleep 0.2; _i=$((_i + 1))
  done
}

# The change of one fault_stats counter (or of the sum of drop_*).
tc_delta() {  # BEFORE AFTER NAME
  for _s in "$1" "$2"; do
    echo "$_s" | tr ' ' '\n' | awk -F= -v n="$3" \
      '(n == "drop" && $1 ~ /^drop_/) || $1 == n { s += $2 } END { print s + 0 }'
  done | { read -r _a; read -r _b; echo $((_b - _a)); }
}

# The sending side's loss-recovery counters, "retrans=N timeouts=N
# probes=N": the dut's kernel (nstat, its namespace) for kout, the peer's
# kernel for in and kin (it is the sender there), xtcpd's totals over ended
# connections (queue0.ended_*) for out.
recovery_counters() {  # DIR
  _ns=""
  case "$1" in kout) _ns=$DUT ;; in|in6|kin) _ns=$PEER ;; esac
  if [ -n "$_ns" ]; then
    ip netns exec "$_ns" nstat -asz TcpRetransSegs TcpExtTCPTimeouts TcpExtTCPLossProbes |
      awk '$1 == "TcpRetransSegs" { r = $2 } $1 == "TcpExtTCPTimeouts" { t = $2 }
           $1 == "TcpExtTCPLossProbes" { p = $2 } END { printf "retrans=%d timeouts=%d probes=%d", r, t, p }'
  else
    e2e_ctl stats | awk '$1 == "queue0.ended_retrans_segs" { r = $2 } $1 == "queue0.ended_timeouts" { t = $2 }
      $1 == "queue0.ended_loss_probes" { p = $2 } END { printf "retrans=%d timeouts=%d probes=%d", r, t, p }'
  fi
}

recovery_delta() {  # BEFORE AFTER (recovery_counters lines)
  printf '%s\n%s\n' "$1" "$2" | awk '{ for (i = 1; i <= NF; i++) { split($i, p, "="); k[i] = p[1]
      if (NR == 1) a[i] = p[2]; else b[i] = p[2] } n = NF }
    END { for (i = 1; i <= n; i++) printf "%s%s=%d", (i > 1 ? " " : ""), k[i], b[i] - a[i] }'
}

run_cell() {  # NAME DIR MB TC XTCPD
  CELLS_RUN=$((CELLS_RUN + 1))
  start_daemon "$5"
  case "$2" in
    in|kin) _hook=egress _addr=$DUT4 ;; in6) _hook=egress _addr=$DUT6 ;;
    out|kout) _hook=ingress _addr=$DUT4 ;; out6) _hook=ingress _addr=$DUT6 ;;
    *) e2e_fail "cell $1: direction '$2' (in, out, in6, out6, kout or kin)" ;;
  esac
  _ack_hook=egress
  [ "$_hook" = egress ] && _ack_hook=ingress
  fault_set egress 0 0 0 0
  fault_set ingress 0 0 0 0
  _tc="-" _ack_drop=0
  if [ "$4" != - ]; then
    _tc=$4
    # shellcheck disable=SC2046  # DROP:BURST:EVERY:DUP[:ACK_DROP] as words
    set -- "$@" $(echo "$4" | tr ':' ' ')
    [ $# = 9 ] || [ $# = 10 ] || e2e_fail "cell $1: TC '$4' (DROP_PPM:BURST:EVERY:DUP_PPM[:ACK_DROP_PPM])"
    fault_set "$_hook" "$6" "$7" "$8" "$9"
    [ $# = 10 ] && { _ack_drop=${10}; fault_set "$_ack_hook" "$_ack_drop" 1 0 0; }
  fi
  _before=$(fault_stats "$_hook")
  _ack_before=$(fault_stats "$_ack_hook")
  _rec_before=$(recovery_counters "$2")
  e2e_random_file "$T/in" "$3"
  rm -f "$T/out"
  PORT=$((PORT + 1))
  if [ "${FAULTS_SAMPLE:-}" = 1 ]; then
    rm -f "$T/conns.samples"
    sample_conns & _sampler=$!; E2E_PIDS="$E2E_PIDS $_sampler"
  fi
  if [ -n "${FAULTS_PCAP:-}" ]; then
    command -v tcpdump >/dev/null || e2e_fail "FAULTS_PCAP needs tcpdump"
    timeout "$CELL_TIMEOUT" ip netns exec "$PEER" tcpdump -q -i "$PIF" -s 100 \
      -w "$FAULTS_PCAP/$1.pcap" tcp 2>/dev/null & _pcap=$!; E2E_PIDS="$E2E_PIDS $_pcap"
    sleep 0.5  # tcpdump attaches before the first segment
  fi
  "transfer_${2%6}" "$_addr" "$PORT"
  [ -n "${FAULTS_PCAP:-}" ] && { sleep 0.2; kill -TERM "$_pcap" 2>/dev/null || true; }
  if [ "${FAULTS_SAMPLE:-}" = 1 ]; then
    kill "$_sampler" 2>/dev/null || true
    e2e_log "cell $1: conns samples:"; cat "$T/conns.samples" 2>/dev/null || true
  fi
  fault_set "$_hook" 0 0 0 0
  fault_set "$_ack_hook" 0 0 0 0
  e2e_same "cell $1" "$T/in" "$T/out"
  e2e_daemon_alive
  _after=$(fault_stats "$_hook")
  _tcp=$(tc_delta "$_before" "$_after" tcp)
  _drop=$(tc_delta "$_before" "$_after" drop)
  _dup=$(tc_delta "$_before" "$_after" dup)
  _tcstats="tc peer $_hook: $_drop dropped, $_dup duplicated of $_tcp TCP frames"
  if [ "$4" != - ] && [ $((_drop + _dup)) = 0 ]; then
    e2e_fail "cell $1: the tc injector ($4 on peer $_hook) faulted nothing"
  fi
  _ack_after=$(fault_stats "$_ack_hook")
  _ack_tcp=$(tc_delta "$_ack_before" "$_ack_after" tcp)
  _ack_dropped=$(tc_delta "$_ack_before" "$_ack_after" drop)
  if [ "$_ack_drop" != 0 ]; then
    [ "$_ack_dropped" -gt 0 ] || e2e_fail "cell $1: the tc injector dropped no frame on peer $_ack_hook"
    _tcstats="$_tcstats; peer $_ack_hook: $_ack_dropped dropped of $_ack_tcp"
  fi
  e2e_check_no_leak 1 15
  # After the leak check: every connection has ended, so its counts are in.
  _rec=$(recovery_delta "$_rec_before" "$(recovery_counters "$2")")
  _tcstats="$_tcstats; sender: $_rec"
  LAST_MALFORMED=$(e2e_stat queue0.rx_malformed)
  _rate=$(e2e_rate "$1" "$(stat -c %s "$T/out")" "$T0" "$T1")
  e2e_log "cell $1 dir=$2 mb=$3 tc[$_hook]=$_tc xtcpd=$5: OK, $_rate; $_tcstats"
  CELLS_OK=$((CELLS_OK + 1))
  if [ -n "${FAULTS_JSON:-}" ]; then
    awk -v n="$1" -v d="$2" -v mb="$3" -v tc="$_tc" -v x="$5" -v b="$(stat -c %s "$T/out")" \
      -v s="$T0" -v e="$T1" -v tcp="$_tcp" -v dr="$_drop" -v du="$_dup" -v atcp="$_ack_tcp" \
      -v adr="$_ack_dropped" -v rec="$_rec" 'BEGIN {
        t = e - s; if (t <= 0) t = 1e-6
        printf "{\"cell\":\"%s\",\"dir\":\"%s\",\"mb\":%d,\"tc\":\"%s\",\"xtcpd_fault\":\"%s\",", n, d, mb, tc, x
        printf "\"bytes\":%d,\"seconds\":%.3f,\"goodput_mbit\":%.1f,\"sha256_equal\":true,", b, t, b * 8 / t / 1e6
        printf "\"tc_tcp_frames\":%d,\"tc_dropped\":%d,\"tc_duplicated\":%d,", tcp, dr, du
        printf "\"tc_other_dir_frames\":%d,\"tc_other_dir_dropped\":%d,\"sender\":{", atcp, adr
        k = split(rec, kv, " ")
        for (i = 1; i <= k; i++) { split(kv[i], p, "="); printf "%s\"%s\":%d", (i > 1 ? "," : ""), p[1], p[2] }
        printf "}}\n"
      }' >> "$FAULTS_JSON"
  fi
}

for cell in $CELLS; do
  # shellcheck disable=SC2046  # NAME/DIR/MB/TC/XTCPD as five words
  set -- $(echo "$cell" | tr '/' ' ')
  [ $# = 5 ] || e2e_fail "bad cell '$cell' (NAME/DIR/MB/TC/XTCPD)"
  run_cell "$@"
done
stop_daemon
e2e_log "$CELLS_OK of $CELLS_RUN cells: bytes intact at both ends"
fault_detach "$PEER" "$PIF"
# e2e_pass checks the daemon: start a plain one for it to find alive.
DAEMON_SPEC=none
start_daemon -
e2e_check_no_leak 1 5
e2e_pass
