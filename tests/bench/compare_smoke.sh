#!/usr/bin/env bash
# bench.compare_smoke: runs `bench/compare.sh --smoke` into a temporary
# directory and checks that every workload produced a figure on every
# stack it is meant for (check_figures.py). Argument: the build directory
# (XTCP_BUILD overrides it). Exit 77 (skipped) when not root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${XTCP_BUILD:-${1:-}}
[[ -n "$build" ]] || { echo "usage: $0 BUILD_DIR (or set XTCP_BUILD)" >&2; exit 2; }
(( EUID == 0 )) || { echo "compare_smoke: needs root (namespaces, XDP); skipped"; exit 77; }
out=$(mktemp -d /tmp/xtcp-compare-smoke.XXXXXX)
trap 'rm -rf "$out"' EXIT
XTCP_BUILD=$build timeout 170 "$repo/bench/compare.sh" --smoke --out "$out"
/usr/bin/python3 "$here/check_figures.py" "$out"
