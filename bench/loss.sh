#!/bin/sh
# Issue 13's targets: xtcp sending under random loss in BOTH directions
# (data and ACKs), side by side with the dut's kernel sending over the same
# link and the same loss (tests/faults/matrix.sh cells "out" and "kout":
# the tc BPF injector on the peer's veth, one segment per frame on both
# ends); and xtcp receiving from the peer's kernel against the dut's kernel
# receiving ("in" and "kin": the sender is Linux in both, so the figure is
# what the receiver's ACKs do for it). Runs alternate the stacks (odd runs
# kernel first), every transfer is checked by sha256 at both ends, and the
# report gives the median goodput per direction, stack and loss, the ratio
# xtcp/kernel, and the sender's retransmissions, RTOs (timeouts) and tail
# loss probes per MB.
#
# Usage: bench/loss.sh [BUILD_DIR] [--runs N] [--mb MB] [--losses "1 3 5"]
#                      [--dirs "send receive"]
# Writes bench/results/loss-<UTC>.json. Bounded: each transfer by
# FAULTS_CELL_TIMEOUT (default 120 s), the whole run by 3600 s.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
B=$REPO/build
case "${1:-}" in --*|"") ;; *) B=$1; shift ;; esac
RUNS=5 MB=16 LOSSES="1 3 5" DIRS="send receive"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --mb) MB=$2; shift 2 ;;
    --losses) LOSSES=$2; shift 2 ;;
    --dirs) DIRS=$2; shift 2 ;;
    *) echo "loss.sh: unknown argument '$1' (--runs N, --mb MB, --losses LIST, --dirs LIST)" >&2; exit 2 ;;
  esac
done

cells() {
  run=1
  while [ $run -le "$RUNS" ]; do
    for dir in $DIRS; do
      case $dir in
        send) kdir=kout xdir=out ;; receive) kdir=kin xdir=in ;;
        *) echo "loss.sh: --dirs takes send and/or receive, not '$dir'" >&2; exit 2 ;;
      esac
      for pct in $LOSSES; do
        ppm=$(awk -v p="$pct" 'BEGIN { printf "%d", p * 10000 }')
        k="kernel-loss$pct-$dir-r$run/$kdir/$MB/$ppm:1:0:0:$ppm/-"
        x="xtcp-loss$pct-$dir-r$run/$xdir/$MB/$ppm:1:0:0:$ppm/-"
        if [ $((run % 2)) = 1 ]; then echo "$k"; echo "$x"; else echo "$x"; echo "$k"; fi
      done
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
    "$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)" "$RUNS" "$MB" "$LOSSES" \
    "$DIRS" <<'EOF'
import json, statistics, sys
lines, out, rc, kernel, nproc, load, commit, runs, mb, losses, dirs = sys.argv[1:12]
cells = [json.loads(l) for l in open(lines) if l.strip()]
rows = {}
for c in cells:
    stack, loss, direction = c["cell"].split("-")[:3]
    rows.setdefault((direction, loss[len("loss"):], stack), []).append(c)
def med(xs):
    return statistics.median(xs) if xs else float("nan")
summary = []
print("loss both ways %s MB, %s runs alternating, median (min-max); per MB sent by the sender" % (mb, runs))
print("(send: the dut's stack sends to the peer's kernel; receive: the peer's kernel sends to it)")
print("%-8s %-6s %-7s %-22s %9s %9s %9s" % ("dir", "loss", "stack", "goodput Mbit/s", "rtx/MB", "RTO/MB",
                                          "TLP/MB"))
for direction, loss in sorted({k[:2] for k in rows}, key=lambda k: (k[0] != "send", float(k[1]))):
    res = {}
    for stack in ("kernel", "xtcp"):
        cs = rows.get((direction, loss, stack), [])
        g = [c["goodput_mbit"] for c in cs]
        per_mb = lambda key: med([c["sender"][key] / (c["bytes"] / 1e6) for c in cs])
        res[stack] = {"goodput_mbit_median": med(g), "goodput_mbit_min": min(g, default=0),
                      "goodput_mbit_max": max(g, default=0), "runs": len(cs),
                      "retrans_per_mb": per_mb("retrans"), "timeouts_per_mb": per_mb("timeouts"),
                      "probes_per_mb": per_mb("probes")}
        r = res[stack]
        print("%-8s %-6s %-7s %7.1f (%.1f-%.1f)%s %9.2f %9.3f %9.3f" % (
            direction, loss + " %", stack, r["goodput_mbit_median"], r["goodput_mbit_min"], r["goodput_mbit_max"],
            " " * 3, r["retrans_per_mb"], r["timeouts_per_mb"], r["probes_per_mb"]))
    k = res["kernel"]["goodput_mbit_median"]
    ratio = res["xtcp"]["goodput_mbit_median"] / k if k else float("nan")
    summary.append({"direction": direction, "loss_pct": float(loss), "kernel": res["kernel"],
                    "xtcp": res["xtcp"], "ratio_xtcp_kernel": ratio})
print()
print("targets (issue 13): goodput >= 1.0x kernel at each loss (both ways), xtcp sending and receiving")
for s in summary:
    print("  %-7s %g %%: %.2fx %s" % (s["direction"], s["loss_pct"], s["ratio_xtcp_kernel"],
                                     "met" if s["ratio_xtcp_kernel"] >= 1.0 else "MISSED"))
doc = {"benchmark": "loss", "kernel": kernel, "nproc": int(nproc), "loadavg_at_end": load,
       "commit": commit, "command": "bench/loss.sh --runs %s --mb %s --losses '%s' --dirs '%s'" % (
           runs, mb, losses, dirs),
       "passed": rc == "0", "summary": summary, "cells": cells}
json.dump(doc, open(out, "w"), indent=1)
print("wrote", out)
EOF
exit $rc
