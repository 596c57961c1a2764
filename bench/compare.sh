#!/usr/bin/env bash
# Kernel TCP against xtcp on one veth pair (issue 5). The peer always runs
# kernel TCP; the dut runs kernel servers, or xtcpd with xtcp-perf and the
# unmodified iperf3, sockperf, nginx and redis under xtcp-run. In one run, alternating
# the stacks run by run, it measures bulk goodput (the real iperf3 client),
# RR latency and rate (xtcp-perf, and sockperf's ping-pong), CRR connection rate,
# nginx + ab / wrk and redis-benchmark (bench/compare_lib/apps.sh), RR with many
# connections, dut CPU per GB and per transaction, idle xtcpd CPU, the
# raw AF_XDP limit (bench/raw_afxdp.sh) and, under random loss both ways
# (issue 13), bulk both ways and 16 KB RR. Every figure is a median with min
# and max. Results: bench/results/compare-<UTC time>.json, a table on
# stdout, bench/RESULTS.md and PNG plots. How each figure is taken:
# bench/compare_lib/aggregate.py (METHOD) and README.md (Performance).
# shellcheck disable=SC2153  # PEER, DUT, PIF, DIF: set by netns_pair_up
set -euo pipefail

usage() {
  cat >&2 <<'EOF'
usage: bench/compare.sh [--quick | --smoke] [--runs N] [--seconds S] [--out DIR] [--no-raw]
                        [--loss PCT]
  (default)     full set: 5 runs x 5 s per case, about 20 minutes
  --quick       reduced set: 3 runs x 2 s, 1 stream, no kernel+XDP case, scale 1
                and 1000, about 10 minutes
  --smoke       one 1 s run per workload (CI: checks that each produced a figure)
  --runs N      runs per case (overrides the mode's)
  --seconds S   length of each run (overrides the mode's)
  --out DIR     where the JSON, PNGs (and RESULTS.md) go (default bench/results,
                with RESULTS.md in bench/)
  --no-raw      skip the raw AF_XDP limit
  --loss PCT    the loss rows' random drop, % of the frames each way (default 1;
                0 skips them): bulk both ways and RR 16384 B, offloads off, on
                kernel TCP and xtcp, with the tc BPF injector on the peer's veth
Environment: XTCP_BUILD (build dir with xtcpd, xtcpctl, xtcp-perf, xsk-blast, xtcp-run;
default build/). Needs root (namespaces, XDP).
EOF
  exit 2
}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
lib=$repo/bench/compare_lib
PY=/usr/bin/python3
build=${XTCP_BUILD:-$repo/build}
command_line=$(echo "bench/compare.sh $*" | sed 's/ *$//')
run_date=$(date -u +%Y-%m-%dT%H:%M:%S+00:00)
mode=full runs="" seconds="" out_dir="" do_raw=1 loss_pct=1
while (( $# > 0 )); do
  case "$1" in
    --quick) mode=quick; shift ;;
    --smoke) mode=smoke; shift ;;
    --runs) runs=${2:?}; shift 2 ;;
    --seconds|--duration) seconds=${2:?}; shift 2 ;;
    --out) out_dir=${2:?}; shift 2 ;;
    --no-raw) do_raw=0; shift ;;
    --loss) loss_pct=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    *) echo "compare.sh: unknown argument '$1'" >&2; usage ;;
  esac
done

# What each mode measures. Bulk stacks: kernel (no XDP program), kernel_xdp
# (kernel iperf3 -s while xtcpd owns another port), xtcp.
case "$mode" in
  full)  def_runs=5; def_seconds=5; streams="1 4"; offloads="default off"; xdp_bulk=1
         scale_conns="1 100 1000 10000"; idle_runs=5; idle_seconds=10
         raw_args=(--runs 5 --seconds 3 --sizes "64 1514") ;;
  quick) def_runs=3; def_seconds=2; streams="1"; offloads="off default"; xdp_bulk=0
         scale_conns="1 1000"; idle_runs=1; idle_seconds=3
         raw_args=(--runs 3 --seconds 1 --sizes 1514) ;;
  smoke) def_runs=1; def_seconds=1; streams="1"; offloads="default"; xdp_bulk=1
         # shellcheck disable=SC2034  # read by compare_lib/apps.sh: no 10,000-client row
         apps_many_clients=0
         scale_conns="100"; idle_runs=1; idle_seconds=1
         raw_args=(--runs 1 --seconds 1 --sizes 1514) ;;
