# shellcheck shell=sh
# Sourced by tests/hostile/*.sh after tests/e2e/e2e_lib.sh: exports what the
# scapy scripts (hostile_lib.Env) read and runs one of them in the peer
# namespace with Debian's python3 (python3-scapy; pyenv's python3 has none).
#
#   hostile_env           after e2e_up and e2e_daemon
#   hostile_py SCRIPT...  runs tests/hostile/SCRIPT in the peer, fails on !=0

HOSTILE_DIR=$(cd "$(dirname "$0")" && pwd)
# e2e_lib.sh set E2E_DIR from $0 (this folder); its functions need tests/e2e.
# shellcheck disable=SC2034
E2E_DIR=$(cd "$HOSTILE_DIR/../e2e" && pwd)

hostile_env() {
  [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import scapy' 2>/dev/null ||
    { echo "SKIP: /usr/bin/python3 with python3-scapy is needed"; exit 77; }
  export HOSTILE_PIF="$PIF" HOSTILE_DUT_NS="$DUT" HOSTILE_BUILD="$B" HOSTILE_TMP="$T"
  export HOSTILE_PEER4="$PEER4" HOSTILE_DUT4="$DUT4" HOSTILE_GHOST4="10.$NET.0.9"
  export HOSTILE_DAEMON_PID="$E2E_DAEMON_PID"
  HOSTILE_PEER_MAC=$(ip -n "$PEER" -br link show dev "$PIF" | awk '{print $3}')
  HOSTILE_DUT_MAC=$(ip -n "$DUT" -br link show dev "$DIF" | awk '{print $3}')
  export HOSTILE_PEER_MAC HOSTILE_DUT_MAC
  # Flows scapy drives itself come from GHOST4, an address no kernel owns:
  # the dut reaches it at the peer's MAC (a static neighbour), and the
  # peer's kernel, not owning it and not forwarding, drops what the dut
  # sends there instead of answering with a RST.
  ip -n "$DUT" neigh replace "$HOSTILE_GHOST4" lladdr "$HOSTILE_PEER_MAC" dev "$DIF" nud permanent
  ip netns exec "$PEER" sysctl -qw net.ipv4.ip_forward=0
}

hostile_py() {  # SCRIPT [ARGS...]
  _s=$1; shift
  _rc=0
  ip netns exec "$PEER" /usr/bin/python3 "$HOSTILE_DIR/$_s" "$@" || _rc=$?
  e2e_daemon_alive
  [ "$_rc" = 0 ] || e2e_fail "$_s: $_rc (see the FAIL lines above)"
}
