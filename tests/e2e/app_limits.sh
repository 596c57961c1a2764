#!/bin/sh
# Issue 4, "per-app limits on connections ... with clear errors": xtcpd
# --max-app-conns 3. One app's fourth CONNECT draws EMFILE while another
# app still connects; when both sessions end, every connection is reset
# and nothing leaks.
. "$(dirname "$0")/e2e_lib.sh"
e2e_init "${1:-}"
if [ -n "$STANDIN" ]; then e2e_log "SKIP: per-app limits are xtcpd's"; E2E_OK=1; exit 77; fi
e2e_up xte1 1 81
e2e_daemon --max-app-conns 3
# A kernel server that accepts any number of connections and holds them.
e2e_bg server timeout 30 ip netns exec "$PEER" socat -u TCP4-LISTEN:6100,reuseaddr,fork OPEN:/dev/null
i=0
until ip netns exec "$PEER" ss -Hltn "sport = :6100" | grep -q LISTEN; do
  [ $i -lt 50 ] || e2e_fail "peer server does not listen"; sleep 0.1; i=$((i + 1))
done
ip netns exec "$DUT" "$B/xtcp-e2e-hostile" --socket "$SOCK" limit "$PEER4" 6100 3 > "$T/limit.log" 2>&1 ||
  { cat "$T/limit.log" >&2; e2e_fail "per-app connection limit"; }
e2e_log "$(tail -n 2 "$T/limit.log" | tr '\n' ' ')"
grep -q "per-app limit" "$T/limit.log" || e2e_fail "the EMFILE reply does not say which limit"
e2e_check_no_leak 1 10
e2e_pass
