# shellcheck shell=bash disable=SC2034  # variables are used by the tests
# Shared helpers for the netns integration tests; sourced, never run.
#
# A test calls `xt_setup PREFIX [netns.sh options]` first: it brings up its
# own copy of the topology (PREFIX-peer / PREFIX-dut, veth PREFIX-p /
# PREFIX-d), makes a temp dir and installs an EXIT trap that stops every
# daemon and helper it started, tears the namespaces down and removes the
# temp dir, also when the test fails half-way.
#
# Environment: XTCP_BUILD (build dir holding xtcpd and xtcpctl; default
# <repo>/build). ctest sets it to the configured build dir.

set -uo pipefail

XT_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
XTCP_BUILD=${XTCP_BUILD:-$XT_REPO/build}
XTCPD=$XTCP_BUILD/xtcpd
XTCPCTL=$XTCP_BUILD/xtcpctl
NETNS=$XT_REPO/vm-scripts/netns.sh
# Debian's interpreter: the one on PATH may be a pyenv build without scapy.
PY=/usr/bin/python3

PEER_IP4=10.77.0.1
DUT_IP4=10.77.0.2
PEER_IP6=fd77::1
DUT_IP6=fd77::2

XT_TEST=$(basename "$0" .sh)
XT_PREFIX=""
XT_TMP=""
XT_PIDS=()          # background helpers (socat, ...) to kill on exit
declare -A XT_DAEMONS=()   # name -> pid of each xtcpd started

log()  { echo "[$XT_TEST] $*"; }
fail() { echo "[$XT_TEST] FAIL: $*" >&2; exit 1; }
pass() { echo "[$XT_TEST] PASS: $*"; }

# wait_until SECONDS CMD...: poll CMD every 0.1 s; non-zero after SECONDS.
wait_until() {
  local limit=$1; shift
  local tries=$(( limit * 10 )) i
  for (( i = 0; i < tries; i++ )); do
    if "$@"; then return 0; fi
    sleep 0.1
  done
  return 1
}

in_peer() { ip netns exec "$PEER" "$@"; }
in_dut()  { ip netns exec "$DUT" "$@"; }

xt_setup() {
  XT_PREFIX=$1; shift
  PEER=$XT_PREFIX-peer
  DUT=$XT_PREFIX-dut
  PIF=$XT_PREFIX-p
  DIF=$XT_PREFIX-d
  (( EUID == 0 )) || fail "needs root (namespaces, XDP)"
  [[ -x "$XTCPD" ]] || fail "$XTCPD not found; build first (cmake --build build) or set XTCP_BUILD"
  [[ -x "$XTCPCTL" ]] || fail "$XTCPCTL not found; build first or set XTCP_BUILD"
  XT_TMP=$(mktemp -d "/tmp/xtcp-$XT_PREFIX.XXXXXX")
  trap xt_cleanup EXIT
  trap 'exit 130' INT TERM
  # netns.sh up tears down leftovers of a crashed earlier run first.
  "$NETNS" up "$XT_PREFIX" "$@" >/dev/null || fail "netns.sh up $XT_PREFIX $* failed"
}

