#!/usr/bin/env bash
# Installs every Debian package that building, testing and benchmarking xtcp
# needs. Idempotent: when everything is present it only runs dpkg-query and
# returns; `apt-get update` runs only when something is missing.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config git
  clang llvm libbpf-dev libxdp-dev libelf-dev zlib1g-dev bpftool xdp-tools
  libsystemd-dev nlohmann-json3-dev libseccomp-dev libcap-ng-dev
  # packaging (cpack -G DEB, dpkg-shlibdeps) and the unit check (systemd-analyze)
  dpkg-dev systemd
  # tests
  catch2 iproute2 iputils-ping ethtool procps util-linux coreutils
  socat netcat-openbsd curl python3 python3-scapy tcpdump valgrind shellcheck
  # benchmarks
  iperf3 sockperf python3-matplotlib
  # unmodified clients of the nginx and redis rows (bench/compare_lib/apps.sh)
  wrk apache2-utils
  # unmodified programs run under xtcp-run (issue 7)
  nginx-light redis-server redis-tools apache2-utils
)

# One dpkg-query for all packages; unknown ones print nothing on stdout.
installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${packages[@]}" \
              2>/dev/null | awk '$2 == "installed" { print $1 }' || true)
missing=()
for pkg in "${packages[@]}"; do
  grep -qx -- "$pkg" <<<"$installed" || missing+=("$pkg")
done

if (( ${#missing[@]} == 0 )); then
  echo "setup-deps: all ${#packages[@]} packages present"
  exit 0
fi

if (( EUID != 0 )); then
  echo "setup-deps: missing packages (${missing[*]}); run as root to install them" >&2
  exit 1
fi

echo "setup-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
echo "setup-deps: done"
