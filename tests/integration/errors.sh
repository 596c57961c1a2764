#!/usr/bin/env bash
# Documented failures: a missing interface, missing privileges and a busy XDP
# hook each make xtcpd exit non-zero with exactly one stderr line starting
# "xtcpd: ". The daemon already attached keeps working after a second one
# failed to take its hook.
source "$(dirname "$0")/lib.sh"
xt_setup xti6
port=7000

# expect_error NAME REGEX CMD...: CMD exits non-zero within 15 s (not killed by
# the timeout) and says one line "xtcpd: ..." on stderr, matching REGEX.
expect_error() {
  local name=$1 regex=$2; shift 2
  local err=$XT_TMP/$name.stderr out=$XT_TMP/$name.stdout rc
  timeout 15 "$@" >"$out" 2>"$err" </dev/null
  rc=$?
  (( rc != 0 )) || fail "$name: xtcpd exited 0"
  (( rc != 124 && rc != 137 )) || fail "$name: xtcpd still running after 15 s"
  local lines
  lines=$(wc -l <"$err")
  (( lines == 1 )) || fail "$name: expected 1 stderr line, got $lines: $(cat "$err")"
  grep -q '^xtcpd: ' "$err" || fail "$name: stderr does not start with 'xtcpd: ': $(cat "$err")"
  grep -Eqi -- "$regex" "$err" || fail "$name: message does not say why ($regex): $(cat "$err")"
  ! grep -q '^ready' "$out" || fail "$name: printed ready"
  log "$name: exit $rc, $(cat "$err")"
}

expect_error no_iface 'nosuch0|interface|device' \
  ip netns exec "$DUT" "$XTCPD" --iface nosuch0 --socket "$XT_TMP/e1.sock"

# Not root: nobody, no capabilities at all. It gets a socket directory it
# may write, so the only thing missing is privilege.
chmod 711 "$XT_TMP"
mkdir -m 777 "$XT_TMP/nobody"
expect_error not_root 'root|permi|privileg|capab|CAP_' \
  ip netns exec "$DUT" setpriv --reuid=nobody --regid=nogroup --clear-groups \
  --inh-caps=-all --bounding-set=-all -- \
  "$XTCPD" --iface "$DIF" --socket "$XT_TMP/nobody/e2.sock"
xdp_attached && fail "an unprivileged xtcpd left an XDP program on $DIF"

start_xtcpd first --steer-port "$port"
expect_error hook_busy 'xdp|busy|attached|in use|exist' \
  ip netns exec "$DUT" "$XTCPD" --iface "$DIF" --socket "$XT_TMP/second.sock" \
  --steer-port "$port"

# The first daemon is untouched: attached, answering, still counting.
pid=$(daemon_pid first)
kill -0 "$pid" 2>/dev/null || fail "first xtcpd died when the second one failed"
xdp_attached || fail "XDP program gone after the second xtcpd failed"
rx_before=$(counter first queues.0.rx_frames) || fail "first xtcpd stats fail"
try_connect "$PEER" "$DUT_IP4" "$port" 1 && fail "steered port answered by someone"
rx_after=$(counter first queues.0.rx_frames) || fail "first xtcpd stats fail"
(( rx_after > rx_before )) || fail "first xtcpd no longer receives steered frames"
in_peer ping -c 1 -W 2 "$DUT_IP4" >/dev/null || fail "ping with the first xtcpd attached"
pass "missing interface, not root, busy hook: one 'xtcpd:' line each; first daemon unaffected"
