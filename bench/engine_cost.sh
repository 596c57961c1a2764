#!/usr/bin/env bash
# Instructions the TCP engine spends per segment received, per segment sent
# and per connection set-up (issue 3, "Measure"): runs build/engine_cost
# under callgrind, which collects only inside the measured engine calls.
# Also tries `perf stat -e instructions:u` (many VMs do not expose it).
#
#   bench/engine_cost.sh [BUILD_DIR] [N] [M]   defaults: build 5000 100
set -euo pipefail

build=${1:-build}
n=${2:-5000}
m=${3:-100}
bin="$build/engine_cost"
if [[ ! -x "$bin" ]]; then
  echo "engine_cost: $bin not found; build it with: cmake --build $build --target engine_cost" >&2
  exit 1
fi
if ! command -v valgrind >/dev/null; then
  echo "engine_cost: valgrind is not installed (apt-get install valgrind)" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Total instructions collected ("summary:" line of the callgrind output).
collected() {
  local phase=$1 count=$2 out="$tmp/cg.$1"
  valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$out" \
    "$bin" "$phase" "$count" >"$tmp/$phase.stdout" 2>"$tmp/$phase.stderr" || {
    cat "$tmp/$phase.stderr" >&2
    exit 1
  }
  awk '/^summary:/ {print $2}' "$out"
}

per() { awk -v t="$1" -v n="$2" 'BEGIN { printf "%.0f", t / n }'; }
count_of() { sed -n "s/.*$2=\([0-9]*\).*/\1/p" "$tmp/$1.stdout"; }

rx_total=$(collected rx "$n")
tx_total=$(collected tx "$n")
setup_total=$(collected setup "$m")
rx_segs=$(count_of rx segments)
rx_acks=$(count_of rx acks)
tx_segs=$(count_of tx segments)

echo "engine cost (callgrind, instructions; $(uname -m), $(basename "$bin") from $build)"
printf '  %-44s %10s\n' "per segment received (in-order, 1460 B)" "$(per "$rx_total" "$rx_segs")"
printf '  %-44s %10s\n' "  of which ACKs generated" "$rx_acks ACKs for $rx_segs segments"
printf '  %-44s %10s\n' "per segment sent (send + emit + ACK input)" "$(per "$tx_total" "$tx_segs")"
printf '  %-44s %10s\n' "per connection set-up (both ends)" "$(per "$setup_total" "$m")"
# Buffer zeroing (std::vector of the rx/tx rings) shows up as memset.
if command -v callgrind_annotate >/dev/null; then
  setup_memset=$(callgrind_annotate "$tmp/cg.setup" 2>/dev/null |
    awk '/memset/ {gsub(",", "", $1); s += $1} END {print s + 0}')
  printf '  %-44s %10s\n' "  of which memset (ring buffers zeroed)" "$(per "$setup_memset" "$m")"
  printf '  %-44s %10s\n' "  set-up without memset" "$(per "$((setup_total - setup_memset))" "$m")"
fi

if perf stat -x, -e instructions:u true 2>&1 | grep -q 'not supported\|<not counted>'; then
  echo "perf stat: instructions counter not supported on this machine"
else
  for phase in rx tx; do
    perf stat -x, -e instructions:u -o "$tmp/perf.$phase" "$bin" "$phase" "$n" >/dev/null
    echo "perf stat $phase (whole process, both ends, $n segments): $(grep instructions "$tmp/perf.$phase" | cut -d, -f1) instructions"
  done
fi