xt_cleanup() {
  local rc=$? name pid
  trap - EXIT
  for name in "${!XT_DAEMONS[@]}"; do
    stop_pid "${XT_DAEMONS[$name]}" TERM
  done
  for pid in "${XT_PIDS[@]}"; do
    stop_pid "$pid" TERM
  done
  if (( rc != 0 )) && [[ -n "$XT_TMP" ]]; then
    for name in "$XT_TMP"/*.err; do
      [[ -s "$name" ]] && { echo "--- $name"; cat "$name"; } >&2
    done
  fi
  [[ -n "$XT_PREFIX" ]] && "$NETNS" down "$XT_PREFIX" >/dev/null 2>&1
  [[ -n "$XT_TMP" ]] && rm -rf "$XT_TMP"
  exit "$rc"
}

# stop_pid PID SIGNAL: signal and reap, waiting at most 5 s.
stop_pid() {
  local pid=$1 sig=$2
  kill -0 "$pid" 2>/dev/null || return 0
  kill "-$sig" "$pid" 2>/dev/null
  wait_until 5 pid_gone "$pid" || kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}

pid_gone() { ! kill -0 "$1" 2>/dev/null; }

# bg CMD...: start a helper in the background and remember it for cleanup.
# Pass a plain command (e.g. ip netns exec NS socat ...), not a shell
# function, so the pid is the helper's own and not a subshell's.
bg() {
  "$@" &
  XT_PIDS+=("$!")
}

# --- the daemon --------------------------------------------------------------

sock_of() { echo "$XT_TMP/$1.sock"; }

# start_xtcpd NAME ARGS...: xtcpd on the dut veth with its own socket; waits
# (at most 15 s) for its `ready` line. `ip netns exec` execs, so the pid is
# xtcpd's own.
start_xtcpd() {
  local name=$1; shift
  local out=$XT_TMP/$name.out err=$XT_TMP/$name.err pid
  : >"$out"   # exists before the poll below reads it
  ip netns exec "$DUT" "$XTCPD" --iface "$DIF" --socket "$(sock_of "$name")" "$@" \
    >"$out" 2>"$err" </dev/null &
  pid=$!
  XT_DAEMONS[$name]=$pid
  if ! wait_until 15 daemon_ready "$name" "$pid"; then
    fail "xtcpd $name ($*) not ready within 15 s: $(cat "$err")"
  fi
  grep -q '^ready' "$out" || fail "xtcpd $name exited before ready: $(cat "$err")"
  log "xtcpd $name ready (pid $pid): $(grep -m1 '^ready' "$out")"
}

daemon_ready() {
  grep -q '^ready' "$XT_TMP/$1.out" || pid_gone "$2"
}

daemon_pid() { echo "${XT_DAEMONS[$1]}"; }

# stats NAME: the daemon's stats JSON (one object) on stdout.
stats() {
  timeout 5 "$XTCPCTL" --socket "$(sock_of "$1")" stats --json
}

# counter NAME PATH: one counter from `xtcpctl stats --json`. PATH is dotted,
# e.g. bpf.reason_listener or queues.1.rx_frames; queues.*.X sums all queues.
counter() {
  local json
  json=$(stats "$1") || fail "xtcpctl stats for $1 failed"
  "$PY" -c '
import json, sys
obj = json.loads(sys.argv[1])
def walk(node, keys):
    if not keys:
        return node
    key, rest = keys[0], keys[1:]
    if key == "*":
        return sum(walk(item, rest) for item in node)
    if isinstance(node, list):
        return walk(node[int(key)], rest)
    return walk(node[key], rest)
print(walk(obj, sys.argv[2].split(".")))
' "$json" "$2" || fail "stats of $1 have no $2: $json"
}

# xdp_attached: does the dut veth carry an XDP program?
xdp_attached() { ip -n "$DUT" link show dev "$DIF" | grep -q xdp; }

# --- kernel TCP helpers ---------------------------------------------------------

# random_file PATH MB
random_file() { head -c "$(( $2 * 1024 * 1024 ))" /dev/urandom >"$1"; }

sha() { sha256sum "$1" | cut -d' ' -f1; }

# listening NS PORT: a kernel TCP listener exists on PORT in NS.
listening() {
  ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q .
}

# kernel_transfer NAME SERVER_NS CLIENT_NS SERVER_ADDR PORT DIRECTION
# DIRECTION "up": the client sends a random file to the server; "down": the
# server sends it to the client. Asserts size and sha256 equal at both ends.
kernel_transfer() {
  local name=$1 srv_ns=$2 cli_ns=$3 addr=$4 port=$5 dir=$6
  local src=$XT_TMP/$name.src dst=$XT_TMP/$name.dst srv_pid
  random_file "$src" 4
  rm -f "$dst"
  if [[ $dir == up ]]; then
    ip netns exec "$srv_ns" timeout 30 socat -u \
      "TCP6-LISTEN:$port,reuseaddr,ipv6only=0" "CREATE:$dst" 2>"$XT_TMP/$name.err" &
  else
    ip netns exec "$srv_ns" timeout 30 socat -u \
      "OPEN:$src" "TCP6-LISTEN:$port,reuseaddr,ipv6only=0" 2>"$XT_TMP/$name.err" &
  fi
  srv_pid=$!
  XT_PIDS+=("$srv_pid")
  wait_until 5 listening "$srv_ns" "$port" || fail "$name: no listener on $port"
  local target="TCP:$addr:$port,connect-timeout=5"
  [[ $addr == *:* ]] && target="TCP6:[$addr]:$port,connect-timeout=5"
  if [[ $dir == up ]]; then
    ip netns exec "$cli_ns" timeout 30 socat -u "OPEN:$src" "$target" ||
      fail "$name: client could not send to $addr:$port"
  else
    ip netns exec "$cli_ns" timeout 30 socat -u "$target" "CREATE:$dst" ||
      fail "$name: client could not receive from $addr:$port"
  fi
  wait "$srv_pid" || fail "$name: server on $port exited with $?"
  [[ -f "$dst" ]] || fail "$name: nothing received"
  local want got
  want=$(sha "$src"); got=$(sha "$dst")
  [[ "$want" == "$got" ]] ||
    fail "$name: sha256 differs: sent $want ($(file_size "$src") B), got $got ($(file_size "$dst") B)"
  log "$name: $(file_size "$dst") bytes to $addr:$port ($dir), sha256 equal"
}

file_size() { stat -c %s "$1"; }

# passive_opens NS: the kernel's TcpPassiveOpens in NS (SYNs it answered);
# -s leaves nstat's history file alone.
passive_opens() {
  ip netns exec "$1" nstat -asz TcpPassiveOpens | awk '/TcpPassiveOpens/ { print $2 }'
}

# try_connect NS ADDR PORT SECONDS: one kernel TCP connect; 0 when it succeeded.
try_connect() {
  local target="TCP:$2:$3,connect-timeout=$4"
  [[ $2 == *:* ]] && target="TCP6:[$2]:$3,connect-timeout=$4"
  ip netns exec "$1" timeout "$(( $4 + 2 ))" socat -u /dev/null "$target" 2>/dev/null
}
