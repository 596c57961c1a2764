#!/usr/bin/python3
"""compare.sh's record.py fails a one-connection RR run whose window was
mostly spent in no timed transaction (a stalled transaction cut off at the
window's end) instead of letting it into the medians, and keeps a healthy
run. Figures from bench/results/compare-20261129T230103Z.json's stalled
kernel run and a consistent one.

    record_stall_test.py BENCH_DIR
"""
import sys
import types

sys.path.insert(0, sys.argv[1] + "/compare_lib")
import record  # noqa: E402

args = types.SimpleNamespace(kind="rr", t0=0.0, hz=100)


def tool(transactions, mean_us, seconds=2.0):
    return {"transactions": transactions, "transactions_per_s": transactions / seconds,
            "latency_us_p50": mean_us, "latency_us_p99": mean_us * 2, "latency_us_p999": mean_us * 4,
            "latency_us_mean": mean_us, "seconds": seconds, "connections": 1, "setup_s": 0.0}


failures = []
m, err = record.rr_metrics(tool(22669, 43.5), args, [])  # 1.01 s of 2 s untimed
if m is not None or "RR window mostly untimed: 1.01 s of 2.00 s" not in err:
    failures.append(f"stalled run not failed: {m} / {err!r}")
m, err = record.rr_metrics(tool(45000, 44.0), args, [])  # 0.02 s untimed
if m is None or err or m["untimed_s"] > 0.05:
    failures.append(f"healthy run rejected: {m} / {err!r}")
scale = dict(tool(22669, 44.7), connections=100)  # many connections overlap: no such check
m, err = record.rr_metrics(scale, types.SimpleNamespace(kind="scale", t0=0.0, hz=100), [])
if m is None:
    failures.append(f"scale run rejected: {err!r}")
for f in failures:
    print("record_stall_test:", f, file=sys.stderr)
sys.exit(1 if failures else 0)
