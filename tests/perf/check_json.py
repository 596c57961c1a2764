#!/usr/bin/python3
"""Checks one figure in a JSON document: check_json.py FILE PATH OP VALUE.

PATH is dot-separated keys (end.sum_received.bits_per_second); OP is one of
gt, ge, eq, le. Exits 0 when the comparison holds, 1 (with the reason) when
it does not or the file is not JSON. Used by perf_loopback.sh and
perf_netns.sh."""
import json
import sys


def main():
    path, key, op, want = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError, IndexError) as e:
        print(f"{path}: not JSON ({e})")
        return 1
    v = doc
    for part in key.split("."):
        if not isinstance(v, dict) or part not in v:
            print(f"{path}: no {key}")
            return 1
        v = v[part]
    ok = {"gt": v > want, "ge": v >= want, "eq": v == want, "le": v <= want}[op]
    print(f"{key} = {v} ({'ok' if ok else 'expected ' + op + ' ' + str(want)})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
