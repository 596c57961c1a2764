"""Checks `xtcpctl conns --json` output read from stdin.

  all-time-wait      every listed connection is in TIME_WAIT (exit 0)
  established PORT   a connection with local or peer port PORT is
                     ESTABLISHED with a non-zero RTT and cwnd (exit 0)
Field names for RTT and cwnd are found by prefix ("rtt", "cwnd"), so
rtt_us or rtt_ms both work. Prints what it saw; exit 1 otherwise.
"""
import collections
import json
import sys


def field(conn, prefix):
    for key, value in conn.items():
        if key.startswith(prefix) and not key.startswith("rttvar"):
            return key, value
    return prefix, None


def ports(conn):
    """Ports as integer fields (local_port) or address strings (10.0.0.1:80)."""
    if "local_port" in conn:
        return {conn.get("local_port"), conn.get("peer_port")}
    found = set()
    for value in conn.values():
        if isinstance(value, int):
            found.add(value)
        elif isinstance(value, str) and ":" in value:
            tail = value.rsplit(":", 1)[1].rstrip("]")
            if tail.isdigit():
                found.add(int(tail))
    return found


def main():
    doc = json.load(sys.stdin)
    conns = doc["connections"]
    if doc.get("total", len(conns)) != len(conns):
        print(f"total={doc.get('total')} but {len(conns)} rows")
        return 1
    if sys.argv[1] == "all-time-wait":
        states = collections.Counter(c.get("state") for c in conns)
        print(", ".join(f"{n} {s}" for s, n in sorted(states.items())) or "none")
        return 0 if set(states) <= {"TIME_WAIT"} else 1
    port = int(sys.argv[2])
    for conn in conns:
        if port not in ports(conn):
            continue
        rtt, cwnd = field(conn, "rtt"), field(conn, "cwnd")
        print(f"port {port}: state={conn.get('state')} {rtt[0]}={rtt[1]} {cwnd[0]}={cwnd[1]}")
        if conn.get("state") == "ESTABLISHED" and rtt[1] and cwnd[1]:
            return 0
    print(f"no ESTABLISHED connection with port {port}, rtt > 0 and cwnd > 0 in {conns}")
    return 1


sys.exit(main())
