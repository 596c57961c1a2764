#!/bin/sh
# Issue 6, the long forms of tests/hostile (not in CI): the storms with
# HOSTILE_SCALE=long (50,000 tiny out-of-order segments, 5,000 forged SACK
# ACKs over 128 MB, a 20 s SYN flood during a 64 MB transfer) and the
# vanishing peers (LAST-ACK and FIN-WAIT-2, about 110 s), plus the CI
# scripts once more. Root; uses the xtho namespace prefix, NET 65..68.
# Usage: bench/hostile.sh [BUILD_DIR]   (default ./build)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
B=${1:-$HERE/../build}
[ -x "$B/xtcpd" ] || { echo "bench/hostile.sh: $B/xtcpd is missing: build first (cmake --build $B)"; exit 2; }
export HOSTILE_SCALE=long
rc=0
for t in live_states ghost_flows storms vanish; do
  echo "==== $t (HOSTILE_SCALE=long)"
  start=$(date +%s)
  if sh "$HERE/../tests/hostile/$t.sh" "$B"; then r=PASS; else r=FAIL; rc=1; fi
  echo "==== $t: $r in $(($(date +%s) - start)) s"
done
exit $rc
