#!/usr/bin/python3
"""Where a lossy transfer's time went, from a capture of its data sender.

Usage: bench/loss_pcap.py SENDER_IP FILE.pcap [FILE.pcap ...]
(captures from tests/faults/matrix.sh with FAULTS_PCAP=DIR, on the
receiver's side: every data segment is seen, dropped ones included).

For each file: the pauses in the sender's data stream longer than 1 ms,
split by what ended them (a retransmission or new data) and by length (an
RTO is >= 150 ms with Linux's and xtcp's 200 ms minimum; 20-150 ms is
typically the receiver's delayed ACK; 5-20 ms a tail loss probe), and the
histogram of the flight (highest sequence sent minus the latest ACK, in
segments) at each data segment sent: a small flight is a small cwnd.
"""
import collections
import sys

from scapy.all import IP, TCP, PcapReader  # python3-scapy (Debian)


def seq_after(a, b):
    return 0 < ((a - b) & 0xFFFFFFFF) < 0x80000000


def bucket(gap):
    for floor, name in ((0.15, ">=150ms"), (0.02, "20-150ms"), (0.005, "5-20ms")):
        if gap >= floor:
            return name
    return "1-5ms"


def analyse(sender, path):
    pauses, counts, flights = collections.Counter(), collections.Counter(), collections.Counter()
    first = prev = last = None
    highest = acked = None
    segs = resent = 0
    mss = 1
    for pkt in PcapReader(path):
        if IP not in pkt or TCP not in pkt:
            continue
        ip, tcp = pkt[IP], pkt[TCP]
        t = float(pkt.time)
        if ip.src != sender:
            if not tcp.flags.A:  # a SYN's acknowledgment field means nothing
                continue
            if acked is None or seq_after(tcp.ack, acked):
                acked = tcp.ack
            continue
        length = ip.len - ip.ihl * 4 - tcp.dataofs * 4
        if length <= 0:
            continue
        segs += 1
        mss = max(mss, length)
        end = (tcp.seq + length) & 0xFFFFFFFF
        is_resend = highest is not None and not seq_after(end, highest)
        if is_resend:
            resent += 1
        else:
            highest = end
        if prev is not None and t - prev > 0.001:
            key = ("resend" if is_resend else "new", bucket(t - prev))
            pauses[key] += t - prev
            counts[key] += 1
        if acked is not None:
            flights[min(((highest - acked) & 0xFFFFFFFF) // mss // 4 * 4, 64)] += 1
        first = t if first is None else first
        prev = last = t
    if first is None:
        print("%s: no data segments from %s" % (path, sender))
        return
    total = last - first
    print("%s: %.2f s, %d data segments, %d resent" % (path, total, segs, resent))
    for key in sorted(pauses):
        print("  pause then %-6s %-9s n=%5d  %.3f s" % (key[0], key[1], counts[key], pauses[key]))
    print("  pauses %.2f s of %.2f s" % (sum(pauses.values()), total))
    print("  flight at each send (segments, from):",
          ", ".join("%d+: %d" % kv for kv in sorted(flights.items())))


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: loss_pcap.py SENDER_IP FILE.pcap [FILE.pcap ...]")
    for path in sys.argv[2:]:
        analyse(sys.argv[1], path)


if __name__ == "__main__":
    main()