esac
runs=${runs:-$def_runs}
seconds=${seconds:-$def_seconds}
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "compare.sh: --runs must be a positive integer" >&2; exit 2; }
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || { echo "compare.sh: --seconds must be a positive integer" >&2; exit 2; }
if ! [[ "$loss_pct" =~ ^[0-9]+(\.[0-9]+)?$ ]] || ! awk -v p="$loss_pct" 'BEGIN { exit !(p < 100) }'; then
  echo "compare.sh: --loss must be a percentage from 0 (no loss rows) to below 100, not '$loss_pct'" >&2; exit 2
fi
loss_pct=$(awk -v p="$loss_pct" 'BEGIN { printf "%g", p }')
loss_ppm=$(awk -v p="$loss_pct" 'BEGIN { printf "%d", p * 10000 + 0.5 }')  # fault_inject's unit
(( loss_ppm > 0 )) || loss_pct=0
(( EUID == 0 )) || { echo "compare.sh: must run as root (network namespaces, XDP)" >&2; exit 1; }
for bin in xtcpd xtcpctl xtcp-perf xsk-blast xtcp-run; do
  [[ -x "$build/$bin" ]] || { echo "compare.sh: $build/$bin is missing; build first (cmake --build build)" >&2; exit 1; }
done
for tool in iperf3 ethtool ss "$PY"; do
  command -v "$tool" >/dev/null || { echo "compare.sh: $tool is missing; run vm-scripts/setup-deps.sh" >&2; exit 1; }
done
fault_obj=$build/bpf/fault_inject.bpf.o
if (( loss_ppm > 0 )); then
  for tool in tc bpftool python3; do
    command -v "$tool" >/dev/null ||
      { echo "compare.sh: $tool is missing (vm-scripts/setup-deps.sh), needed by the loss rows; or pass --loss 0" >&2; exit 1; }
  done
  [[ -f "$fault_obj" ]] ||
    { echo "compare.sh: $fault_obj is missing; build target xtcp_fault_bpf (or pass --loss 0)" >&2; exit 1; }
fi
# The unmodified-program rows (nginx + ab / wrk, redis-benchmark) need all of these.
apps=1
for tool in nginx ab wrk redis-server redis-benchmark redis-cli curl; do
  command -v "$tool" >/dev/null || { echo "compare.sh: $tool is missing (vm-scripts/setup-deps.sh); no nginx/redis rows" >&2; apps=0; }
done

results_md=$repo/bench/RESULTS.md
if [[ -n "$out_dir" ]]; then results_md=$out_dir/RESULTS.md; else out_dir=$repo/bench/results; fi
[[ "$mode" == smoke && "$results_md" == "$repo/bench/RESULTS.md" ]] && results_md=""
mkdir -p "$out_dir"
out_dir=$(cd "$out_dir" && pwd)
stamp=$(date -u +%Y%m%dT%H%M%SZ)
result=$out_dir/compare-$stamp.json

tmp=$(mktemp -d /tmp/xtcp-compare.XXXXXX)
samples=$tmp/samples.jsonl
idle_file=$tmp/idle.jsonl
sock=$tmp/xtcpd.sock
: >"$samples"
: >"$idle_file"
trap 'rm -rf "$tmp"' EXIT
ports_kernel_iperf=5201 ports_xtcp_iperf=5202 ports_kernel_echo=5301 ports_xtcp_echo=5302
# Unmodified programs: iperf3 -s and sockperf sr on kernel TCP, and the
# same binaries under xtcp-run (issue 7).
ports_run_iperf=5203 ports_kernel_sockperf=5401 ports_run_sockperf=5402
k_iperf="" k_echo="" k_sockperf="" xtcpd_pid="" x_iperf="" x_echo="" sampler_pid="" loss_attached=0
r_iperf="" r_sockperf=""
start_time=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)  # other load on the machine skews every figure

