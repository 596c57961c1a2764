#!/usr/bin/python3
"""Checks a compare.sh --smoke result directory: one compare-*.json whose
every required figure has a median on every stack it is meant for, plus
the idle xtcpd figure, the raw AF_XDP rx and tx figures and the plots.
The values are not judged (they are benchmark figures, not tests); a
missing figure names its case, stack and the run's error.

    check_figures.py DIR
"""
import glob
import json
import os
import sys

# (workload, metric, params that must match, stacks)
REQUIRED = [
    ("bulk", "gbps", {"dir": "in", "streams": 1}, ("kernel", "kernel_xdp", "xtcp", "xtcp_run")),
    ("bulk", "gbps", {"dir": "out", "streams": 1}, ("kernel", "kernel_xdp", "xtcp", "xtcp_run")),
    ("bulk", "cpu_s_per_gb", {"dir": "in", "streams": 1}, ("kernel", "kernel_xdp", "xtcp")),
    ("rr", "tps", {}, ("kernel", "xtcp")),
    ("rr", "p50_us", {}, ("kernel", "xtcp")),
    ("rr", "p99_us", {}, ("kernel", "xtcp")),
    ("rr", "p999_us", {}, ("kernel", "xtcp")),
    ("rr", "cpu_us_per_txn", {}, ("kernel", "xtcp")),
    ("crr", "cps", {}, ("kernel", "xtcp")),
    ("scale", "tps", {}, ("kernel", "xtcp")),
    ("scale", "cpu_us_per_txn", {}, ("kernel", "xtcp")),
    # Unmodified sockperf on kernel TCP and under xtcp-run (issue 7).
    ("sockperf", "p50_us", {}, ("kernel", "xtcp_run")),
    ("sockperf", "p99_us", {}, ("kernel", "xtcp_run")),
    ("sockperf", "tps", {}, ("kernel", "xtcp_run")),
    # Unmodified nginx and redis with their own clients (issue 17).
    ("ab", "cps", {}, ("kernel", "xtcp_run")),
    ("wrk", "tps", {}, ("kernel", "xtcp_run")),
    ("wrk", "p99_us", {}, ("kernel", "xtcp_run")),
    ("redis", "tps", {"test": "PING"}, ("kernel", "xtcp_run")),
    ("redis", "tps", {"test": "SET"}, ("kernel", "xtcp_run")),
    ("redis", "tps", {"test": "GET"}, ("kernel", "xtcp_run")),
    # The loss rows at compare.sh's default 1 % both ways (issue 13).
    ("bulk", "gbps", {"dir": "out", "loss": 1}, ("kernel", "xtcp")),
    ("bulk", "gbps", {"dir": "in", "loss": 1}, ("kernel", "xtcp")),
    ("rr", "tps", {"loss": 1, "size": 16384}, ("kernel", "xtcp")),
]


def problems(result, directory):
    out = []
    figures = result.get("figures", [])
    for workload, metric, params, stacks in REQUIRED:
        match = [f for f in figures if f["workload"] == workload and f["metric"] == metric and
                 all(str(f["params"].get(k)) == str(v) for k, v in params.items())]
        what = f"{workload} {metric} {params or ''}".strip()
        if not match:
            out.append(f"no figure for {what}")
            continue
        for st in stacks:
            e = match[0]["stacks"].get(st)
            if not e or not isinstance(e.get("median"), (int, float)):
                why = "; ".join((e or {}).get("errors", [])) or "not measured"
                out.append(f"{what} on {st}: no figure ({why})")
    idle = result.get("idle") or []
    if not idle or not isinstance(idle[0].get("pct_of_core"), (int, float)):
        out.append("no idle xtcpd CPU figure")
    raw = (result.get("raw_afxdp") or {}).get("summary", [])
    for case in ("rx", "tx"):
        if not any(e["case"] == case and e.get("mpps_median", 0) > 0 for e in raw):
            out.append(f"no raw AF_XDP {case} figure")
    for name in ("goodput", "latency", "apps"):
        if not glob.glob(os.path.join(directory, f"compare-*-{name}.png")):
            out.append(f"no {name} plot")
    return out


def main():
    if len(sys.argv) != 2:
        print("usage: check_figures.py DIR", file=sys.stderr)
        return 2
    files = sorted(glob.glob(os.path.join(sys.argv[1], "compare-*.json")))
    if len(files) != 1:
        print(f"check_figures: expected one compare-*.json in {sys.argv[1]}, found {len(files)}")
        return 1
    with open(files[0]) as f:
        result = json.load(f)
    found = problems(result, sys.argv[1])
    for p in found:
        print("MISSING:", p)
    if found:
        return 1
    n = sum(len(f["stacks"]) for f in result["figures"])
    print(f"check_figures: all required figures present ({n} figure cells, "
          f"{len(result['samples'])} runs) in {os.path.basename(files[0])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
