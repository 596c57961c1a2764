#!/bin/sh
# Issue 4: curl in the peer fetches /gen/10000000 (a 10 MB generated body)
# and a 5 MB random file from xtcp-http-example in the dut; both hashes
# equal what the server must have sent (the /gen pattern is recomputed
# here by gen_bytes.py).
. "$(dirname "$0")/e2e_lib.sh"
e2e_init "${1:-}"
e2e_up xte6 1 86
e2e_daemon
mkdir "$T/www"
e2e_random_file "$T/www/blob.bin" 5
python3 "$E2E_DIR/gen_bytes.py" 10000000 > "$T/gen.expected"
e2e_http_server 8080 "$T/www"

fetch() {  # PATH OUT
  _t0=$(e2e_now)
  timeout 40 ip netns exec "$PEER" curl -sS --fail --max-time 30 -o "$2" "http://$DUT4:8080$1" \
    || e2e_fail "curl http://$DUT4:8080$1 failed (status $?)"
  e2e_rate "GET $1" "$(stat -c %s "$2")" "$_t0" "$(e2e_now)"
}
fetch /gen/10000000 "$T/gen.got"
e2e_same "GET /gen/10000000" "$T/gen.expected" "$T/gen.got"
fetch /blob.bin "$T/blob.got"
e2e_same "GET /blob.bin" "$T/www/blob.bin" "$T/blob.got"
e2e_alive "$HTTP_PID" || e2e_fail "the HTTP server exited"
e2e_check_no_leak 1 10
e2e_pass