log() { echo "[$(( $(date +%s) - start_time ))s] $*"; }
# shellcheck source=compare_lib/apps.sh
. "$lib/apps.sh"
dump_logs() {
  local f
  for f in "$tmp"/*.log; do
    [[ -s "$f" ]] || continue
    echo "---- $(basename "$f") (last 10 lines) ----" >&2
    tail -n 10 "$f" >&2
  done
}
die() { echo "compare.sh: $*" >&2; dump_logs; exit 1; }
e2e_fail() { die "$*"; }  # fault_lib.sh's way to fail
# shellcheck source=../tests/faults/fault_lib.sh
. "$repo/tests/faults/fault_lib.sh"

# ---- processes ---------------------------------------------------------

# Runs CMD in the background, output in $tmp/NAME.log; sets LAST_PID.
# `ip netns exec` execs, so the pid is the program's own.
start_bg() {  # NAME CMD...
  local name=$1; shift
  "$@" >"$tmp/$name.log" 2>&1 </dev/null &
  LAST_PID=$!
}

# True once FILE has a line matching REGEX; false (with a reason on
# stderr) if PID exits first or SECONDS pass.
await_line() {  # FILE REGEX SECONDS PID
  local i
  for (( i = 0; i < $3 * 10; i++ )); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    if ! kill -0 "$4" 2>/dev/null; then
      echo "compare.sh: $(basename "$1" .log) exited before '$2'" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "compare.sh: no '$2' in $(basename "$1") within $3 s" >&2
  return 1
}

wait_line() { await_line "$@" || die "see the logs below"; }

wait_listen() {  # PORT SECONDS PID: a kernel listener in the dut
  local i
  for (( i = 0; i < $2 * 10; i++ )); do
    ip netns exec "$DUT" ss -Hltn "sport = :$1" | grep -q LISTEN && return 0
    kill -0 "$3" 2>/dev/null || die "the server for port $1 exited"
    sleep 0.1
  done
  die "nothing listens on port $1 in the dut within $2 s"
}

stop_pid() {  # PID (empty: nothing)
  [[ -n "$1" ]] || return 0
  kill -TERM "$1" 2>/dev/null || true
  local i
  for (( i = 0; i < 50; i++ )); do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# netns_pair_cleanup (tests/lib/netns_pair.sh) calls this first, also on
# failure or a signal.
netns_pair_extra_cleanup() {
  local p
  for p in $sampler_pid $r_redis $r_nginx $r_sockperf $r_iperf $x_echo $x_iperf $xtcpd_pid $k_redis $k_nginx \
           $k_sockperf $k_echo $k_iperf; do
    stop_pid "$p"
  done
  (( loss_attached )) && fault_detach "$PEER" "$PIF"  # the clsact qdisc and its filters
  for ns in "${PEER:-}" "${DUT:-}"; do
    [[ -n "$ns" ]] || continue
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
  done
  rm -rf "$tmp"
}

kernel_servers_up() {
  start_bg iperf3-kernel ip netns exec "$DUT" iperf3 -s -p "$ports_kernel_iperf"
  k_iperf=$LAST_PID
  wait_listen "$ports_kernel_iperf" 10 "$k_iperf"
  start_bg echo-kernel ip netns exec "$DUT" "$build/xtcp-perf" server --stack kernel --mode rr \
    --port "$ports_kernel_echo"
  k_echo=$LAST_PID
  wait_line "$tmp/echo-kernel.log" "listening on" 10 "$k_echo"
  start_bg sockperf-kernel ip netns exec "$DUT" sockperf sr --tcp -i "$DUT4" -p "$ports_kernel_sockperf"
  k_sockperf=$LAST_PID
  wait_listen "$ports_kernel_sockperf" 10 "$k_sockperf"
  (( apps )) && apps_kernel_up
  return 0
}

# xtcpd in the dut, and xtcp-perf's iperf and echo servers on it. A start
# that fails is retried once (its logs are printed first), so one bad start
# does not throw away a 20-minute run.
xtcpd_up() {  # extra xtcpd arguments
  xtcpd_try "$@" && return 0
  log "xtcpd or its servers failed to start; retrying once. Their logs:"
  dump_logs
  xtcpd_down
  sleep 1
  xtcpd_try "$@" || die "xtcpd or its servers failed to start twice"
}

xtcpd_try() {
  start_bg xtcpd ip netns exec "$DUT" "$build/xtcpd" --iface "$DIF" --socket "$sock" "$@"
  xtcpd_pid=$LAST_PID
  await_line "$tmp/xtcpd.log" "^ready" 15 "$xtcpd_pid" || return 1
  start_bg iperf-xtcp ip netns exec "$DUT" "$build/xtcp-perf" server --stack xtcp --socket "$sock" \
    --port "$ports_xtcp_iperf"
  x_iperf=$LAST_PID
  await_line "$tmp/iperf-xtcp.log" "listening on" 10 "$x_iperf" || return 1
  start_bg echo-xtcp ip netns exec "$DUT" "$build/xtcp-perf" server --stack xtcp --socket "$sock" \
    --mode rr --port "$ports_xtcp_echo"
  x_echo=$LAST_PID
  await_line "$tmp/echo-xtcp.log" "listening on" 10 "$x_echo" || return 1
  # The same iperf3 and sockperf binaries as on the kernel, unmodified,
  # under xtcp-run (xtcp-run prints its "on xtcp" line first).
  start_bg iperf3-run ip netns exec "$DUT" "$build/xtcp-run" --socket "$sock" -- \
    iperf3 -s -p "$ports_run_iperf" --forceflush
  r_iperf=$LAST_PID
  await_line "$tmp/iperf3-run.log" "listening on $ports_run_iperf" 10 "$r_iperf" || return 1
  grep -q "on xtcp via" "$tmp/iperf3-run.log" || { echo "compare.sh: iperf3 is not on xtcp" >&2; return 1; }
  start_bg sockperf-run ip netns exec "$DUT" "$build/xtcp-run" --socket "$sock" -- \
    sockperf sr --tcp -i "$DUT4" -p "$ports_run_sockperf"
  r_sockperf=$LAST_PID
  await_line "$tmp/sockperf-run.log" "to block on socket" 10 "$r_sockperf" || return 1
  (( apps )) && { apps_run_up || return 1; }
  return 0
}

xtcpd_down() {
  apps_run_down
  stop_pid "$r_sockperf"; stop_pid "$r_iperf"; stop_pid "$x_echo"; stop_pid "$x_iperf"; stop_pid "$xtcpd_pid"
  r_sockperf="" r_iperf="" x_echo="" x_iperf="" xtcpd_pid=""
}

# ---- measuring ---------------------------------------------------------

sampler_start() {  # PIDS...: dut CPU every 0.1 s into $tmp/cpu.txt
  : >"$tmp/cpu.txt"
  "$PY" "$lib/cpu_sampler.py" --interval 0.1 --limit $(( seconds + 300 )) "$@" >"$tmp/cpu.txt" &
  sampler_pid=$!
  local i
  for (( i = 0; i < 50; i++ )); do [[ -s "$tmp/cpu.txt" ]] && return 0; sleep 0.02; done
}

sampler_stop() {
  kill -TERM "$sampler_pid" 2>/dev/null || true
  wait "$sampler_pid" 2>/dev/null || true
  sampler_pid=""
}

# Runs the client CMD in the peer while sampling the dut's PIDS, and
# appends one sample (record.py) to $samples.
measure() {  # KIND STACK RUN "k=v ..." "PIDS" LIMIT_S CMD...
  local kind=$1 stack=$2 run=$3 params=$4 pids=$5 limit=$6 rc=0 t0 t1
  shift 6
  # shellcheck disable=SC2086  # pids: a list
  sampler_start $pids
  t0=$(date +%s.%N)
  ip netns exec "$PEER" timeout "$limit" "$@" >"$tmp/tool.out" 2>"$tmp/tool.err" || rc=$?
  t1=$(date +%s.%N)
  sampler_stop
  # shellcheck disable=SC2086  # params: k=v words
  "$PY" "$lib/record.py" "$kind" --stack "$stack" --run "$run" --case "$kind" --tool "$tmp/tool.out" \
    --stderr "$tmp/tool.err" --cpu "$tmp/cpu.txt" --t0 "$t0" --t1 "$t1" --rc "$rc" $params >>"$samples"
  log "$(tail -n 1 "$samples" | "$PY" "$lib/record.py" --describe)"
  sleep 0.3  # let FINs, TIME-WAIT and the daemon's queues settle between runs
}

# Offloads: "default" as the veths came up, "off" without TSO/GSO/GRO on
# BOTH ends (issue 5's "equal settings": xtcp cannot segment through
# AF_XDP, so with the dut's TSO/GSO on the kernel sends 64 KB super-frames
# over the veth while xtcp sends 1500 B frames).
offload_now=default
set_offload() {  # default|off
  [[ "$1" == "$offload_now" ]] && return 0
  local ns dev def want
  for ns in "$PEER" "$DUT"; do
    dev=$PIF def=$peer_def
    [[ "$ns" == "$DUT" ]] && dev=$DIF def=$dut_def
    want=(tso off gso off gro off)
    # shellcheck disable=SC2206  # def: "tso X gso Y gro Z" words
    [[ "$1" == default ]] && want=($def)
    ip netns exec "$ns" ethtool -K "$dev" "${want[@]}" >/dev/null 2>&1 ||
      log "ethtool -K $dev ${want[*]} failed; offloads now: $(offload_state)"
  done
  offload_now=$1
}

offload_flags() {  # NS DEV: "tso X gso Y gro Z" as ethtool -k shows them
  ip netns exec "$1" ethtool -k "$2" | awk -F': ' '
    /^tcp-segmentation-offload:/ { t = $2 } /^generic-segmentation-offload:/ { g = $2 }
    /^generic-receive-offload:/ { r = $2 } END { print "tso", t, "gso", g, "gro", r }' |
    sed 's/ \[[a-z ]*\]//g'
}

offload_state() {  # both ends' offload flags as ethtool -k shows them
  local side ns dev
  for side in peer dut; do
    ns=$PEER dev=$PIF
    [[ $side == dut ]] && ns=$DUT dev=$DIF
    printf '%s: ' "$side"
    ip netns exec "$ns" ethtool -k "$dev" | awk -F': ' '
      /^(tx-checksumming|tcp-segmentation-offload|generic-segmentation-offload|generic-receive-offload|scatter-gather):/ {
        printf "%s%s=%s", sep, $1, $2; sep = ", " }'
    if [[ $side == peer ]]; then printf '; '; fi
  done
}

bulk_case() {  # STACK DIR STREAMS OFFLOAD RUN ["k=v ..." kept with the sample]
  local port=$ports_kernel_iperf pids=$k_iperf reverse=()
  [[ "$1" == xtcp ]] && { port=$ports_xtcp_iperf; pids="$xtcpd_pid $x_iperf"; }
  [[ "$1" == xtcp_run ]] && { port=$ports_run_iperf; pids="$xtcpd_pid $r_iperf"; }
  # kernel+XDP: xtcpd is part of the cost of having it attached.
  [[ "$1" == kernel_xdp ]] && pids="$xtcpd_pid $k_iperf"
  [[ "$2" == out ]] && reverse=(-R)
  set_offload "$4"
  measure bulk "$1" "$5" "dir=$2 streams=$3 offload=$4${6:+ $6}" "$pids" $(( seconds + 20 )) \
    iperf3 -c "$DUT4" -p "$port" -t "$seconds" -P "$3" "${reverse[@]}" -J
}

rr_case() {  # KIND(rr|crr|scale) STACK CONNECTIONS RUN [SIZE (default 64) ["k=v ..."]]
  local port=$ports_kernel_echo pids=$k_echo mode=rr size=${5:-64}
  [[ "$2" == xtcp ]] && { port=$ports_xtcp_echo; pids="$xtcpd_pid $x_echo"; }
  [[ "$1" == crr ]] && mode=crr
  measure "$1" "$2" "$4" "size=$size connections=$3${6:+ $6}" "$pids" $(( seconds + 90 )) \
    "$build/xtcp-perf" client --stack kernel --mode "$mode" --host "$DUT4" --port "$port" \
    --size "$size" --duration "$seconds" --connections "$3" --json
}

# sockperf's own ping-pong: `sockperf pp` in the peer against `sockperf sr`
# in the dut, on kernel TCP or under xtcp-run (full round trips, 64 B).
sockperf_case() {  # STACK RUN
  local port=$ports_kernel_sockperf pids=$k_sockperf
  [[ "$1" == xtcp_run ]] && { port=$ports_run_sockperf; pids="$xtcpd_pid $r_sockperf"; }
  measure sockperf "$1" "$2" "size=64" "$pids" $(( seconds + 20 )) \
    sockperf pp --tcp -i "$DUT4" -p "$port" -t "$seconds" -m 64 --full-rtt
}

bulk_all() {  # STACK RUN
  local dir n off
  for off in $offloads; do
    for dir in in out; do
      for n in $streams; do bulk_case "$1" "$dir" "$n" "$off" "$2"; done
    done
  done
}

idle_measure() {  # RUN: xtcpd's CPU with listeners but no traffic
  sampler_start "$xtcpd_pid"
  sleep "$idle_seconds"
  sampler_stop
  awk -v run="$1" 'NR == 1 { t0 = $1; n0 = $2 } { t1 = $1; n1 = $2 } END {
    s = t1 - t0; if (s <= 0) s = 1e-9
    printf "{\"run\": %d, \"seconds\": %.3f, \"cpu_s\": %.6f, \"pct_of_core\": %.4f}\n",
      run, s, (n1 - n0) / 1e9, (n1 - n0) / 1e9 / s * 100 }' "$tmp/cpu.txt" >>"$idle_file"
  log "idle xtcpd run $1: $(tail -n 1 "$idle_file")"
}

# ---- loss rows (issue 13) -----------------------------------------------

# The tc BPF injector (tests/faults/fault_lib.sh) on the PEER's veth, both
# hooks: egress drops frames toward the dut, ingress frames from it. tc
# sees skbs, and kernel TCP builds GSO skbs whatever ethtool's tso/gso say
# (it segments them in software after tc egress): gso_max_segs 1 on both
# veths makes one skb one segment, so the fraction is a segment loss rate
# for both senders (as tests/faults/matrix.sh). Faults stay off (0 ppm)
# outside the loss rows' clients.
gso_segs_saved=""
gso_max_segs() {  # NS DEV: the link's gso_max_segs
  ip -n "$1" -d link show dev "$2" | sed -n 's/.* gso_max_segs \([0-9]*\).*/\1/p' | head -n 1
}

