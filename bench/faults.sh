#!/bin/sh
# Issue 6: the full integrity matrix (tests/faults/matrix.sh runs a short
# subset in CI). Sizes x loss {0.1 %, 1 %, 5 %} x {plain, reordering,
# duplication} x both directions, against kernel TCP in the peer, sha256 at
# both ends, goodput per cell (IPv4; two IPv6 cells at 1 % loss; kernel
# TCP sending from the dut under the same loss as a reference, "kout"). Loss and duplication come from the tc BPF
# injector on the peer's veth, on the data direction's hook. Reordering:
# peer -> dut data is reordered by xtcpd's receive injector (rx-reorder);
# for dut -> peer data xtcpd cannot reorder its own transmissions, so those
# cells reorder the ACKs coming back instead (named ack-reorder).
#
# Usage: bench/faults.sh [BUILD_DIR] [--quick]
#   --quick   one size (4 MB) instead of 4 and 32 MB
# Prints a table and writes bench/results/faults-<UTC>.json. Bounded: each
# transfer by FAULTS_CELL_TIMEOUT (default 120 s), the whole run by 3600 s.
# The first cell that loses or corrupts a byte, stalls, or leaves a leak
# stops the run (its logs are printed) and the JSON says so.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
B=${1:-$REPO/build}
[ $# -gt 0 ] && shift
SIZES="4 32"
[ "${1:-}" = --quick ] && SIZES=4

cells() {
  seed=100
  for dir in in out; do
    for mb in $SIZES; do
      for loss in 1000 10000 50000; do
        pct=$(awk -v p="$loss" 'BEGIN { printf "%g", p / 10000 }')
        seed=$((seed + 1))
        echo "loss$pct-$dir-${mb}M/$dir/$mb/$loss:1:0:0/-"
        echo "loss$pct-dup2-$dir-${mb}M/$dir/$mb/$loss:1:0:20000/-"
        if [ $dir = in ]; then
          echo "loss$pct-reorder5-$dir-${mb}M/$dir/$mb/$loss:1:0:0/rx-reorder=0.05,seed=$seed"
        else
          echo "loss$pct-ack-reorder5-$dir-${mb}M/$dir/$mb/$loss:1:0:0/rx-reorder=0.05,seed=$seed"
        fi
      done
    done
  done
}

# IPv6: 1 % loss each way at the smallest size. Reference: the dut's
# kernel sending over the same link with the same loss (kout).
cells_more() {
  for dir in in6 out6; do echo "loss1-$dir-4M/$dir/4/10000:1:0:0/-"; done
  for mb in $SIZES; do
    for loss in 1000 10000 50000; do
      pct=$(awk -v p="$loss" 'BEGIN { printf "%g", p / 10000 }')
      echo "kernel-loss$pct-kout-${mb}M/kout/$mb/$loss:1:0:0/-"
    done
  done
}

# Cells with the same xtcpd --fault run back to back (one daemon each).
CELLS=$({ cells; cells_more; } | sort -t/ -k5,5 -s | tr '\n' ' ')
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$REPO/bench/results"
OUT="$REPO/bench/results/faults-$STAMP.json"
LINES=$(mktemp /tmp/xtcp-faults.XXXXXX)
LOG=$(mktemp /tmp/xtcp-faults-log.XXXXXX)
trap 'rm -f "$LINES" "$LOG"' EXIT

rc=0
# shellcheck disable=SC2086  # one argument per cell
FAULTS_JSON=$LINES FAULTS_NET=61 FAULTS_CELL_TIMEOUT=${FAULTS_CELL_TIMEOUT:-120} \
  timeout 3600 "$REPO/tests/faults/matrix.sh" "$B" $CELLS 2>&1 | tee "$LOG" || rc=$?
# tee hides the matrix's status: its last line says whether it passed.
grep -q '^\[[0-9]*s\] PASS ' "$LOG" || rc=1

python3 - "$LINES" "$OUT" "$rc" "$(uname -r)" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'EOF'
import json, sys
lines, out, rc, kernel, load = sys.argv[1:6]
cells = [json.loads(l) for l in open(lines) if l.strip()]
doc = {"kernel": kernel, "loadavg_at_end": load, "passed": rc == "0",
       "cells_passed": len(cells), "bytes_verified": sum(c["bytes"] for c in cells),
       "bytes_lost": 0 if rc == "0" else None, "cells": cells}
json.dump(doc, open(out, "w"), indent=1)
print("%-34s %-4s %5s %-16s %-28s %10s" % ("cell", "dir", "MB", "tc (ppm:b:n:dup)", "xtcpd --fault", "Mbit/s"))
for c in cells:
    print("%-34s %-4s %5d %-16s %-28s %10.1f" % (c["cell"], c["dir"], c["mb"], c["tc"],
          c["xtcpd_fault"], c["goodput_mbit"]))
print("%d cells passed, %d bytes verified by sha256 at both ends; %s" % (
    len(cells), doc["bytes_verified"], "all passed" if doc["passed"] else "STOPPED AT A FAILURE (see log above)"))
print("wrote", out)
EOF
exit $rc
