#!/bin/sh
# xsk-blast end to end: floods the dut's kernel from the peer namespace for a
# second per size and checks that the frames arrived as valid TCP (the dut's
# kernel counts them in TcpInSegs, none in TcpInCsumErrors / IpInHdrErrors),
# and that --json prints one well-formed object. Own namespaces (xtxb<pid>),
# removed on exit. Usage: blast_test.sh PATH/TO/xsk-blast
set -eu
blast="$1"
err=$(mktemp)
netns_pair_extra_cleanup() { rm -f "$err"; }
# shellcheck source=../lib/netns_pair.sh
. "$(dirname "$0")/../lib/netns_pair.sh"
netns_pair_up xtxb 1 - 80

counter() {  # namespace, nstat counter name
  ip netns exec "$1" nstat -az "$2" | awk -v n="$2" '$1 == n { print $2 }'
}
fail() { echo "FAIL: $*" >&2; exit 1; }

for size in 64 1514; do
  segs0=$(counter "$DUT" TcpInSegs)
  # No --dst-mac: xsk-blast resolves it through the kernel's neighbour table.
  out=$(ip netns exec "$PEER" "$blast" --iface "$PIF" --size "$size" --seconds 1 \
        --src-ip 10.80.0.1 --dst-ip 10.80.0.2 --dst-port 9 --json)
  echo "size $size: $out"
  frames=$(echo "$out" | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["size"]=='"$size"' and d["mode"]=="copy" and d["seconds"]>0.9; print(d["frames"])') \
    || fail "bad JSON: $out"
  [ "$frames" -gt 1000 ] || fail "only $frames frames sent"
  sleep 0.2
  segs=$(( $(counter "$DUT" TcpInSegs) - segs0 ))
  echo "size $size: dut kernel TcpInSegs +$segs"
  # veth may drop under overload, but most frames must arrive as valid TCP.
  [ "$segs" -gt $((frames / 10)) ] || fail "dut kernel saw only $segs of $frames segments"
done
[ "$(counter "$DUT" TcpInCsumErrors)" -eq 0 ] || fail "dut counted TCP checksum errors"
[ "$(counter "$DUT" IpInHdrErrors)" -eq 0 ] || fail "dut counted IPv4 header errors"

# Text mode and a clear error for a wrong interface.
ip netns exec "$PEER" "$blast" --iface "$PIF" --size 128 --seconds 0.2 --src-ip 10.80.0.1 \
  --dst-ip 10.80.0.2 --dst-mac 02:00:00:00:00:02 | grep -q "Mpps" || fail "text output"
if ip netns exec "$PEER" "$blast" --iface nosuch0 --size 64 --seconds 1 --src-ip 10.80.0.1 \
    --dst-ip 10.80.0.2 2>"$err"; then fail "bad interface accepted"; fi
grep -q "no interface named 'nosuch0'" "$err" || fail "unclear error: $(cat "$err")"
echo PASS