loss_attach() {
  gso_segs_saved="$(gso_max_segs "$PEER" "$PIF") $(gso_max_segs "$DUT" "$DIF")"
  ip -n "$PEER" link set dev "$PIF" gso_max_segs 1
  ip -n "$DUT" link set dev "$DIF" gso_max_segs 1
  loss_attached=1
  fault_attach "$PEER" "$PIF" egress "$fault_obj"
  fault_attach "$PEER" "$PIF" ingress "$fault_obj"
  loss_prev="0 0 0 0"
  log "loss rows: tc BPF injector on $PIF (peer) egress and ingress, gso_max_segs 1 (was $gso_segs_saved)"
}

loss_detach() {
  (( loss_attached )) || return 0
  fault_set egress 0 0 0 0
  fault_set ingress 0 0 0 0
  fault_detach "$PEER" "$PIF"
  loss_attached=0
  local saved
  read -r -a saved <<<"$gso_segs_saved"
  [[ -n "${saved[0]:-}" ]] && ip -n "$PEER" link set dev "$PIF" gso_max_segs "${saved[0]}"
  [[ -n "${saved[1]:-}" ]] && ip -n "$DUT" link set dev "$DIF" gso_max_segs "${saved[1]}"
  return 0
}

loss_counts() {  # "TCP dropped" frames so far on egress, then on ingress
  local dir
  for dir in egress ingress; do
    fault_stats "$dir" | tr ' ' '\n' |
      awk -F= '$1 == "tcp" { t = $2 } $1 ~ /^drop_/ { d += $2 } END { printf "%d %d ", t, d }'
  done
}

