#!/usr/bin/env python3
"""Turns one measurement into one JSON line of compare.sh's samples.

    record.py bulk|rr|crr|scale|sockperf|ab|wrk|redis --stack S --run N --case NAME
              --tool FILE --cpu FILE --t0 T --t1 T [--hz HZ] [--rc N] [--stderr FILE]
              [key=value ...]
    record.py --describe < SAMPLE_LINE      (one progress line)

--tool is what the client printed (iperf3 -J, xtcp-perf client --json, or
the text of sockperf pp, whose percentile lines may be on stderr, ab, wrk
--latency or redis-benchmark --csv),
--cpu what cpu_sampler.py printed for the dut's processes, --t0/--t1 the
wall time just before the client started and just after it ended. The dut
CPU of a workload is the growth of its processes' on-CPU time over the
client's measured window: the whole run for bulk, the window after the
connections were set up for rr/scale (setup_s), the whole window for crr.
A run whose tool failed is recorded with ok=false and the reason, and so is
a one-connection RR run whose window was mostly untimed (a stall).
"""
import argparse
import json
import re
import sys

# One-connection RR: a run whose window is more than this fraction untimed
# (window minus transactions x mean latency) fails; from 0.25 on it is
# flagged in its progress line and in RESULTS.md's warnings.
STALL_FAIL_FRACTION = 0.5


def load_tool(path):
    try:
        with open(path) as f:
            text = f.read()
    except OSError as e:
        return None, f"no output ({e.strerror})"
    try:
        return json.loads(text), ""
    except json.JSONDecodeError:
        # xtcp-perf prints one JSON line; keep the last parseable one.
        for line in reversed(text.splitlines()):
            try:
                return json.loads(line), ""
            except json.JSONDecodeError:
                continue
    return None, "output is not JSON: " + text.strip()[-200:]


def load_cpu(path):
    rows = []
    try:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3:
                    rows.append((float(parts[0]), int(parts[1]), int(parts[2])))
    except (OSError, ValueError):
        pass
    return rows


def at(rows, t, col):
    """Column col interpolated at wall time t (clipped to the samples)."""
    if t <= rows[0][0]:
        return rows[0][col]
    for a, b in zip(rows, rows[1:]):
        if a[0] <= t <= b[0]:
            if b[0] == a[0]:
                return b[col]
            return a[col] + (b[col] - a[col]) * (t - a[0]) / (b[0] - a[0])
    return rows[-1][col]


def window_cpu(rows, start, end, hz):
    """(dut process seconds, machine busy seconds) between start and end."""
    if len(rows) < 2 or end <= start:
        return None, None
    dut = (at(rows, end, 1) - at(rows, start, 1)) / 1e9
    machine = (at(rows, end, 2) - at(rows, start, 2)) / hz
    return dut, machine


def bulk_metrics(tool, args, rows):
    if "error" in tool:
        return None, "iperf3: " + str(tool["error"])
    end = tool.get("end", {})
    recv = end.get("sum_received") or {}
    sent = end.get("sum_sent") or {}
    if not recv.get("bits_per_second"):
        return None, "iperf3 reported no received bytes"
    dut, machine = window_cpu(rows, args.t0, args.t1, args.hz)
    gbytes = recv["bytes"] / 1e9
    m = {"gbps": recv["bits_per_second"] / 1e9, "bytes": recv["bytes"],
         "seconds": recv.get("seconds"), "retransmits": sent.get("retransmits")}
    cpu_util = end.get("cpu_utilization_percent") or {}
    m["peer_cpu_pct"] = cpu_util.get("host_total")
    if dut is not None and gbytes > 0:
        m.update(dut_cpu_s=dut, machine_cpu_s=machine,
                 cpu_s_per_gb=dut / gbytes, machine_cpu_s_per_gb=machine / gbytes)
    return m, ""


