# shellcheck shell=bash disable=SC2154  # tmp, build, sock, seconds, ...: compare.sh's
# Sourced by bench/compare.sh: unmodified servers, the same binary and
# configuration on kernel TCP and under xtcp-run, driven by unmodified
# clients in the peer (the figures users quote):
#   nginx + ab   CRR, keep-alive off: connections/s and latency
#   nginx + wrk  keep-alive: requests/s and latency
#   redis-server + redis-benchmark: PING, SET, GET at 50 clients, and PING
#                at 10,000 clients (apps_many_clients; 0 skips it, --smoke)
# Uses compare.sh's start_bg, wait_listen, measure, log, $tmp, $DUT, $PEER,
# $DUT4, $sock, $build and $seconds.

ports_kernel_nginx=8101 ports_run_nginx=8102 ports_kernel_redis=6401 ports_run_redis=6402
k_nginx="" k_redis="" r_nginx="" r_redis=""
apps_clients=50 apps_many_clients=${apps_many_clients:-10000}

# One nginx configuration per port: a 64 B body, no logging, keep-alive
# without a request limit (wrk's connections must not be closed under it).
apps_nginx_conf() {  # PORT -> prints the config path
  local d=$tmp/nginx-$1
  mkdir -p "$d/www"
  head -c 64 /dev/zero | tr '\0' x >"$d/www/r64"
  cat >"$d/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  client_body_temp_path $d/body;
  proxy_temp_path $d/proxy;
  fastcgi_temp_path $d/fastcgi;
  uwsgi_temp_path $d/uwsgi;
  scgi_temp_path $d/scgi;
  server {
    listen $1 backlog=4096;
    root $d/www;
  }
}
CONF
  echo "$d/nginx.conf"
}

# True once the peer gets an answer from PORT (a server under xtcp-run has
# no kernel listener for wait_listen to see).
apps_wait_peer() {  # PORT SECONDS PID PROBE...
  local port=$1 secs=$2 pid=$3 i
  shift 3
  for (( i = 0; i < secs * 10; i++ )); do
    ip netns exec "$PEER" "$@" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || die "the server for port $port exited"
    sleep 0.1
  done
  die "the server on port $port did not answer the peer within $secs s"
}

apps_redis() {  # PORT: redis-server's command line in apps_redis_cmd, no persistence
  apps_redis_cmd=(redis-server --port "$1" --bind 0.0.0.0 --protected-mode no --save "" --appendonly no
                  --daemonize no --maxclients 20000 --dir "$tmp")
}

apps_kernel_up() {
  local conf
  conf=$(apps_nginx_conf "$ports_kernel_nginx")
  start_bg nginx-kernel ip netns exec "$DUT" nginx -p "$(dirname "$conf")" -c "$conf" -e "$(dirname "$conf")/error.log"
  k_nginx=$LAST_PID
  wait_listen "$ports_kernel_nginx" 10 "$k_nginx"
  apps_redis "$ports_kernel_redis"
  start_bg redis-kernel ip netns exec "$DUT" "${apps_redis_cmd[@]}"
  k_redis=$LAST_PID
  wait_listen "$ports_kernel_redis" 10 "$k_redis"
}

apps_run_up() {
  local conf
  conf=$(apps_nginx_conf "$ports_run_nginx")
  start_bg nginx-run ip netns exec "$DUT" "$build/xtcp-run" --socket "$sock" -- \
    nginx -p "$(dirname "$conf")" -c "$conf" -e "$(dirname "$conf")/error.log"
  r_nginx=$LAST_PID
  apps_wait_peer "$ports_run_nginx" 10 "$r_nginx" curl -sf -o /dev/null "http://$DUT4:$ports_run_nginx/r64"
  grep -q "on xtcp via" "$tmp/nginx-run.log" || { echo "compare.sh: nginx is not on xtcp" >&2; return 1; }
  apps_redis "$ports_run_redis"
  start_bg redis-run ip netns exec "$DUT" "$build/xtcp-run" --socket "$sock" -- "${apps_redis_cmd[@]}"
  r_redis=$LAST_PID
  apps_wait_peer "$ports_run_redis" 10 "$r_redis" redis-cli -h "$DUT4" -p "$ports_run_redis" ping
  grep -q "on xtcp via" "$tmp/redis-run.log" || { echo "compare.sh: redis is not on xtcp" >&2; return 1; }
}

apps_run_down() {
  stop_pid "$r_redis"; stop_pid "$r_nginx"
  r_redis="" r_nginx=""
}

apps_kernel_down() {
  stop_pid "$k_redis"; stop_pid "$k_nginx"
  k_redis="" k_nginx=""
}

# Every app case on one stack (kernel | xtcp_run) for run RUN.
apps_cases() {  # STACK RUN
  local nginx=$ports_kernel_nginx redis=$ports_kernel_redis pids="$k_nginx $k_redis" t requests
  if [[ "$1" == xtcp_run ]]; then
    nginx=$ports_run_nginx redis=$ports_run_redis pids="$xtcpd_pid $r_nginx $r_redis"
  fi
  # ab: a new connection per request (no -k), for `seconds` (-n is only a cap).
  measure ab "$1" "$2" "size=64 clients=$apps_clients" "$pids" $(( seconds + 30 )) \
    ab -q -c "$apps_clients" -t "$seconds" -n 50000000 -s 10 "http://$DUT4:$nginx/r64"
  measure wrk "$1" "$2" "size=64 clients=$apps_clients" "$pids" $(( seconds + 30 )) \
    wrk -t 1 -c "$apps_clients" -d "${seconds}s" --latency "http://$DUT4:$nginx/r64"
  # redis-benchmark counts requests, not time: about `seconds` at 25k/s.
  requests=$(( seconds * 25000 ))
  for t in PING SET GET; do
    measure redis "$1" "$2" "test=$t clients=$apps_clients" "$pids" $(( seconds * 10 + 30 )) \
      redis-benchmark -h "$DUT4" -p "$redis" -c "$apps_clients" -n "$requests" -t "${t,,}" --csv
  done
  # Many clients (issue 17's 10,000): each of them sends a few requests.
  if (( apps_many_clients > 0 )); then
    requests=$(( apps_many_clients * 5 > seconds * 25000 ? apps_many_clients * 5 : seconds * 25000 ))
    measure redis "$1" "$2" "test=PING clients=$apps_many_clients" "$pids" $(( seconds * 5 + 30 )) \
      redis-benchmark -h "$DUT4" -p "$redis" -c "$apps_many_clients" -n "$requests" -t ping --csv
  fi
}