loss_note() {  # logs what the injector did since the last note
  local now
  now=$(loss_counts)
  log "$(echo "$loss_prev $now" | awk '{ printf "  tc on the peer veth: %d of %d TCP frames toward the dut " \
    "dropped, %d of %d from it", $6 - $2, $5 - $1, $8 - $4, $7 - $3 }')"
  loss_prev=$now
}

# Bulk dut->peer (xtcp sends), bulk peer->dut (xtcp receives), and RR of
# 16384 B over one connection (each transaction ends in a tail that can be
# lost), with LOSS_PPM dropped at random each way (burst 1, no every-Nth,
# no duplicates).
loss_cases() {  # STACK RUN
  local dir
  fault_set egress "$loss_ppm" 1 0 0
  fault_set ingress "$loss_ppm" 1 0 0
  for dir in out in; do
    bulk_case "$1" "$dir" 1 off "$2" "loss=$loss_pct"
    loss_note
  done
  rr_case rr "$1" 1 "$2" 16384 "loss=$loss_pct"
  loss_note
  fault_set egress 0 0 0 0
  fault_set ingress 0 0 0 0
}

raw_limit() {
  # raw_afxdp.sh brings up its own topology; clear leftovers of crashed runs.
  local ns pid
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^xtbcr[0-9]*-' || true); do
    pid=${ns#xtbcr}; pid=${pid%%-*}
    kill -0 "$pid" 2>/dev/null || ip netns del "$ns" 2>/dev/null || true
  done
  log "raw AF_XDP limit (bench/raw_afxdp.sh ${raw_args[*]})"
  if ! XTCP_BUILD=$build timeout 300 "$repo/bench/raw_afxdp.sh" --prefix "xtbcr$$" "${raw_args[@]}" \
       --out "$tmp/raw.json" >"$tmp/raw.log" 2>&1; then
    log "raw AF_XDP limit failed (no figure): $(tail -n 3 "$tmp/raw.log")"
    rm -f "$tmp/raw.json"
  fi
}

write_meta() {
  local commit cpu
  commit=$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)
  git -C "$repo" diff --quiet HEAD 2>/dev/null || commit="$commit (dirty tree)"
  cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
  "$PY" - "$tmp/meta.json" "$(nproc)" "$cpu" "$(uname -r)" "$commit" "$command_line" "$mode" \
      "$runs" "$seconds" "$offload_default_state" "$offload_off_state" "$xtcpd_args_scale" \
      "$load_start" "$(cut -d' ' -f1-3 /proc/loadavg)" "$run_date" "$loss_pct" "$loss_ppm" <<'PYEOF'
import json, sys
(path, nproc, cpu, kernel, commit, cmd, mode, runs, seconds, off_def, off_off, scale_args,
 load0, load1, date, loss_pct, loss_ppm) = sys.argv[1:18]
meta = {"benchmark": "compare", "date": date,
        "commit": commit, "command": cmd, "mode": mode, "runs": int(runs), "seconds": int(seconds),
        "machine": {"nproc": int(nproc), "cpu": cpu, "kernel": kernel,
                    "loadavg_start": load0, "loadavg_end": load1},
        "offloads": {"default": off_def, "off": off_off},
        "xtcpd_scale_args": scale_args}
if int(loss_ppm):
    meta["loss"] = {"pct_each_way": float(loss_pct), "drop_ppm": int(loss_ppm), "burst": 1, "every": 0,
                    "dup_ppm": 0, "where": "tc BPF fault_inject on the peer's veth, ingress and egress",
                    "gso_max_segs": 1, "offloads": "off"}
json.dump(meta, open(path, "w"))
PYEOF
}