def rr_metrics(tool, args, rows):
    if tool.get("failure"):
        return None, "xtcp-perf: " + tool["failure"]
    if not tool.get("transactions"):
        return None, f"no transaction completed ({tool.get('errors', '?')} errors)"
    if tool.get("corrupt"):
        return None, f"{tool['corrupt']} responses differed from their requests"
    m = {"tps": tool["transactions_per_s"], "transactions": tool["transactions"],
         "p50_us": tool["latency_us_p50"], "p99_us": tool["latency_us_p99"],
         "p999_us": tool["latency_us_p999"], "errors": tool.get("errors", 0),
         "setup_s": tool.get("setup_s", 0.0), "window_s": tool["seconds"]}
    # RR, one connection: the window minus the sum of its latencies is time no
    # transaction was timed (a stall cut off at the window's end, or time
    # between transactions); large values make tps disagree with p50.
    if args.kind != "crr" and tool.get("connections") == 1 and tool.get("latency_us_mean") is not None:
        m["untimed_s"] = max(0.0, tool["seconds"] - tool["transactions"] * tool["latency_us_mean"] / 1e6)
        # A window mostly spent in no timed transaction measured a stall,
        # not the stack: its transactions/s and percentiles describe
        # different things, so the run fails instead of entering a median.
        if m["untimed_s"] > STALL_FAIL_FRACTION * m["window_s"]:
            return None, (f"RR window mostly untimed: {m['untimed_s']:.2f} s of {m['window_s']:.2f} s in no "
                          f"timed transaction ({m['transactions']} transactions, p50 {m['p50_us']:.1f} us): "
                          "a transaction stalled; the run is discarded")
    if args.kind == "crr":
        m["cps"] = tool.get("connections_per_s", tool["transactions_per_s"])
    # The measured window starts once every connection is up (rr/scale).
    start = args.t0 + (tool.get("setup_s") or 0.0)
    dut, machine = window_cpu(rows, start, start + tool["seconds"], args.hz)
    if dut is not None:
        n = tool["transactions"]
        m.update(dut_cpu_s=dut, machine_cpu_s=machine,
                 cpu_us_per_txn=dut / n * 1e6, machine_cpu_us_per_txn=machine / n * 1e6)
    return m, ""


