#!/bin/sh
# Issue 7: a plain POSIX program (mixed_epoll.c) under xtcp-run mixes, in
# one epoll set, an xtcp listener + accepted connection (dup'ed; TCP_NODELAY
# inherited; FIONREAD and MSG_PEEK on its first bytes), a
# non-blocking xtcp connect (EINPROGRESS, SO_ERROR, TCP_INFO), a Unix
# socketpair and a UDP socket. 2 MB from a kernel client in the peer travel
# client -> xtcp -> unix -> xtcp -> socat echo in the peer -> xtcp -> client
# and arrive intact (sha256); a UDP datagram is answered on the kernel path,
# and loopback TCP (also after a wildcard bind) stays the kernel's.
# Usage: mixed_epoll.sh BUILD_DIR
. "$(dirname "$0")/preload_lib.sh"
pl_need socat
pl_init "${1:-}" 79
[ -x "$B/xtcp-preload-mixed" ] || e2e_fail "$B/xtcp-preload-mixed is missing: build it first"
e2e_bg echo ip netns exec "$PEER" socat TCP-LISTEN:7001,reuseaddr EXEC:cat
pl_peer_listening 7001
pl_bg mixed "$B/xtcp-preload-mixed" 7000 "$DUT4" 7002 "$PEER4" 7001
MIXED=$LAST_PID
e2e_wait_line "$T/mixed.log" ready 10 "$MIXED"
pl_expect_xtcp mixed
e2e_wait_listen 7000 1 "$MIXED"
reply=$(ip netns exec "$PEER" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(b"ping", (sys.argv[1], 7002))
print(s.recvfrom(100)[0].decode())' "$DUT4") || e2e_fail "no UDP answer"
[ "$reply" = echo:ping ] || e2e_fail "UDP answer was '$reply'"
e2e_random_file "$T/data" 2
before=$(pl_bytes_moved)
timeout 40 ip netns exec "$PEER" socat -t 30 - "TCP:$DUT4:7000" < "$T/data" > "$T/back" ||
  e2e_fail "the peer's client failed"
e2e_same "client -> xtcp -> unix -> xtcp -> echo -> xtcp -> client" "$T/data" "$T/back"
e2e_expect_ok "mixed_epoll" "$MIXED" 20
grep -q "^connected: SO_ERROR 0, TCP_INFO state ESTABLISHED" "$T/mixed.log" || e2e_fail "no connect check line"
grep -qx "loopback: kernel TCP after a wildcard bind" "$T/mixed.log" || e2e_fail "no loopback check line"
grep -qx "accepted: TCP_NODELAY 1" "$T/mixed.log" || e2e_fail "the accepted socket did not inherit TCP_NODELAY"
grep -q "^peek: FIONREAD > 0, MSG_PEEK [0-9]* bytes, the read returned the same" "$T/mixed.log" ||
  e2e_fail "no MSG_PEEK/FIONREAD check line"
grep -q "^done: tcp in 2097152 bytes, unix 2097152 bytes, tcp back 2097152 bytes, udp echoes 1" "$T/mixed.log" ||
  e2e_fail "unexpected summary: $(grep '^done' "$T/mixed.log")"
moved=$(($(pl_bytes_moved) - before))
# 2 MiB in and out on each of the two xtcp connections.
[ "$moved" -ge $((4 * 2097152)) ] || e2e_fail "xtcpd moved only $moved bytes"
e2e_log "$(grep '^done' "$T/mixed.log"); xtcpd moved $moved bytes"
pl_check_released 10
e2e_check_no_leak 1 10
e2e_pass
