#!/usr/bin/env bash
# The README's first command. On a fresh Debian machine: installs what is
# missing (vm-scripts/setup-deps.sh), builds xtcp into build/, and runs the
# quick kernel-TCP-versus-xtcp comparison (bench/compare.sh --quick: its own
# namespace pair, the real iperf3 against kernel TCP and xtcpd, RR, CRR,
# scale, CPU, raw AF_XDP), then prints the table. Idempotent: a second run
# installs nothing, rebuilds only what changed and measures again. Results
# go to build/compare/ (JSON, RESULTS.md, plots) so the committed
# bench/RESULTS.md stays as it is. Extra arguments go to compare.sh.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
(( EUID == 0 )) || { echo "demo.sh: needs root (packages, network namespaces, XDP): run 'sudo ./vm-scripts/demo.sh'" >&2; exit 1; }

echo "==> dependencies (vm-scripts/setup-deps.sh)"
./vm-scripts/setup-deps.sh
# The plots need Debian's matplotlib; without it the table still prints.
if ! /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
  echo "==> python3-matplotlib (plots)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3-matplotlib </dev/null ||
    echo "demo.sh: python3-matplotlib could not be installed: no plots, the table still prints" >&2
fi

echo "==> build (cmake -S . -B build -G Ninja && cmake --build build)"
cmake -S . -B build -G Ninja >/dev/null
cmake --build build -j "$(nproc)"

echo "==> kernel TCP vs xtcp (bench/compare.sh --quick)"
XTCP_BUILD=$repo/build bench/compare.sh --quick --out "$repo/build/compare" "$@"
