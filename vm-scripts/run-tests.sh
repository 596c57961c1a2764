#!/usr/bin/env bash
# Installs what is missing, builds xtcp from scratch into build/ and runs
# every test (unit and root). Exits non-zero when anything fails.
# Works from any cwd; .ci/run calls exactly this.
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo" || exit 1
jobs=${XTCP_TEST_JOBS:-2}
start=$(date +%s)
steps=()

step() {   # step NAME CMD...: run, record the outcome, stop on failure
  local name=$1; shift
  echo "==> $name: $*"
  local t0
  t0=$(date +%s)
  if "$@"; then
    steps+=("ok    $name ($(( $(date +%s) - t0 ))s)")
  else
    local rc=$?
    steps+=("FAIL  $name (exit $rc, $(( $(date +%s) - t0 ))s)")
    summary
    exit "$rc"
  fi
}

summary() {
  echo
  echo "==> summary ($(( $(date +%s) - start ))s total, commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown))"
  printf '    %s\n' "${steps[@]}"
}

if (( EUID != 0 )); then
  echo "run-tests.sh: not root: tests labelled 'root' (BPF, netns, XDP) will fail; run with sudo" >&2
fi

step "dependencies" ./vm-scripts/setup-deps.sh
step "clean" rm -rf build
step "configure" cmake -S . -B build -G Ninja -DXTCP_WERROR=ON
step "build" cmake --build build -j "$jobs"
# ctest exits non-zero when any test fails; its own summary lists them.
step "tests" ctest --test-dir build --output-on-failure -j "$jobs" </dev/null
summary
echo "run-tests.sh: all passed"
