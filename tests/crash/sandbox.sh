#!/usr/bin/env bash
# Issue 15, xtcpd's privileges once attached (userspace/daemon/sandbox.h):
#  * every thread of xtcpd runs under the seccomp filter with no_new_privs;
#    the control thread holds CAP_NET_BIND_SERVICE at most, the shard
#    threads nothing; the resolver helper (resolution_helper.h) holds
#    CAP_NET_ADMIN alone, its own filter, and no descriptor of the daemon's
#    but its socket;
#  * the sandboxed daemon still serves: an active open to a kernel server
#    whose MAC it must have the kernel resolve (through the helper), and a
#    passive open from the peer, hashed both ends;
#  * a system call outside the list (--sandbox-probe: SIGUSR1 makes xtcpd
#    call reboot) kills xtcpd with SIGSYS; the helper goes with it; the
#    kernel owns the link again (no XDP, ping, kernel TCP on the port), and
#    a new xtcpd serves.
# Usage: sandbox.sh BUILD_DIR   (netns prefix xtcr3, 10.72.0.0/24)

BASH_ARGV0="$(cd "$(dirname "$0")/../e2e" && pwd)/$(basename "$0")"
. "$(dirname "$0")/e2e_lib.sh"
e2e_init "${1:-}"
[ -z "$STANDIN" ] || { echo "SKIP: needs xtcpd (no stand-in mode)"; exit 77; }

e2e_up xtcr3 1 72
e2e_daemon --sandbox enforce --sandbox-probe yes
grep -q 'sandbox=enforce' "$T/xtcpd.log" || e2e_fail "xtcpd's ready line names no enforced sandbox"

CAP_NET_BIND_SERVICE=$((1 << 10))
CAP_NET_ADMIN=$((1 << 12))
field() { awk -v k="$1:" '$1 == k { print $2 }' "$2"; }
check_task() {  # STATUS_FILE WHAT ALLOWED_CAPS_MASK
  local seccomp nnp eff
  seccomp=$(field Seccomp "$1"); nnp=$(field NoNewPrivs "$1"); eff=$(field CapEff "$1")
  [ "$seccomp" = 2 ] || e2e_fail "$2: Seccomp: $seccomp (want 2, a filter)"
  [ "$nnp" = 1 ] || e2e_fail "$2: NoNewPrivs: $nnp (want 1)"
  (( (16#$eff & ~$3) == 0 )) || e2e_fail "$2: CapEff $eff holds more than $(printf %x "$3")"
  e2e_log "$2: Seccomp 2, NoNewPrivs 1, CapEff $eff"
}
n=0
for t in /proc/"$E2E_DAEMON_PID"/task/*; do
  tid=${t##*/}
  if [ "$tid" = "$E2E_DAEMON_PID" ]; then
    check_task "$t/status" "control thread $tid" "$CAP_NET_BIND_SERVICE"
  else
    check_task "$t/status" "shard thread $tid" 0
  fi
  n=$((n + 1))
done
[ "$n" -ge 2 ] || e2e_fail "xtcpd has $n thread(s); want the control thread and a shard"
HELPER=$(pgrep -P "$E2E_DAEMON_PID" | head -n 1)
[ -n "$HELPER" ] || e2e_fail "xtcpd has no resolver helper process"
[ "$(cat /proc/"$HELPER"/comm)" = xtcpd-resolver ] || e2e_fail "xtcpd's child is $(cat /proc/"$HELPER"/comm)"
check_task /proc/"$HELPER"/status "resolver helper $HELPER" "$CAP_NET_ADMIN"
[ "$(field CapEff /proc/"$HELPER"/status)" = "$(printf %016x "$CAP_NET_ADMIN")" ] ||
  e2e_fail "the resolver helper lacks CAP_NET_ADMIN"
fds=$(ls /proc/"$HELPER"/fd | sort -n | tr '\n' ' ')
[ "$fds" = "0 1 2 3 " ] || e2e_fail "the resolver helper holds descriptors $fds (want 0-3)"

# Serving under the filter: the neighbour cache is flushed first, so the
# active open needs the helper's resolution request.
e2e_step_active_open "$PEER4" 5002 5
e2e_step_bulk_in "$DUT4" 5001 5
e2e_daemon_alive

# The probe: a call outside the list.
kill -USR1 "$E2E_DAEMON_PID"
rc=0
e2e_wait_pid "$E2E_DAEMON_PID" 5 || rc=$?
[ "$rc" != 124 ] || e2e_fail "xtcpd still ran 5 s after the forbidden call"
[ "$rc" = $((128 + 31)) ] || e2e_fail "xtcpd ended with status $rc, not by SIGSYS (159)"
e2e_log "xtcpd killed by SIGSYS (status $rc) at the forbidden call"
E2E_DAEMON_PID=""
i=0
while kill -0 "$HELPER" 2>/dev/null; do
  [ $i -lt 50 ] || e2e_fail "the resolver helper outlived xtcpd by 5 s"
  sleep 0.1; i=$((i + 1))
done
e2e_step_kernel_owns_link 5001 "the forbidden call"

# And a new xtcpd (the default sandbox) takes the link over again.
e2e_daemon
e2e_step_bulk_in "$DUT4" 5003 5
e2e_pass
