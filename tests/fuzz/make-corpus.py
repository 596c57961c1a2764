#!/usr/bin/python3
# Regenerates the committed seed corpora with scapy (Debian's python3-scapy,
# hence /usr/bin/python3). Run from anywhere; writes tests/fuzz/corpus/.
import os
from scapy.all import Ether, Dot1Q, IP, IPv6, TCP, raw

here = os.path.dirname(os.path.abspath(__file__))
mac = dict(dst="02:00:00:00:00:02", src="02:00:00:00:00:01")
v4 = dict(src="10.77.0.1", dst="10.77.0.2")
v6 = dict(src="fd77::1", dst="fd77::2")
syn_opts = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1, 0)), ("NOP", None), ("WScale", 7)]
ts = [("NOP", None), ("NOP", None), ("Timestamp", (100, 200))]
sack = ts + [("NOP", None), ("NOP", None), ("SAck", (1000, 2000, 3000, 4000))]

frames = {
    "syn_v4": Ether(**mac) / IP(flags="DF", **v4) / TCP(sport=40000, dport=5201, flags="S", seq=1, options=syn_opts),
    "synack_v6": Ether(**mac) / IPv6(fl=7, **v6) / TCP(sport=5201, dport=40000, flags="SA", seq=9, ack=2, options=syn_opts),
    "data_v4": Ether(**mac) / IP(flags="DF", **v4) / TCP(flags="PA", seq=2, ack=10, options=ts) / (b"x" * 100),
    "sack_v4": Ether(**mac) / IP(flags="DF", **v4) / TCP(flags="A", seq=2, ack=10, options=sack),
    "vlan_v6": Ether(**mac) / Dot1Q(vlan=100, prio=3) / IPv6(**v6) / TCP(flags="FA", options=ts) / b"bye",
}
options = {
    "syn": syn_opts,
    "ts": ts,
    "sack": sack,
    "mss_only": [("MSS", 536)],
    "unknown_kind": [("NOP", None), ("NOP", None), (30, b"\x01\x02")],
}

def write(target, name, data):
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

for name, pkt in frames.items():
    write("fuzz_wire_frame", name, raw(pkt))
# 54 bytes padded to the 60-byte Ethernet minimum, as a NIC delivers it.
write("fuzz_wire_frame", "rst_v4_padded",
      raw(Ether(**mac) / IP(**v4) / TCP(flags="R", seq=5)) + b"\0" * 6)
for name, opts in options.items():
    seg = raw(TCP(options=opts))
    write("fuzz_tcp_options", "area_" + name, seg[20:])   # as an options area
    write("fuzz_tcp_options", "segment_" + name, seg)     # as a whole header
