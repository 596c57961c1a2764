# shellcheck shell=sh
# Sourced by the tests of issue 7 (tests/preload/*.sh): unmodified Debian
# programs under xtcp-run in the dut against kernel peers, on top of
# tests/e2e/e2e_lib.sh (namespaces xtld<pid>-*, NET 75..79).
#   pl_init BUILD_DIR NET    e2e_init + checks + namespaces + xtcpd
#   pl_bg NAME CMD...        CMD under xtcp-run in the dut, background (e2e_bg)
#   pl_expect_xtcp NAME      NAME.log has xtcp-run's "on xtcp via" line
#   pl_bytes_moved           xtcpd's rx+tx byte counters
#   pl_peer_listening PORT   waits for a kernel listener in the peer
#   pl_check_released SECS   the shim left no app conns/listeners in xtcpd
PL_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../e2e/e2e_lib.sh
. "$PL_DIR/../e2e/e2e_lib.sh"

pl_need() {  # PROGRAM...
  for _p in "$@"; do
    command -v "$_p" >/dev/null 2>&1 || { echo "SKIP: $_p is not installed"; exit 77; }
  done
}

pl_init() {  # BUILD_DIR NET
  e2e_init "$1"
  [ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
  for _f in xtcp-run libxtcp-preload.so; do
    [ -e "$B/$_f" ] || e2e_fail "$B/$_f is missing: build it first"
  done
  e2e_up xtld 1 "$2"
  # shellcheck disable=SC2119 # no extra xtcpd arguments
  e2e_daemon
}

pl_bg() {  # NAME CMD...
  _n=$1; shift
  e2e_bg "$_n" ip netns exec "$DUT" "$B/xtcp-run" --socket "$SOCK" -- "$@"
}

pl_expect_xtcp() {  # NAME
  grep -q "^xtcp-run: .* on xtcp via $SOCK" "$T/$1.log" ||
    e2e_fail "$1 did not start on xtcp: $(head -n 3 "$T/$1.log")"
}

# Bytes xtcpd moved since it started (%.0f: awk would print a sum past
# 2^31 as 2.6e+09, which shell arithmetic rejects). Every test that claims a
# program ran "over xtcp" checks that this grew.
pl_bytes_moved() {
  e2e_ctl stats | awk '$1 ~ /^queue[0-9]+\.(rx|tx)_bytes$/ { s += $2 } END { printf "%.0f\n", s }'
}

# What the shim holds must be gone once the programs exited: no app
# connection, listener or session left in xtcpd (e2e_check_no_leak then
# checks that the closing connections finished too).
pl_check_released() {  # SECONDS
  _i=0
  while :; do
    _c=$(e2e_stat app.conns); _l=$(e2e_stat app.listeners); _s=$(e2e_stat app.sessions)
    # xtcpctl's own session is the one left.
    [ "$_c" = 0 ] && [ "$_l" = 0 ] && [ "$_s" = 1 ] && { e2e_log "released: app.conns=0 app.listeners=0 app.sessions=1 (xtcpctl)"; return 0; }
    [ $_i -lt $(($1 * 10)) ] || e2e_fail "after $1 s: app.conns=$_c app.listeners=$_l app.sessions=$_s"
    sleep 0.1; _i=$((_i + 1))
  done
}

# Waits (5 s at most) until a kernel program in the peer listens on PORT.
pl_peer_listening() {  # PORT
  _i=0
  until ip netns exec "$PEER" ss -Hltn "sport = :$1" | grep -q LISTEN; do
    [ $_i -lt 50 ] || e2e_fail "nothing listens on port $1 in the peer"
    sleep 0.1; _i=$((_i + 1))
  done
}

# Writes DIR/nginx.conf: one process (no master), logs and temp files in DIR,
# HTTP's directives and one server block with SERVER's directives.
pl_nginx_conf() {  # DIR HTTP SERVER
  cat > "$1/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $1/nginx.pid;
error_log $1/error.log info;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $1/body;
  proxy_temp_path $1/proxy;
  fastcgi_temp_path $1/fastcgi;
  uwsgi_temp_path $1/uwsgi;
  scgi_temp_path $1/scgi;
  $2
  server { $3 }
}
CONF
}