# ---- the run -----------------------------------------------------------

# shellcheck source=../tests/lib/netns_pair.sh
. "$repo/tests/lib/netns_pair.sh"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
log "compare.sh $mode: $runs runs x ${seconds}s per case, build $build, results $result"
netns_pair_up xtbc 1 1500 95
DUT4=10.95.0.2
# Many short connections from the peer (CRR, scale): a wide port range and
# reuse of TIME-WAIT ports (RFC 7323 timestamps make it safe).
ip netns exec "$PEER" sysctl -qw net.ipv4.ip_local_port_range="1024 65535" net.ipv4.tcp_tw_reuse=1
ip netns exec "$DUT" sysctl -qw net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535
peer_def=$(offload_flags "$PEER" "$PIF")
dut_def=$(offload_flags "$DUT" "$DIF")
offload_default_state=$(offload_state)
set_offload off
offload_off_state=$(offload_state)
set_offload default
log "offloads default: $offload_default_state"
xtcpd_args_scale="--conn-buffer 16384 --max-app-conns 20000"
hz=$(getconf CLK_TCK)
export hz
kernel_servers_up

for (( run = 1; run <= runs; run++ )); do
  log "run $run/$runs: kernel TCP (no XDP program)"
  bulk_all kernel "$run"
  rr_case rr kernel 1 "$run"
  rr_case crr kernel 1 "$run"
  sockperf_case kernel "$run"
  (( apps )) && apps_cases kernel "$run"
  log "run $run/$runs: xtcpd attached: kernel+XDP, xtcp and unmodified programs under xtcp-run"
  xtcpd_up
  for off in $offloads; do
    for dir in in out; do
      for n in $streams; do
        (( xdp_bulk )) && bulk_case kernel_xdp "$dir" "$n" "$off" "$run"
        bulk_case xtcp "$dir" "$n" "$off" "$run"
        bulk_case xtcp_run "$dir" "$n" "$off" "$run"
      done
    done
  done
  rr_case rr xtcp 1 "$run"
  rr_case crr xtcp 1 "$run"
  sockperf_case xtcp_run "$run"
  (( apps )) && apps_cases xtcp_run "$run"
  xtcpd_down
