#!/usr/bin/env bash
# systemd-analyze verify passes on the installed xtcpd@.service without a
# word of complaint (an unknown key or a missing binary is an error here).
# verify insists that ExecStart's binary exists, so the unit is checked as
# installed into a staging DESTDIR with ExecStart pointed at the staged
# xtcpd. Needs systemd-analyze (Debian's systemd package), not a running
# systemd and not root.
set -euo pipefail
build=${1:?usage: unit_verify.sh BUILD_DIR}
# The sanitizer stage of CI builds only the unit-test binaries, and a
# sanitized package is nothing to ship: the plain build checks packaging.
if grep -q '^XTCP_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
  echo "SKIP: sanitizer build"; exit 77
fi
command -v systemd-analyze >/dev/null || { echo "unit_verify: systemd-analyze missing; run vm-scripts/setup-deps.sh" >&2; exit 1; }
stage=$(mktemp -d /tmp/xtcp-unit-XXXXXX)
trap 'rm -rf "$stage"' EXIT
fail() { echo "unit_verify: $*" >&2; exit 1; }

DESTDIR=$stage/root cmake --install "$build" >"$stage/install.log" 2>&1 \
  || { cat "$stage/install.log" >&2; fail "cmake --install failed"; }
unit=$(find "$stage/root" -path '*/lib/systemd/system/xtcpd@.service')
[[ -n $unit ]] || fail "xtcpd@.service was not installed"

exec_line=$(grep '^ExecStart=' "$unit") || fail "no ExecStart"
bin=${exec_line#ExecStart=}
bin=${bin%% *}
[[ -x $stage/root$bin ]] || fail "ExecStart runs $bin, which the installation did not put there"
grep -qx 'ExecStart=[^ ]*/xtcpd --iface %i' "$unit" || fail "ExecStart does not pass the instance as --iface: $exec_line"
for want in 'Type=notify' 'RuntimeDirectory=xtcp' 'Restart=on-failure'; do
  grep -qx "$want" "$unit" || fail "the unit lacks $want"
done

mkdir "$stage/units"
sed "s|^ExecStart=$bin|ExecStart=$stage/root$bin|" "$unit" >"$stage/units/xtcpd@xtv0.service"
out=$(cd "$stage/units" && systemd-analyze verify ./xtcpd@xtv0.service 2>&1) \
  || fail "systemd-analyze verify failed: $out"
[[ -z $out ]] || fail "systemd-analyze verify complained: $out"
echo "unit_verify: ok ($(systemd-analyze --version | head -n1))"
