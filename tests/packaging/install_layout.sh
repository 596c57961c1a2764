#!/usr/bin/env bash
# `cmake --install` into a staging DESTDIR lays out what a user gets: the
# five tools (each with --help and --version), libxtcp with its SONAME
# links, the preload shim where xtcp-run finds it, the public headers, a
# pkg-config file a program builds against, and the systemd unit. No root;
# nothing outside a temp dir.
set -euo pipefail
build=${1:?usage: install_layout.sh BUILD_DIR}
# The sanitizer stage of CI builds only the unit-test binaries, and a
# sanitized package is nothing to ship: the plain build checks packaging.
if grep -q '^XTCP_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
  echo "SKIP: sanitizer build"; exit 77
fi
stage=$(mktemp -d /tmp/xtcp-stage-XXXXXX)
trap 'rm -rf "$stage"' EXIT
fail() { echo "install_layout: $*" >&2; exit 1; }

DESTDIR=$stage cmake --install "$build" --prefix /usr >"$stage.log" 2>&1 \
  || { cat "$stage.log" >&2; rm -f "$stage.log"; fail "cmake --install failed"; }
rm -f "$stage.log"
root=$stage/usr

for tool in xtcpd xtcpctl xtcp-cat xtcp-perf xtcp-run; do
  [[ -x $root/bin/$tool ]] || fail "bin/$tool missing or not executable"
done
libdir=$(dirname "$(find "$root" -name 'libxtcp.so.0' | head -n1)")
[[ -n $libdir && -d $libdir ]] || fail "no libxtcp.so.0 under $root"
[[ -L $libdir/libxtcp.so ]] || fail "libxtcp.so (the link -lxtcp uses) missing in $libdir"
[[ -f $libdir/libxtcp-preload.so ]] || fail "libxtcp-preload.so missing in $libdir"
[[ -f $root/include/xtcp/xtcp.h && -f $root/include/xtcp/xtcp.hpp ]] || fail "include/xtcp/xtcp.h(pp) missing"
[[ -f $root/lib/systemd/system/xtcpd@.service ]] || fail "lib/systemd/system/xtcpd@.service missing"
[[ -f $libdir/pkgconfig/libxtcp.pc ]] || fail "pkgconfig/libxtcp.pc missing in $libdir"
if find "$root" -name '*.a' | grep -q .; then fail "static archives were installed: $(find "$root" -name '*.a')"; fi

# The shim's SONAME-free name is what LD_PRELOAD gets; it must find libxtcp
# beside it ($ORIGIN), or an unmodified program fails to start.
# shellcheck disable=SC2016  # a literal $ORIGIN
readelf -d "$libdir/libxtcp-preload.so" | grep -q 'RUNPATH.*\$ORIGIN' \
  || fail "libxtcp-preload.so has no \$ORIGIN runpath"

# xtcp-run, installed, picks the installed shim (not the build tree's).
want=$(readlink -f "$libdir/libxtcp-preload.so")
got=$("$root/bin/xtcp-run" --print-preload) || fail "xtcp-run --print-preload: '$got' is not readable"
[[ $(readlink -f "$got") == "$want" ]] || fail "xtcp-run uses '$got', not the installed $want"

# A program built only from the installed tree, through pkg-config.
export PKG_CONFIG_PATH=$libdir/pkgconfig
[[ $(pkg-config --modversion libxtcp) =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "pkg-config --modversion libxtcp"
cat >"$stage/app.c" <<'C'
#include <errno.h>
#include <stdio.h>
#include <xtcp/xtcp.h>
int main(void) {
  /* No daemon at this path: NULL and ENOENT, as xtcp.h documents. */
  xtcp_ctx* ctx = xtcp_open("/nonexistent/xtcpd.sock");
  printf("%s\n", xtcp_strerror(errno));
  return ctx == NULL && errno == ENOENT ? 0 : 1;
}
C
# shellcheck disable=SC2046
cc -std=c11 -Wall -Werror -o "$stage/app" "$stage/app.c" $(pkg-config --cflags --libs libxtcp) \
  || fail "a C program does not build against the installed libxtcp (pkg-config)"
LD_LIBRARY_PATH=$libdir "$stage/app" >/dev/null || fail "the program built against the installed libxtcp does not run"
ldd_out=$(LD_LIBRARY_PATH=$libdir ldd "$stage/app")
grep -q "libxtcp.so.0 => $libdir" <<<"$ldd_out" || fail "the program did not link the installed libxtcp: $ldd_out"
# Every tool answers --help (usage on stdout, exit 0) and --version
# ("TOOL VERSION", the package's version) the same way.
version=$(pkg-config --modversion libxtcp)
for tool in xtcpd xtcpctl xtcp-cat xtcp-perf xtcp-run; do
  help=$(LD_LIBRARY_PATH=$libdir "$root/bin/$tool" --help) || fail "$tool --help exited non-zero"
  [[ $help == usage:* ]] || fail "$tool --help does not start with usage:"
  got=$(LD_LIBRARY_PATH=$libdir "$root/bin/$tool" --version) || fail "$tool --version exited non-zero"
  [[ $got == "$tool $version" ]] || fail "$tool --version printed '$got', not '$tool $version'"
done
echo "install_layout: ok ($(find "$root" -type f | wc -l) files under $root)"