done
set_offload default

for (( run = 1; run <= runs; run++ )); do
  log "run $run/$runs: scale ($scale_conns connections), kernel then xtcp"
  for n in $scale_conns; do rr_case scale kernel "$n" "$run"; done
  # shellcheck disable=SC2086  # a list of arguments
  xtcpd_up $xtcpd_args_scale
  for n in $scale_conns; do rr_case scale xtcp "$n" "$run"; done
  xtcpd_down
done

if (( loss_ppm > 0 )); then
  set_offload off  # equal settings: one frame is one segment for both stacks
  loss_attach
  for (( run = 1; run <= runs; run++ )); do
    log "run $run/$runs: loss $loss_pct % both ways ($loss_ppm ppm), kernel then xtcp"
    loss_cases kernel "$run"
    xtcpd_up
    loss_cases xtcp "$run"
    xtcpd_down
  done
  loss_detach
  set_offload default
fi

xtcpd_up
sleep 1
for (( run = 1; run <= idle_runs; run++ )); do idle_measure "$run"; done
xtcpd_down

(( do_raw )) && raw_limit

write_meta
plots=$out_dir/compare-$stamp
agg=(--samples "$samples" --meta "$tmp/meta.json" --idle "$idle_file" --out "$result" --plots "$plots")
[[ -f "$tmp/raw.json" ]] && agg+=(--raw "$tmp/raw.json")
[[ -n "$results_md" ]] && agg+=(--results-md "$results_md")
echo
"$PY" "$lib/aggregate.py" "${agg[@]}"
[[ -n "$results_md" ]] && echo "table: $results_md"
log "done"
