#!/usr/bin/env bash
# The raw limit of the AF_XDP path on the default veth topology, with no TCP
# on top: what any xtcp throughput number has to be read against.
#
#   rx: xtcpd in the dut steers PORT into AF_XDP; xsk-blast in the peer sends
#       to PORT; the rate is the growth of xtcpd's rx_frames over the blast.
#   tx: xsk-blast in the dut (no xtcpd) sends to the peer; its own count.
#
# Each case runs --runs times; the table gives median, min and max. Results
# (machine, commit, every run) also go to bench/results/raw-afxdp-<date>.json.
set -euo pipefail

usage() {
  cat >&2 <<'EOF'
usage: bench/raw_afxdp.sh [--runs N] [--seconds S] [--sizes "64 1514"]
                          [--prefix P] [--port PORT] [--out FILE]
  --runs N      runs per case (default 5)
  --seconds S   blast length per run (default 3)
  --sizes LIST  frame sizes in bytes (default "64 1514")
  --prefix P    topology prefix (default xtbr; see vm-scripts/netns.sh)
  --port PORT   steered destination port (default 7000)
  --out FILE    JSON result file (default bench/results/raw-afxdp-<date>.json)
Environment: XTCP_BUILD (build dir with xtcpd, xtcpctl, xsk-blast; default build/)
EOF
  exit 2
}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${XTCP_BUILD:-$repo/build}
runs=5
seconds=3
sizes="64 1514"
prefix=xtbr
port=7000
out=""
while (( $# > 0 )); do
  case "$1" in
    --runs) runs=${2:?}; shift 2 ;;
    --seconds) seconds=${2:?}; shift 2 ;;
    --sizes) sizes=${2:?}; shift 2 ;;
    --prefix) prefix=${2:?}; shift 2 ;;
    --port) port=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    *) echo "raw_afxdp.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "raw_afxdp.sh: --runs must be a positive integer" >&2; exit 2; }
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || { echo "raw_afxdp.sh: --seconds must be a positive integer" >&2; exit 2; }
(( EUID == 0 )) || { echo "raw_afxdp.sh: must run as root (namespaces, XDP)" >&2; exit 1; }
for bin in xtcpd xtcpctl xsk-blast; do
  [[ -x "$build/$bin" ]] || { echo "raw_afxdp.sh: $build/$bin missing; build first (cmake --build build)" >&2; exit 1; }
done

PY=/usr/bin/python3
peer=$prefix-peer dut=$prefix-dut pif=$prefix-p dif=$prefix-d
tmp=$(mktemp -d "/tmp/xtcp-bench-$prefix.XXXXXX")
daemon_pid=""
[[ -n "$out" ]] || out=$repo/bench/results/raw-afxdp-$(date +%Y%m%d-%H%M%S).json
mkdir -p "$(dirname "$out")"
samples=$tmp/samples.jsonl   # one JSON object per run

cleanup() {
  local rc=$?
  trap - EXIT
  stop_daemon
  "$repo/vm-scripts/netns.sh" down "$prefix" >/dev/null 2>&1 || true
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stop_daemon() {
  [[ -n "$daemon_pid" ]] || return 0
  kill -TERM "$daemon_pid" 2>/dev/null || true
  local i
  for (( i = 0; i < 50; i++ )); do
    kill -0 "$daemon_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$daemon_pid" 2>/dev/null || true
  wait "$daemon_pid" 2>/dev/null || true
  daemon_pid=""
}

start_daemon() {
  : >"$tmp/xtcpd.out"
  ip netns exec "$dut" "$build/xtcpd" --iface "$dif" --socket "$tmp/xtcpd.sock" \
    --steer-port "$port" >"$tmp/xtcpd.out" 2>"$tmp/xtcpd.err" </dev/null &
  daemon_pid=$!
  local i
  for (( i = 0; i < 150; i++ )); do   # at most 15 s
    grep -q '^ready' "$tmp/xtcpd.out" && return 0
    kill -0 "$daemon_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "raw_afxdp.sh: xtcpd did not get ready: $(cat "$tmp/xtcpd.err")" >&2
  exit 1
}

stats() { timeout 5 "$build/xtcpctl" --socket "$tmp/xtcpd.sock" stats --json; }
mac_of() { ip -n "$1" -j link show dev "$2" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])'; }

# blast NS IF SRC_MAC DST_MAC SRC_IP DST_IP SIZE: xsk-blast's JSON on stdout.
blast() {
  ip netns exec "$1" timeout $(( seconds + 30 )) "$build/xsk-blast" --iface "$2" \
    --size "$7" --seconds "$seconds" --src-mac "$3" --dst-mac "$4" \
    --src-ip "$5" --dst-ip "$6" --dst-port "$port" --json
}

# record CASE SIZE RUN BLAST_JSON [BEFORE_STATS AFTER_STATS]: append one sample.
record() {
  "$PY" - "$@" >>"$samples" <<'PYEOF'
import json, sys
case, size, run, blast = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4])
sample = {"case": case, "size": size, "run": run, "sent_frames": blast["frames"],
          "seconds": blast["seconds"], "mode": blast.get("mode")}
