#!/usr/bin/env bash
# xtcpd as xtcpd@.service runs it, without systemd: settings from --config
# (a flag wins over the file), READY=1 on $NOTIFY_SOCKET only once attached
# and serving (xtcpctl stats, --prometheus, --watch answer), STOPPING=1 on SIGTERM and exit 0; a
# bad config file is one line naming file:line, exit 2, and no READY.
# Root: its own namespace pair (prefix xtsvc), removed on exit.
set -euo pipefail
build=${1:?usage: service_ready.sh BUILD_DIR}
(( EUID == 0 )) || { echo "service_ready: needs root (netns, XDP); skipped"; exit 77; }
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/xtcp-svc-XXXXXX)
xtcpd_pid="" listener_pid=""
netns_pair_extra_cleanup() {
  [[ -n $xtcpd_pid ]] && kill "$xtcpd_pid" 2>/dev/null
  [[ -n $listener_pid ]] && kill "$listener_pid" 2>/dev/null
  rm -rf "$tmp"
}
# shellcheck source=../lib/netns_pair.sh
. "$here/../lib/netns_pair.sh"
netns_pair_up xtsvc 1 - 93
fail() { echo "service_ready: $*" >&2; cat "$tmp"/*.log >&2 2>/dev/null || true; exit 1; }

# Collects what xtcpd tells systemd, one datagram per line (\n -> |).
/usr/bin/python3 - "$tmp/notify.sock" "$tmp/notify.txt" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(30)
with open(sys.argv[2], "w") as out:
    while True:
        try:
            msg = s.recv(4096).decode()
        except OSError:
            break
        out.write(msg.replace("\n", "|") + "\n")
        out.flush()
        if "STOPPING=1" in msg:
            break
PY
listener_pid=$!
for _ in $(seq 50); do [[ -S $tmp/notify.sock ]] && break; sleep 0.1; done
[[ -S $tmp/notify.sock ]] || fail "the notify listener did not start"

printf '# as in /etc/xtcp/xtcpd.conf\niface = %s\nsocket = %s/file.sock\npoll = interrupt\n' \
  "$DIF" "$tmp" >"$tmp/xtcpd.conf"
ip netns exec "$DUT" env NOTIFY_SOCKET="$tmp/notify.sock" "$build/xtcpd" --config "$tmp/xtcpd.conf" \
  --socket "$tmp/flag.sock" >"$tmp/xtcpd.log" 2>&1 &
xtcpd_pid=$!
for _ in $(seq 100); do grep -q READY=1 "$tmp/notify.txt" 2>/dev/null && break; sleep 0.1; done
grep -q '^READY=1|STATUS=serving '"$DIF" "$tmp/notify.txt" || fail "no READY=1 within 10 s"
grep -q "^ready iface=$DIF .*socket=$tmp/flag.sock" "$tmp/xtcpd.log" || fail "iface from the file, socket from the flag: not so"
[[ ! -e $tmp/file.sock ]] || fail "the file's socket was used although --socket was given"
ip netns exec "$DUT" "$build/xtcpctl" --socket "$tmp/flag.sock" stats >"$tmp/stats.txt" \
  || fail "READY=1 was sent but xtcpctl stats gets no answer"
grep -q "^iface $DIF " "$tmp/stats.txt" || fail "stats do not name $DIF"
# What a Prometheus scrape and a watching admin get from the live daemon.
ip netns exec "$DUT" "$build/xtcpctl" --socket "$tmp/flag.sock" stats --prometheus >"$tmp/prom.txt" \
  || fail "stats --prometheus failed"
grep -q "^# TYPE xtcp_queue_rx_frames_total counter$" "$tmp/prom.txt" || fail "no typed queue counter in --prometheus"
grep -Eq "^xtcp_queue_frames_total\{iface=\"$DIF\",queue=\"0\"\} [1-9][0-9]*$" "$tmp/prom.txt" \
  || fail "no UMEM frame gauge for queue 0 in --prometheus"
ip netns exec "$DUT" timeout 10 "$build/xtcpctl" --socket "$tmp/flag.sock" stats --watch 1 --count 1 \
  >"$tmp/watch.txt" || fail "stats --watch 1 --count 1 failed"
grep -q "^-- .* $DIF$" "$tmp/watch.txt" || fail "stats --watch printed no interval: $(cat "$tmp/watch.txt")"

kill -TERM "$xtcpd_pid"
rc=0; wait "$xtcpd_pid" || rc=$?
xtcpd_pid=""
(( rc == 0 )) || fail "xtcpd exited $rc on SIGTERM"
wait "$listener_pid" || true
listener_pid=""
grep -qx 'STOPPING=1' "$tmp/notify.txt" || fail "no STOPPING=1 on SIGTERM: $(cat "$tmp/notify.txt")"

# A bad file: one line with file:line, exit 2, nothing sent to systemd.
printf 'iface = %s\nqueue = 2\n' "$DIF" >"$tmp/bad.conf"
: >"$tmp/notify.txt"
rc=0
ip netns exec "$DUT" env NOTIFY_SOCKET="$tmp/notify.sock" "$build/xtcpd" --config "$tmp/bad.conf" \
  >"$tmp/bad.out" 2>"$tmp/bad.err" || rc=$?
(( rc == 2 )) || fail "a bad config exited $rc, not 2"
[[ $(wc -l <"$tmp/bad.err") == 1 ]] || fail "a bad config printed more than one line: $(cat "$tmp/bad.err")"
grep -qx "xtcpd: $tmp/bad.conf:2: unknown key 'queue' .*" "$tmp/bad.err" || fail "unexpected error: $(cat "$tmp/bad.err")"
echo "service_ready: ok"
