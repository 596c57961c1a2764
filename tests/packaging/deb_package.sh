#!/usr/bin/env bash
# `cpack -G DEB` builds xtcp_<version>_<arch>.deb whose contents are the
# installed layout under /usr and whose Depends names the shared libraries
# the binaries need (libbpf1, libxdp1, libsystemd0, ...). Inspected with
# dpkg-deb only: nothing is installed on this machine. No root.
set -euo pipefail
build=${1:?usage: deb_package.sh BUILD_DIR}
# The sanitizer stage of CI builds only the unit-test binaries, and a
# sanitized package is nothing to ship: the plain build checks packaging.
if grep -q '^XTCP_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
  echo "SKIP: sanitizer build"; exit 77
fi
out=$(mktemp -d /tmp/xtcp-deb-XXXXXX)
trap 'rm -rf "$out"' EXIT
fail() { echo "deb_package: $*" >&2; exit 1; }

(cd "$build" && cpack -G DEB -B "$out" --config "$build/CPackConfig.cmake") >"$out/cpack.log" 2>&1 \
  || { cat "$out/cpack.log" >&2; fail "cpack -G DEB failed"; }
# The one author warning allowed: the preload shim is an LD_PRELOAD plugin
# without a SONAME, so it is not listed in DEBIAN/shlibs.
if grep -i 'warning' "$out/cpack.log" | grep -v -e 'CMake Warning (dev)' -e 'for project developers' | grep -q .; then
  cat "$out/cpack.log" >&2
  fail "cpack warned (above)"
fi
shopt -s nullglob
debs=("$out"/xtcp_*.deb)
(( ${#debs[@]} == 1 )) || fail "expected one xtcp_*.deb in $out, got: ${debs[*]:-none}"
deb=${debs[0]}
[[ $(dpkg-deb -f "$deb" Package) == xtcp ]] || fail "Package is not xtcp"
[[ $(dpkg-deb -f "$deb" Architecture) == "$(dpkg --print-architecture)" ]] || fail "wrong Architecture"

depends=$(dpkg-deb -f "$deb" Depends)
depend_names=$(tr ',' '\n' <<<"$depends" | awk '{ print $1 }')
for lib in libbpf1 libxdp1 libsystemd0 libstdc++6 libc6; do
  grep -Fqx -- "$lib" <<<"$depend_names" || fail "Depends lacks $lib: $depends"
done

contents=$(dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|')
for path in /usr/bin/xtcpd /usr/bin/xtcpctl /usr/bin/xtcp-cat /usr/bin/xtcp-perf /usr/bin/xtcp-run \
            /usr/include/xtcp/xtcp.h /usr/include/xtcp/xtcp.hpp /usr/lib/systemd/system/xtcpd@.service; do
  grep -qx -- "$path" <<<"$contents" || fail "$path is not in the package"
done
for name in libxtcp.so.0 libxtcp.so libxtcp-preload.so pkgconfig/libxtcp.pc; do
  grep -Eq "^/usr/lib/([a-z0-9_-]+/)?$name$" <<<"$contents" || fail "/usr/lib/.../$name is not in the package"
done
if grep -Ev '^/usr/' <<<"$contents" | grep -v '^/$' | grep -q .; then
  fail "files outside /usr: $(grep -Ev '^/usr/' <<<"$contents" | grep -v '^/$' | tr '\n' ' ')"
fi
# The unit in the package starts the packaged daemon.
mkdir "$out/x"
dpkg-deb -x "$deb" "$out/x"
grep -qx 'ExecStart=/usr/bin/xtcpd --iface %i' "$out/x/usr/lib/systemd/system/xtcpd@.service" \
  || fail "the packaged unit does not run /usr/bin/xtcpd"
# And xtcp-run in it finds the packaged shim relative to itself.
[[ $("$out/x/usr/bin/xtcp-run" --print-preload) == "$out/x/usr/bin/../lib/"*libxtcp-preload.so ]] \
  || fail "the packaged xtcp-run does not find the packaged shim"
dpkg-deb -I "$deb" postinst >/dev/null || fail "no postinst (systemctl daemon-reload)"
echo "deb_package: ok, $(basename "$deb"): Depends: $depends"
