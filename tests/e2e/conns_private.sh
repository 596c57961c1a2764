#!/bin/sh
# Issue 15: CONNS shows an app its own connections only; root and the
# socket's group (--socket-group) see all. Root holds a connection on 5001,
# uid 12345 one on 5002; uid 12345 sees 5002 and not 5001, uid 12346 sees
# none, root and nobody (in nogroup, the socket's group) see both.
. "$(dirname "$0")/e2e_lib.sh"
e2e_init "${1:-}"
[ -n "$STANDIN" ] && { echo "SKIP: xtcpd only"; exit 77; }
getent group nogroup > /dev/null || { echo "SKIP: no group nogroup"; exit 77; }
e2e_up xtcv 1 62
e2e_daemon --socket-group nogroup
chmod 0711 "$T"
chmod 0666 "$SOCK"  # reachable by every uid; the group still decides who sees all

as_uid() {  # UID GID CMD...
  _u=$1; _g=$2; shift 2
  ip netns exec "$DUT" setpriv --reuid "$_u" --regid "$_g" --clear-groups "$@"
}
hold() {  # PORT UID GID: xtcp-cat -l PORT as that uid, a peer connected for 4 s
  sleep 4 | as_uid "$2" "$3" "$B/xtcp-cat" --socket "$SOCK" -l "$1" > "$T/out.$1" 2> "$T/cat.$1" &
  E2E_PIDS="$E2E_PIDS $!"
  e2e_wait_listen "$1" 1 "$!"
  (printf hello; sleep 4) | ip netns exec "$PEER" timeout 10 socat -t 6 STDIO "TCP:$DUT4:$1" \
    > /dev/null 2>&1 &
  E2E_PIDS="$E2E_PIDS $!"
  # xtcp-cat -l closes its listener once it accepted: wait for that, so
  # the next hold's wait sees its own listener.
  _i=0
  while [ "$(e2e_stat queue0.listeners)" != 0 ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
}
hold 5001 0 0
hold 5002 12345 12345
sleep 0.5

ports_seen() {  # UID GID: local ports of the connections that uid sees
  as_uid "$1" "$2" "$B/xtcpctl" --socket "$SOCK" conns --json |
    /usr/bin/python3 -c 'import json,sys; print(" ".join(str(p) for p in sorted({c["local_port"] for c in json.load(sys.stdin)["connections"]})))'
}
r=$(ports_seen 0 0); u=$(ports_seen 12345 12345); o=$(ports_seen 12346 12346); g=$(ports_seen 65534 65534)
e2e_log "root sees [$r], uid 12345 [$u], uid 12346 [$o], nobody/nogroup [$g]"
[ "$r" = "5001 5002" ] || e2e_fail "root should see both connections, saw [$r]"
[ "$u" = "5002" ] || e2e_fail "uid 12345 should see only its own connection (5002), saw [$u]"
[ "$o" = "" ] || e2e_fail "uid 12346 owns nothing and should see nothing, saw [$o]"
[ "$g" = "5001 5002" ] || e2e_fail "the socket's group should see both connections, saw [$g]"
grep -q hello "$T/out.5002" || sleep 5
grep -q hello "$T/out.5002" || e2e_fail "uid 12345's xtcp-cat did not get the peer's bytes: $(cat "$T/cat.5002")"
e2e_pass
