#!/bin/sh
# Issue 13's targets: xtcp sending under random loss in BOTH directions
# (data and ACKs), side by side with the dut's kernel sending over the same
# link and the same loss (tests/faults/matrix.sh cells "out" and "kout":
# the tc BPF injector on the peer's veth, one segment per frame on both
# ends). Runs alternate the stacks (odd runs kernel first), every transfer
# is checked by sha256 at both ends, and the report gives the median
# goodput per stack and loss, the ratio xtcp/kernel, and each sender's
# retransmissions, RTOs (timeouts) and tail loss probes per MB.
#
# Usage: bench/loss.sh [BUILD_DIR] [--runs N] [--mb MB] [--losses "1 3 5"]
# Writes bench/results/loss-<UTC>.json. Bounded: each transfer by
# FAULTS_CELL_TIMEOUT (default 120 s), the whole run by 3600 s.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
B=$REPO/build
case "${1:-}" in --*|"") ;; *) B=$1; shift ;; esac
RUNS=5 MB=16 LOSSES="1 3 5"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --mb) MB=$2; shift 2 ;;
    --losses) LOSSES=$2; shift 2 ;;
    *) echo "loss.sh: unknown argument '$1' (--runs N, --mb MB, --losses LIST)" >&2; exit 2 ;;
  esac
done

cells() {
  run=1
  while [ $run -le "$RUNS" ]; do
    for pct in $LOSSES; do
      ppm=$(awk -v p="$pct" 'BEGIN { printf "%d", p * 10000 }')
      k="kernel-loss$pct-both-r$run/kout/$MB/$ppm:1:0:0:$ppm/-"
      x="xtcp-loss$pct-both-r$run/out/$MB/$ppm:1:0:0:$ppm/-"
      if [ $((run % 2)) = 1 ]; then echo "$k"; echo "$x"; else echo "$x"; echo "$k"; fi
    done
    run=$((run + 1))
  done
}

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$REPO/bench/results"
OUT="$REPO/bench/results/loss-$STAMP.json"
LINES=$(mktemp /tmp/xtcp-loss.XXXXXX)
LOG=$(mktemp /tmp/xtcp-loss-log.XXXXXX)
trap 'rm -f "$LINES" "$LOG"' EXIT

rc=0
# shellcheck disable=SC2046  # one argument per cell
FAULTS_JSON=$LINES FAULTS_NET=63 FAULTS_CELL_TIMEOUT=${FAULTS_CELL_TIMEOUT:-120} \
  timeout 3600 "$REPO/tests/faults/matrix.sh" "$B" $(cells) 2>&1 | tee "$LOG" || rc=$?
grep -q '^\[[0-9]*s\] PASS ' "$LOG" || rc=1

python3 - "$LINES" "$OUT" "$rc" "$(uname -r)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" \
    "$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)" "$RUNS" "$MB" <<'EOF'
import json, statistics, sys
lines, out, rc, kernel, nproc, load, commit, runs, mb = sys.argv[1:10]
cells = [json.loads(l) for l in open(lines) if l.strip()]
rows = {}
for c in cells:
    stack, loss = c["cell"].split("-")[0], c["cell"].split("-")[1][len("loss"):]
    rows.setdefault((loss, stack), []).append(c)
def med(xs):
    return statistics.median(xs) if xs else float("nan")
summary = []
print("loss both ways %s MB, %s runs alternating, median (min-max); per MB sent by the sender" % (mb, runs))
print("%-6s %-7s %-22s %9s %9s %9s" % ("loss", "stack", "goodput Mbit/s", "rtx/MB", "RTO/MB", "TLP/MB"))
for loss in sorted({k[0] for k in rows}, key=float):
    res = {}
    for stack in ("kernel", "xtcp"):
        cs = rows.get((loss, stack), [])
        g = [c["goodput_mbit"] for c in cs]
        per_mb = lambda key: med([c["sender"][key] / (c["bytes"] / 1e6) for c in cs])
        res[stack] = {"goodput_mbit_median": med(g), "goodput_mbit_min": min(g, default=0),
                      "goodput_mbit_max": max(g, default=0), "runs": len(cs),
                      "retrans_per_mb": per_mb("retrans"), "timeouts_per_mb": per_mb("timeouts"),
                      "probes_per_mb": per_mb("probes")}
        r = res[stack]
        print("%-6s %-7s %7.1f (%.1f-%.1f)%s %9.2f %9.3f %9.3f" % (
            loss + " %", stack, r["goodput_mbit_median"], r["goodput_mbit_min"], r["goodput_mbit_max"],
            " " * 3, r["retrans_per_mb"], r["timeouts_per_mb"], r["probes_per_mb"]))
    k = res["kernel"]["goodput_mbit_median"]
    ratio = res["xtcp"]["goodput_mbit_median"] / k if k else float("nan")
    summary.append({"loss_pct": float(loss), "kernel": res["kernel"], "xtcp": res["xtcp"],
                    "ratio_xtcp_kernel": ratio})
print()
print("target (issue 13): xtcp sending, goodput >= 1.0x kernel at each loss, both ways")
for s in summary:
    print("  %g %%: %.2fx %s" % (s["loss_pct"], s["ratio_xtcp_kernel"],
                                "met" if s["ratio_xtcp_kernel"] >= 1.0 else "MISSED"))
doc = {"benchmark": "loss", "kernel": kernel, "nproc": int(nproc), "loadavg_at_end": load,
       "commit": commit, "command": "bench/loss.sh --runs %s --mb %s" % (runs, mb),
       "passed": rc == "0", "summary": summary, "cells": cells}
json.dump(doc, open(out, "w"), indent=1)
print("wrote", out)
EOF
exit $rc
