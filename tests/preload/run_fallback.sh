#!/bin/sh
# Issue 7: xtcp-run without a reachable daemon runs the program on kernel
# TCP (no LD_PRELOAD) with one warning line; with --help it explains
# itself; the program's exit status passes through. No root, no daemon.
# Usage: run_fallback.sh BUILD_DIR
set -eu
B=${XTCP_BUILD:-${1:?usage: run_fallback.sh BUILD_DIR}}
# A sanitizer build's shim needs the ASan runtime loaded first: it cannot be
# preloaded into uninstrumented programs, and its stage does not build it.
if grep -q '^XTCP_SANITIZE:BOOL=ON' "$B/CMakeCache.txt" 2>/dev/null; then
  echo "SKIP: sanitizer build (the shim is tested in the plain build)"; exit 77
fi
T=$(mktemp -d /tmp/xtcp-run-fb.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

rc=0
# shellcheck disable=SC2016 # the inner shell expands it
LD_PRELOAD='' "$B/xtcp-run" --socket "$T/none.sock" -- sh -c 'echo "preload=[$LD_PRELOAD]"; exit 7' \
  > "$T/out" 2> "$T/err" || rc=$?
[ "$rc" = 7 ] || fail "exit status $rc, expected the program's 7"
grep -qx 'preload=\[\]' "$T/out" || fail "the program ran with LD_PRELOAD set: $(cat "$T/out")"
[ "$(wc -l < "$T/err")" = 1 ] || fail "expected one warning line, got: $(cat "$T/err")"
grep -q "^xtcp-run: warning: xtcpd is not reachable at $T/none.sock .*; sh runs on kernel TCP$" "$T/err" ||
  fail "unexpected warning: $(cat "$T/err")"

"$B/xtcp-run" --help | grep -q -- "--nets LIST" || fail "--help does not list --nets"
rc=0
"$B/xtcp-run" --bogus -- true 2> "$T/err" || rc=$?
{ [ "$rc" = 2 ] && grep -q "unknown option --bogus" "$T/err"; } || fail "--bogus: status $rc, $(cat "$T/err")"
rc=0
"$B/xtcp-run" --socket "$T/none.sock" -- /nonexistent/prog 2> "$T/err" || rc=$?
{ [ "$rc" = 127 ] && grep -q "cannot run /nonexistent/prog" "$T/err"; } || fail "missing program: status $rc, $(cat "$T/err")"

# The shim itself without a daemon: TCP over loopback still works (kernel
# TCP) and the shim says once why.
if command -v socat >/dev/null 2>&1; then
  # The port may be taken (it lies in the ephemeral range other tests'
  # connections use): a server that exits before listening tries the next.
  port=$((20000 + $$ % 20000)) tries=0 srv=""
  while [ -z "$srv" ]; do
    [ $tries -lt 5 ] || fail "socat under the shim did not listen on 5 ports: $(cat "$T/srv.err")"
    port=$((port + tries)) tries=$((tries + 1))
    XTCP_SOCKET="$T/none.sock" LD_PRELOAD="$B/libxtcp-preload.so" \
      socat -u "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr" "OPEN:$T/got,creat" 2> "$T/srv.err" &
    srv=$!
    i=0
    until ss -Hltn "sport = :$port" | grep -q LISTEN; do
      kill -0 $srv 2>/dev/null || { srv=""; break; }
      [ $i -lt 50 ] || { kill $srv 2>/dev/null || true; fail "socat under the shim did not listen: $(cat "$T/srv.err")"; }
      sleep 0.1; i=$((i + 1))
    done
  done
  head -c 100000 /dev/urandom > "$T/sent"
  XTCP_SOCKET="$T/none.sock" LD_PRELOAD="$B/libxtcp-preload.so" \
    timeout 10 socat -u "OPEN:$T/sent" "TCP:127.0.0.1:$port" 2> "$T/cli.err" || fail "client: $(cat "$T/cli.err")"
  i=0
  while kill -0 $srv 2>/dev/null; do
    [ $i -lt 50 ] || { kill $srv 2>/dev/null || true; fail "socat server did not finish"; }
    sleep 0.1; i=$((i + 1))
  done
  cmp -s "$T/sent" "$T/got" || fail "loopback bytes differ under the shim"
  grep -q "^libxtcp-preload: xtcpd is not reachable at $T/none.sock" "$T/srv.err" ||
    fail "the shim did not say why TCP stays on the kernel: $(cat "$T/srv.err")"
fi
echo "PASS run_fallback.sh"
