#!/usr/bin/env bash
# Runs every libFuzzer target that has a seed corpus under corpus/<target>/
# for SECONDS each. Usage: run-fuzzers.sh BUILD_DIR SECONDS
# BUILD_DIR must be configured with clang and -DXTCP_FUZZ=ON. New inputs go
# to a scratch directory, never into the committed corpus. Exits non-zero if
# a target is missing or any target finds a crash (its reproducer is kept
# and its path printed).
set -u
if [ $# -ne 2 ]; then
  echo "usage: $0 BUILD_DIR SECONDS" >&2
  exit 2
fi
build_dir=$1
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
scratch=$(mktemp -d /tmp/xtcp-fuzz.XXXXXX)
status=0

for corpus in "$here"/corpus/*/; do
  target=$(basename "$corpus")
  if [ -z "$(ls -A "$corpus")" ]; then
    echo "skip $target: empty corpus directory (not registered yet)"
    continue
  fi
  bin="$build_dir/$target"
  if [ ! -x "$bin" ]; then
    echo "FAIL $target: $bin not found; configure with -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang -DXTCP_FUZZ=ON" >&2
    status=1
    continue
  fi
  mkdir -p "$scratch/$target/new"
  echo "== $target for ${seconds}s"
  # -max_total_time bounds the run; timeout(1) bounds it again if it hangs.
  if timeout --kill-after=10 $((seconds + 60)) "$bin" -max_total_time="$seconds" \
       -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$scratch/$target/" "$scratch/$target/new" "$corpus" \
       >"$scratch/$target/log" 2>&1; then
    grep -E "^stat::number_of_executed_units|^Done" "$scratch/$target/log" | tail -2
    echo "PASS $target"
  else
    tail -40 "$scratch/$target/log"
    echo "FAIL $target: crash or timeout, artifacts and log in $scratch/$target/" >&2
    status=1
  fi
done
[ $status -eq 0 ] && rm -rf "$scratch"
exit $status