def sockperf_metrics(text, args, rows):
    """sockperf pp --full-rtt's summary: round-trip percentiles (us) and rate."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    valid = re.search(r"\[Valid Duration\] RunTime=([0-9.]+) sec; SentMessages=(\d+); "
                      r"ReceivedMessages=(\d+)", text)
    pct = {float(q): float(v) for q, v in re.findall(r"percentile ([0-9.]+) =\s*([0-9.]+)", text)}
    if not valid or not all(q in pct for q in (50.0, 99.0, 99.9)):
        return None, "sockperf printed no summary: " + text.strip()[-200:]
    seconds, received = float(valid.group(1)), int(valid.group(3))
    if received == 0 or seconds <= 0:
        return None, "sockperf: no message came back"
    m = {"tps": received / seconds, "transactions": received, "p50_us": pct[50.0],
         "p99_us": pct[99.0], "p999_us": pct[99.9], "window_s": seconds}
    # sockperf's valid window ends with the run: cut the CPU to its last `seconds`.
    dut, machine = window_cpu(rows, args.t1 - seconds, args.t1, args.hz)
    if dut is not None:
        m.update(dut_cpu_s=dut, machine_cpu_s=machine,
                 cpu_us_per_txn=dut / received * 1e6, machine_cpu_us_per_txn=machine / received * 1e6)
    return m, ""


def _whole_run_cpu(m, args, rows, n):
    m["window_s"] = args.t1 - args.t0
    dut, machine = window_cpu(rows, args.t0, args.t1, args.hz)
    if dut is not None and n:
        m.update(dut_cpu_s=dut, machine_cpu_s=machine,
                 cpu_us_per_txn=dut / n * 1e6, machine_cpu_us_per_txn=machine / n * 1e6)


def ab_metrics(text, args, rows):
    """ab (keep-alive off): a connection per request. Its percentiles are
    whole milliseconds ("Percentage of the requests served within")."""
    rps = re.search(r"Requests per second:\s+([0-9.]+)", text)
    done = re.search(r"Complete requests:\s+(\d+)", text)
    failed = re.search(r"Failed requests:\s+(\d+)", text)
    non2xx = re.search(r"Non-2xx responses:\s+(\d+)", text)
    pct = {int(q): float(v) for q, v in re.findall(r"^\s*(\d+)%\s+(\d+)", text, re.M)}
    if not rps or not done or 50 not in pct or 99 not in pct:
        return None, "ab printed no summary: " + text.strip()[-200:]
    if failed and int(failed.group(1)):
        return None, f"ab: {failed.group(1)} of {done.group(1)} requests failed"
    if non2xx and int(non2xx.group(1)):
        return None, f"ab: {non2xx.group(1)} responses were not 2xx"
    n = int(done.group(1))
    m = {"cps": float(rps.group(1)), "transactions": n, "p50_us": pct[50] * 1000, "p99_us": pct[99] * 1000}
    _whole_run_cpu(m, args, rows, n)
    return m, ""


def _duration_us(value, unit):
    return float(value) * {"us": 1, "ms": 1e3, "s": 1e6, "m": 6e7}[unit]


def wrk_metrics(text, args, rows):
    """wrk --latency: requests/s over keep-alive connections, latency
    percentiles from its distribution."""
    rps = re.search(r"Requests/sec:\s+([0-9.]+)", text)
    total = re.search(r"(\d+) requests in ([0-9.]+)(us|ms|s|m)", text)
    pct = {int(q): _duration_us(v, u) for q, v, u in
           re.findall(r"^\s*(\d+)%\s+([0-9.]+)(us|ms|s|m)\s*$", text, re.M)}
    if not rps or not total or 50 not in pct or 99 not in pct:
        return None, "wrk printed no summary: " + text.strip()[-200:]
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if errors and any(int(x) for x in errors.groups()):
        return None, "wrk: " + errors.group(0)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if bad and int(bad.group(1)):
        return None, f"wrk: {bad.group(1)} responses were not 2xx or 3xx"
    n = int(total.group(1))
    m = {"tps": float(rps.group(1)), "transactions": n, "p50_us": pct[50], "p99_us": pct[99]}
    _whole_run_cpu(m, args, rows, n)
    return m, ""


def redis_metrics(text, args, rows, test):
    """redis-benchmark --csv: one row per test ("PING_MBULK" for PING)."""
    want = {"PING": "PING_MBULK"}.get(test, test)
    header = None
    for line in text.splitlines():
        cells = [c.strip('"') for c in line.strip().split('","')]
        if cells and cells[0] == "test":
            header = cells
        elif header and cells and cells[0] == want and len(cells) == len(header):
            row = dict(zip(header, cells))
            try:
                rps = float(row["rps"])
                n = int(rps * max(args.t1 - args.t0, 0)) or 1
                m = {"tps": rps, "p50_us": float(row["p50_latency_ms"]) * 1000,
                     "p99_us": float(row["p99_latency_ms"]) * 1000}
            except (KeyError, ValueError):
                return None, "redis-benchmark: unexpected CSV row: " + line[:200]
            _whole_run_cpu(m, args, rows, n)
            return m, ""
    return None, f"redis-benchmark printed no {want} row: " + text.strip()[-200:]


TEXT_TOOLS = {"sockperf", "ab", "wrk", "redis"}


def describe(line):
    """One progress line for a sample (compare.sh prints it as it goes)."""
    s = json.loads(line)
    params = " ".join(f"{k}={v}" for k, v in s["params"].items())
    head = f"{s['workload']} {params} {s['stack']} run {s['run']}: "
    if not s["ok"]:
        return head + "FAILED: " + s["error"]
    m = s["metrics"]
    cpu = ""
    if s["workload"] == "bulk":
        if m.get("cpu_s_per_gb") is not None:
            cpu = f", dut CPU {m['cpu_s_per_gb']:.3f} s/GB"
        return head + f"{m['gbps']:.2f} Gbit/s, {m.get('retransmits')} retransmits{cpu}"
    if m.get("cpu_us_per_txn") is not None:
        cpu = f", dut CPU {m['cpu_us_per_txn']:.1f} us/transaction"
    rate = f"{m['cps']:.0f} conn/s" if "cps" in m else f"{m['tps']:.0f} trans/s"
    stall = ""
    if m.get("untimed_s", 0) > 0.25 * m.get("window_s", 0):
        stall = f"; {m['untimed_s']:.2f} s of the window untimed (stall?)"
    pct = " ".join(f"{name} {m[key]:.1f}" for name, key in (("p50", "p50_us"), ("p99", "p99_us"),
                                                            ("p99.9", "p999_us")) if key in m)
    return head + f"{rate}, {pct} us{cpu}{stall}"


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "--describe":
        print(describe(sys.stdin.read()))
        return 0
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["bulk", "rr", "crr", "scale", "sockperf", "ab", "wrk", "redis"])
    ap.add_argument("--stack", required=True)
    ap.add_argument("--run", type=int, required=True)
    ap.add_argument("--case", required=True)
    ap.add_argument("--tool", required=True)
    ap.add_argument("--cpu", required=True)
    ap.add_argument("--t0", type=float, required=True)
    ap.add_argument("--t1", type=float, required=True)
    ap.add_argument("--hz", type=float, default=100.0)
    ap.add_argument("--rc", type=int, default=0)
    ap.add_argument("--stderr", help="the client's stderr, quoted when the run failed")
    ap.add_argument("params", nargs="*", help="key=value pairs kept with the sample")
    args = ap.parse_intermixed_args()
    params = {}
    for kv in args.params:
        k, _, v = kv.partition("=")
        params[k] = int(v) if v.isdigit() else v
    sample = {"workload": args.kind, "case": args.case, "stack": args.stack, "run": args.run,
              "params": params, "wall_s": args.t1 - args.t0, "ok": False, "error": ""}
    rows = load_cpu(args.cpu)
    if args.kind in TEXT_TOOLS:  # text, not JSON
        try:
            text = open(args.tool).read() + "\n" + (open(args.stderr).read() if args.stderr else "")
        except OSError as e:
            text = ""
            why = f"no output ({e.strerror})"
        tool = None
        if text:
            if args.kind == "sockperf":
                metrics, why = sockperf_metrics(text, args, rows)
            elif args.kind == "ab":
                metrics, why = ab_metrics(text, args, rows)
            elif args.kind == "wrk":
                metrics, why = wrk_metrics(text, args, rows)
            else:
                metrics, why = redis_metrics(text, args, rows, str(params.get("test", "")))
            if metrics is not None:
                sample["metrics"] = metrics
                sample["ok"] = True
    else:
        tool, why = load_tool(args.tool)
    if tool is not None:
        fn = bulk_metrics if args.kind == "bulk" else rr_metrics
        metrics, why = fn(tool, args, rows)
        if metrics is not None:
            sample["metrics"] = metrics
            sample["ok"] = True
    if not sample["ok"]:
        sample["error"] = why or f"client exited with status {args.rc}"
        if args.rc == 124:
            sample["error"] += " (timed out)"
        try:
            err = open(args.stderr).read().strip() if args.stderr else ""
        except OSError:
            err = ""
        if err:
            sample["error"] += "; stderr: " + err[-300:]
    print(json.dumps(sample))
    return 0


if __name__ == "__main__":
    sys.exit(main())
