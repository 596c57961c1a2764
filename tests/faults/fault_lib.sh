# shellcheck shell=sh
# The tc BPF fault injector (bpf/fault_inject.bpf.c) for tests: attached
# with tc (clsact, cls_bpf direct-action) to the PEER's veth only, set and
# read through bpftool by map id (no pinning: `ip netns exec` hides bpffs).
#
#   fault_attach NS DEV DIR OBJ   DIR egress (frames toward the dut) or
#                                 ingress (frames from it); faults off
#   fault_set DIR DROP_PPM BURST EVERY DUP_PPM
#   fault_stats DIR               "tcp=.. other=.. drop_random=.. ..."
#   fault_detach NS DEV           removes the clsact qdisc (and the filters)
#
# Sourced after e2e_lib.sh (uses e2e_fail). One attachment per DIR.

FAULT_STAT_NAMES="tcp other drop_random drop_burst drop_every dup dup_failed"

# The id of map NAME used by program PROG_ID.
fault_map_id() {  # PROG_ID NAME
  bpftool prog show id "$1" -j | python3 -c '
import json, subprocess, sys
for m in json.load(sys.stdin)["map_ids"]:
    info = json.loads(subprocess.check_output(["bpftool", "map", "show", "id", str(m), "-j"]))
    if info["name"] == sys.argv[1]:
        print(m)
' "$2"
}

fault_attach() {  # NS DEV DIR OBJ
  case "$3" in egress|ingress) ;; *) e2e_fail "fault_attach: direction must be egress or ingress" ;; esac
  [ -f "$4" ] || e2e_fail "fault_attach: $4 is missing (build target xtcp_fault_bpf)"
  ip netns exec "$1" tc qdisc replace dev "$2" clsact ||
    e2e_fail "fault_attach: cannot add a clsact qdisc to $2 in $1"
  ip netns exec "$1" tc filter replace dev "$2" "$3" pref 1 handle 1 bpf da obj "$4" sec tc ||
    e2e_fail "fault_attach: tc cannot load $4 on $2 $3"
  _prog=$(ip netns exec "$1" tc filter show dev "$2" "$3" | sed -n 's/.* id \([0-9]*\) name fault_inject.*/\1/p' | head -n1)
  [ -n "$_prog" ] || e2e_fail "fault_attach: no fault_inject program on $2 $3 after loading"
  _cfg=$(fault_map_id "$_prog" fi_config); _st=$(fault_map_id "$_prog" fi_state)
  _stats=$(fault_map_id "$_prog" fi_stats)
  [ -n "$_cfg" ] && [ -n "$_st" ] && [ -n "$_stats" ] || e2e_fail "fault_attach: maps of program $_prog not found"
  eval "FI_CFG_$3=$_cfg FI_STATE_$3=$_st FI_STATS_$3=$_stats"
}

# A u32 as four little-endian bytes for bpftool (x86 is little-endian).
fault_le32() { printf '%d %d %d %d' $(($1 & 255)) $((($1 >> 8) & 255)) $((($1 >> 16) & 255)) $((($1 >> 24) & 255)); }

fault_set() {  # DIR DROP_PPM BURST EVERY DUP_PPM
  eval "_cfg=\${FI_CFG_$1:-} _st=\${FI_STATE_$1:-}"
  [ -n "$_cfg" ] || e2e_fail "fault_set: no injector attached on $1"
  # shellcheck disable=SC2046  # word splitting makes the byte list
  bpftool map update id "$_cfg" key 0 0 0 0 value $(fault_le32 "$2") $(fault_le32 "$3") \
    $(fault_le32 "$4") $(fault_le32 "$5") || e2e_fail "fault_set: bpftool map update failed"
  # A new setting starts without a burst in progress.
  bpftool map update id "$_st" key 0 0 0 0 value 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 ||
    e2e_fail "fault_set: cannot reset the injector's state"
}

fault_stats() {  # DIR
  eval "_stats=\${FI_STATS_$1:-}"
  [ -n "$_stats" ] || e2e_fail "fault_stats: no injector attached on $1"
  bpftool map dump id "$_stats" -j | python3 -c '
import json, sys
names = sys.argv[1].split()
rows = json.load(sys.stdin)
tot = {r["formatted"]["key"]: sum(v["value"] for v in r["formatted"]["values"]) for r in rows}
print(" ".join("%s=%d" % (n, tot.get(i, 0)) for i, n in enumerate(names)))
' "$FAULT_STAT_NAMES"
}

# One counter from fault_stats.
fault_stat() {  # DIR NAME
  fault_stats "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

fault_detach() {  # NS DEV
  ip netns exec "$1" tc qdisc del dev "$2" clsact 2>/dev/null || true
}