if case == "tx":
    sample["pps"] = blast["pps"]
else:
    before, after = json.loads(sys.argv[5]), json.loads(sys.argv[6])
    def total(stats, key):
        return sum(q[key] for q in stats["queues"])
    delta = {k: total(after, k) - total(before, k) for k in
             ("rx_frames", "xsk_rx_dropped", "xsk_rx_ring_full", "xsk_fill_ring_empty")}
    sample.update(delta)
    sample["pps"] = delta["rx_frames"] / blast["seconds"]
    sample["mode"] = after.get("mode")
sample["gbps"] = sample["pps"] * size * 8 / 1e9
print(json.dumps(sample))
PYEOF
}

echo "raw_afxdp: topology $prefix, $runs runs x ${seconds}s, sizes $sizes, port $port"
"$repo/vm-scripts/netns.sh" up "$prefix" >/dev/null
peer_mac=$(mac_of "$peer" "$pif")
dut_mac=$(mac_of "$dut" "$dif")

# (1) AF_XDP receive in the dut.
start_daemon
for size in $sizes; do
  for (( run = 1; run <= runs; run++ )); do
    before=$(stats)
    result=$(blast "$peer" "$pif" "$peer_mac" "$dut_mac" 10.77.0.1 10.77.0.2 "$size")
    sleep 0.5   # let the daemon drain its ring before reading the counters
    after=$(stats)
    record rx "$size" "$run" "$result" "$before" "$after"
    echo "  rx size $size run $run: $(tail -n1 "$samples")"
  done
done
stop_daemon

# (2) AF_XDP transmit from the dut, no xtcpd.
for size in $sizes; do
  for (( run = 1; run <= runs; run++ )); do
    result=$(blast "$dut" "$dif" "$dut_mac" "$peer_mac" 10.77.0.2 10.77.0.1 "$size")
    record tx "$size" "$run" "$result"
    echo "  tx size $size run $run: $(tail -n1 "$samples")"
  done
done

commit=$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)
git -C "$repo" diff --quiet HEAD 2>/dev/null || commit="$commit (dirty tree)"
cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
"$PY" - "$samples" "$out" "$(nproc)" "$cpu" "$(uname -r)" "$commit" "$runs" "$seconds" <<'PYEOF'
import json, statistics, sys, datetime
samples_path, out_path, nproc, cpu, kernel, commit, runs, seconds = sys.argv[1:9]
samples = [json.loads(line) for line in open(samples_path)]
summary = []
for case in ("rx", "tx"):
    for size in sorted({s["size"] for s in samples if s["case"] == case}):
        rows = [s for s in samples if s["case"] == case and s["size"] == size]
        pps = [s["pps"] for s in rows]
        entry = {"case": case, "size": size, "runs": len(rows),
                 "mpps_median": statistics.median(pps) / 1e6,
                 "mpps_min": min(pps) / 1e6, "mpps_max": max(pps) / 1e6,
                 "gbps_median": statistics.median(pps) * size * 8 / 1e9,
                 "mode": rows[0].get("mode")}
        if case == "rx":
            entry["sent_mpps_median"] = statistics.median(
                s["sent_frames"] / s["seconds"] for s in rows) / 1e6
            entry["xsk_drops_total"] = sum(
                s["xsk_rx_dropped"] + s["xsk_rx_ring_full"] for s in rows)
            entry["fill_ring_empty_total"] = sum(s["xsk_fill_ring_empty"] for s in rows)
        summary.append(entry)
machine = {"nproc": int(nproc), "cpu": cpu, "kernel": kernel}
result = {"benchmark": "raw-afxdp", "date": datetime.datetime.now().isoformat(timespec="seconds"),
          "commit": commit, "machine": machine, "runs": int(runs), "seconds": int(seconds),
          "summary": summary, "samples": samples}
with open(out_path, "w") as f:
    json.dump(result, f, indent=2)
    f.write("\n")
print()
print(f"machine: {nproc} CPUs, {cpu}, kernel {kernel}")
print(f"commit:  {commit}")
print(f"{'case':<4} {'size':>5} {'mode':<8} {'Mpps med':>9} {'min':>7} {'max':>7} {'Gbit/s':>7}  notes")
for e in summary:
    notes = ""
    if e["case"] == "rx":
        notes = (f"sent {e['sent_mpps_median']:.3f} Mpps; xsk drops {e['xsk_drops_total']}, "
                 f"fill-ring empty {e['fill_ring_empty_total']}")
    print(f"{e['case']:<4} {e['size']:>5} {str(e['mode']):<8} {e['mpps_median']:>9.3f} "
          f"{e['mpps_min']:>7.3f} {e['mpps_max']:>7.3f} {e['gbps_median']:>7.2f}  {notes}")
print(f"results: {out_path}")
PYEOF
