#!/bin/sh
# Issue 4: 1000 concurrent connections from the peer to xtcp-http-example:
# many_conns.py opens all of them, then sends every request (GET /gen/N, a
# different N each), then reads every reply and checks length and content.
# Then, with the server still running, no frames or connections leaked.
. "$(dirname "$0")/e2e_lib.sh"
e2e_init "${1:-}"
e2e_up xte7 1 87
e2e_daemon
COUNT=${XTCP_E2E_CONNS:-1000}
mkdir "$T/www"
e2e_http_server 8080 "$T/www"
ip netns exec "$PEER" sysctl -qw net.ipv4.ip_local_port_range="20000 60999"
e2e_bg client timeout 50 ip netns exec "$PEER" python3 "$E2E_DIR/many_conns.py" "$DUT4" 8080 "$COUNT" 45
CLIENT=$LAST_PID
e2e_wait_pid "$CLIENT" 50 || { e2e_log "$(cat "$T/client.log")"; e2e_fail "many_conns.py failed"; }
e2e_log "$(cat "$T/client.log")"
e2e_alive "$HTTP_PID" || e2e_fail "the HTTP server exited"
[ -n "$STANDIN" ] || e2e_log "listeners: $(e2e_stat app.listeners) sessions: $(e2e_stat app.sessions)"
e2e_check_no_leak 1 15
e2e_pass
