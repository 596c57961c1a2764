#!/usr/bin/env python3
"""compare.sh's results: medians, ratios, targets, the JSON file, the table
on stdout and bench/RESULTS.md.

    aggregate.py --samples S.jsonl --meta META.json --out RESULT.json
                 [--idle IDLE.jsonl] [--raw RAW.json] [--results-md FILE] [--plots PREFIX]
    aggregate.py --from RESULT.json --out RESULT.json [--results-md FILE] [--plots PREFIX]
                 (recomputes figures, targets and notes of an earlier run)

Every figure is the median of its runs with min and max; the ratio is
xtcp / kernel (kernel = no XDP program on the dut). The issue's targets are
benchmark figures: each is reported as met or missed with its ratio, and
nothing here fails because a target was missed.
"""
import argparse
import json
import os
import statistics
import sys

STACKS = ("kernel", "kernel_xdp", "xtcp", "xtcp_run")
STACK_TITLES = {"kernel": "kernel", "kernel_xdp": "kernel+XDP", "xtcp": "xtcp",
                "xtcp_run": "xtcp-run"}
# Payload of a full-sized frame: MTU 1500 - IPv4 20 - TCP 20 - timestamps 12
# (both stacks negotiate RFC 7323 timestamps).
PAYLOAD_PER_FRAME = 1448
RAW_FRAME = 1514

# metric -> (title, unit, better)
METRICS = {
    "gbps": ("goodput", "Gbit/s", "higher"),
    "cpu_s_per_gb": ("dut CPU per GB", "CPU s/GB", "lower"),
    "tps": ("transactions/s", "1/s", "higher"),
    "cps": ("connections/s", "1/s", "higher"),
    "p50_us": ("latency p50", "us", "lower"),
    "p99_us": ("latency p99", "us", "lower"),
    "p999_us": ("latency p99.9", "us", "lower"),
    "cpu_us_per_txn": ("dut CPU per transaction", "CPU us", "lower"),
}
WORKLOAD_METRICS = {
    "bulk": ["gbps", "cpu_s_per_gb"],
    "sockperf": ["tps", "p50_us", "p99_us", "p999_us", "cpu_us_per_txn"],
    "rr": ["tps", "p50_us", "p99_us", "p999_us", "cpu_us_per_txn"],
    "crr": ["cps", "p50_us", "p99_us", "cpu_us_per_txn"],
    "scale": ["tps", "p99_us", "cpu_us_per_txn"],
    "ab": ["cps", "p50_us", "p99_us", "cpu_us_per_txn"],
    "wrk": ["tps", "p50_us", "p99_us", "cpu_us_per_txn"],
    "redis": ["tps", "p50_us", "p99_us", "cpu_us_per_txn"],
}
DIRECTIONS = {"in": "peer->dut", "out": "dut->peer"}
METHOD = [
    "Topology: two network namespaces joined by one veth pair (1 queue, MTU 1500, "
    "tests/lib/netns_pair.sh prefix xtbc); the peer always runs kernel TCP; its tx "
    "checksum offload is off (DESIGN.md), which also keeps its TSO off whatever `offloads "
    "default` says. `offloads off` is `ethtool -K IF tso off gso off gro off` on both ends "
    "(equal settings: with the dut's TSO/GSO on, kernel TCP sends 64 KB super-frames over "
    "the veth, which AF_XDP cannot).",
    "Stacks alternate run by run: each run measures every case on kernel TCP (no XDP "
    "program), then starts xtcpd and measures kernel+XDP (bulk only) and xtcp.",
    "Bulk: the real iperf3 client in the peer (`-R` for dut->peer, `-P 4` for 4 streams) "
    "against `iperf3 -s` (kernel, kernel+XDP) or `xtcp-perf server --stack xtcp` in the "
    "dut; goodput is iperf3's sum_received. `xtcp-run`: the same unmodified iperf3 binary "
    "(`iperf3 -s`) under `xtcp-run` (issue 7's LD_PRELOAD shim over libxtcp).",
    "sockperf: `sockperf pp --tcp -m 64 --full-rtt` in the peer against `sockperf sr --tcp` "
    "in the dut, on kernel TCP or under `xtcp-run`; percentiles are sockperf's round trips "
    "over its valid window (after its 400 ms warm-up).",
    "RR/CRR/scale: `xtcp-perf client --stack kernel` in the peer against `xtcp-perf "
    "server --mode rr` (an echo server) on either stack in the dut; latency is the round "
    "trip of one 64 B request and its response (CRR: connect to response; the loss rows' "
    "RR: 16384 B each way).",
    "dut CPU: on-CPU time (user+system, /proc/PID/task/*/schedstat) of the dut's "
    "processes, sampled every 0.1 s and cut to the client's measured window: the "
    "server app for kernel TCP (plus xtcpd for kernel+XDP), xtcpd plus the app for xtcp. Softirq work is counted "
    "where the kernel ran it in those processes' context (on veth much of the receive "
    "path runs in the sender's context, for both stacks alike); the machine-wide busy "
    "time (/proc/stat) is kept beside it in the JSON as machine_cpu_s, but other load on "
    "the machine pollutes it.",
    "Scale runs use their own xtcpd (`--conn-buffer 16384 --max-app-conns 20000`) so that "
    "10,000 connections fit the per-app ring budget; the rest run xtcpd's defaults.",
    "Unmodified programs: Debian's nginx (one worker, a 64 B file, no logging) and "
    "redis-server (no persistence) in the dut, on kernel TCP or the same binary and "
    "configuration under `xtcp-run`; in the peer `ab -c 50 -t S` (a connection per "
    "request; its percentiles are whole milliseconds), `wrk -t 1 -c 50 --latency` "
    "(keep-alive), `redis-benchmark -c 50 -t ping|set|get --csv` (PING is PING_MBULK) and "
    "`redis-benchmark -c 10000 -t ping` (not in --smoke; xtcpd runs with its defaults, which "
    "allow 8192 connections per app). "
    "dut CPU per request covers the client's whole run.",
    "Loss rows (issue 13, `--loss PCT`, default 1 %, 0 skips them): offloads off, "
    "gso_max_segs 1 on both veths (one frame is one segment for both stacks), and the tc BPF "
    "injector (bpf/fault_inject.bpf.c via tests/faults/fault_lib.sh) on the peer's veth, "
    "ingress and egress, dropping PCT % of the frames each way at random (data and ACKs, "
    "bursts of 1, no duplicates) while the loss rows' clients run; kernel TCP, then xtcp "
    "(xtcpd's defaults), in each run: bulk dut->peer (xtcp sends) and peer->dut (xtcp "
    "receives), 1 stream, and RR 16384 B over 1 connection, where every transaction ends in "
    "a tail whose loss costs a probe or an RTO. A stall inside a transaction is in its "
    "latency; only one cut off at the window's end is untimed (the RR stall rule).",
    "Nothing is pinned: with 2 cores, the peer, the dut's app and xtcpd share both.",
]


def case_label(s):
    label = _case_label(s)
    loss = s["params"].get("loss")
    return label if loss is None else f"{label}, {loss} % loss both ways"


def _case_label(s):
    p = s["params"]
    w = s["workload"]
    if w == "bulk":
        streams = f"{p['streams']} stream" + ("s" if int(p["streams"]) > 1 else "")
        return f"bulk {DIRECTIONS[p['dir']]}, {streams}, offloads {p['offload']}"
    if w == "rr":
        return f"RR {p['size']} B, 1 connection"
    if w == "crr":
        return f"CRR {p['size']} B"
    if w == "sockperf":
        return f"sockperf ping-pong {p['size']} B"
    if w == "ab":
        return f"nginx + ab, keep-alive off, {p['clients']} clients"
    if w == "wrk":
        return f"nginx + wrk, keep-alive, {p['clients']} connections"
    if w == "redis":
        return f"redis-benchmark {p['test']}, {p['clients']} clients"
    return f"scale: RR {p['size']} B, {p['connections']} connections"


def stats(values):
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def build_figures(samples):
    cases = []  # (workload, label) in order of first appearance
    for s in samples:
        key = (s["workload"], case_label(s))
        if key not in cases:
            cases.append(key)
    figures = []
    for workload, label in cases:
        rows = [s for s in samples if (s["workload"], case_label(s)) == (workload, label)]
        for metric in WORKLOAD_METRICS[workload]:
            title, unit, better = METRICS[metric]
            fig = {"figure": f"{label}: {title}", "case": label, "workload": workload,
                   "params": rows[0]["params"], "metric": metric, "unit": unit, "better": better,
                   "stacks": {}}
            for st in STACKS:
                mine = [s for s in rows if s["stack"] == st]
                if not mine:
                    continue
                vals = [s["metrics"][metric] for s in mine
                        if s["ok"] and s["metrics"].get(metric) is not None]
                entry = stats(vals) or {"median": None, "n": 0}
                entry["failed"] = sum(1 for s in mine if not s["ok"])
                errors = sorted({s["error"] for s in mine if not s["ok"]})
                if errors:
                    entry["errors"] = errors[:3]
                fig["stacks"][st] = entry
            fig["ratio"] = ratio(fig, "xtcp", "kernel")
            fig["ratio_xtcp_run"] = ratio(fig, "xtcp_run", "kernel")
            fig["ratio_vs_kernel_xdp"] = ratio(fig, "xtcp", "kernel_xdp")
            figures.append(fig)
    return figures


def median_of(fig, stack):
    e = fig["stacks"].get(stack) if fig else None
    return e.get("median") if e else None


def ratio(fig, a, b):
    x, y = median_of(fig, a), median_of(fig, b)
    return x / y if x is not None and y else None


def _loss_key(v):
    return None if v is None else str(v)


def find(figures, workload, metric, loss=None, **params):
    """The first figure of WORKLOAD and METRIC whose params match; the loss
    must match exactly (no loss= asks for a figure without loss)."""
    for f in figures:
        if f["workload"] == workload and f["metric"] == metric and \
           _loss_key(f["params"].get("loss")) == _loss_key(loss) and \
           all(str(f["params"].get(k)) == str(v) for k, v in params.items()):
            return f
    return None


def loss_levels(figures):
    """The loss params of the loss rows, in order of first appearance."""
    out = []
    for f in figures:
        v = f["params"].get("loss")
        if v is not None and v not in out:
            out.append(v)
    return out


def target(name, wanted, measured, ok_fn, note=""):
    met = None if measured is None else bool(ok_fn(measured))
    return {"target": name, "wanted": wanted, "measured": measured, "met": met, "note": note}


def raw_payload_gbps(raw, case):
    for e in (raw or {}).get("summary", []):
        if e["case"] == case and e["size"] == RAW_FRAME:
            return e["mpps_median"] * 1e6 * PAYLOAD_PER_FRAME * 8 / 1e9
    return None


def build_targets(figures, raw, idle):
    t = []
    for d in ("in", "out"):
        for off in ("off", "default"):
            f = find(figures, "bulk", "gbps", dir=d, streams=1, offload=off)
            if f:
                equal = " (equal settings)" if off == "off" else ""
                t.append(target(f"bulk {DIRECTIONS[d]}, 1 flow, offloads {off}{equal}: goodput xtcp/kernel",
                                ">= 1.0", f["ratio"], lambda r: r >= 1.0))
        f = find(figures, "bulk", "gbps", dir=d, streams=1, offload="off") or \
            find(figures, "bulk", "gbps", dir=d, streams=1, offload="default")
        limit = raw_payload_gbps(raw, "rx" if d == "in" else "tx")
        x = median_of(f, "xtcp")
        note = f"limit {limit:.2f} Gbit/s" if limit else "no raw AF_XDP figure"
        if x is not None and limit and x > limit:
            note += "; xtcp above it: the raw figure is a lower bound here (see the notes)"
        t.append(target(f"bulk {DIRECTIONS[d]}, 1 flow: xtcp / raw AF_XDP {'rx' if d == 'in' else 'tx'} "
                        f"limit ({RAW_FRAME} B frames x {PAYLOAD_PER_FRAME} B payload)",
                        ">= 0.85", x / limit if x is not None and limit else None, lambda r: r >= 0.85, note))
    f = find(figures, "rr", "p50_us")
    t.append(target("RR 64 B p50 latency xtcp/kernel", "<= 0.8", f and f["ratio"], lambda r: r <= 0.8))
    f = find(figures, "rr", "p99_us")
    t.append(target("RR 64 B p99 latency xtcp/kernel", "<= 1.0", f and f["ratio"], lambda r: r <= 1.0))
    f = find(figures, "crr", "cps")
    t.append(target("CRR connections/s xtcp/kernel", ">= 1.5", f and f["ratio"], lambda r: r >= 1.5))
    scale = [f for f in figures if f["workload"] == "scale" and f["metric"] == "cpu_us_per_txn"]
    if len(scale) >= 2:
        lo = min(scale, key=lambda f: int(f["params"]["connections"]))
        hi = max(scale, key=lambda f: int(f["params"]["connections"]))
        a, b = median_of(hi, "xtcp"), median_of(lo, "xtcp")
        ka, kb = median_of(hi, "kernel"), median_of(lo, "kernel")
        note = f"kernel: {ka / kb:.2f}" if ka is not None and kb else ""
        if a is None:  # the largest count that did give an xtcp figure
            got = [f for f in scale if median_of(f, "xtcp") is not None and f is not lo]
            if got and b:
                g = max(got, key=lambda f: int(f["params"]["connections"]))
                note += f"; xtcp {g['params']['connections']} / {lo['params']['connections']}: " \
                        f"{median_of(g, 'xtcp') / b:.2f}"
        t.append(target(f"xtcp CPU per transaction, {hi['params']['connections']} / "
                        f"{lo['params']['connections']} connections", "<= 1.15",
                        a / b if a is not None and b else None, lambda r: r <= 1.15, note))
    for loss in loss_levels(figures):  # issue 13: the same link and the same loss
        for d in ("out", "in"):
            f = find(figures, "bulk", "gbps", loss=loss, dir=d, streams=1)
            t.append(target(f"loss {loss} % both ways: bulk {DIRECTIONS[d]} goodput xtcp/kernel", ">= 1.0",
                            f and f["ratio"], lambda r: r >= 1.0, "issue 13"))
        f = find(figures, "rr", "tps", loss=loss)
        size = f["params"]["size"] if f else 16384
        t.append(target(f"loss {loss} % both ways: RR {size} B (lost tails) transactions/s xtcp/kernel",
                        ">= 1.0", f and f["ratio"], lambda r: r >= 1.0, "issue 13"))
    pct = stats([i["pct_of_core"] for i in idle]) if idle else None
    t.append(target("idle xtcpd CPU, % of one core", "< 1", pct and pct["median"], lambda v: v < 1.0,
                    f"{len(idle)} x {idle[0]['seconds']:.0f} s" if idle else "not measured"))
    return t


def build_warnings(samples, raw, figures):
    """Figures a reader should not take at face value, in one sentence each."""
    out = []
    for st in STACKS:
        rows = [s for s in samples if s["ok"] and s["stack"] == st and s["workload"] != "crr"
                and "untimed_s" in s["metrics"]]
        bad = [s for s in rows if s["metrics"]["untimed_s"] > 0.25 * s["metrics"]["window_s"]]
        if bad:
            lost = statistics.median(s["metrics"]["untimed_s"] / s["metrics"]["window_s"] for s in bad)
            out.append(f"{st}: {len(bad)} of {len(rows)} one-connection RR runs spent a median {lost:.0%} of "
                       "their window in no timed transaction (a stall cut off at the window's end), so "
                       "their transactions/s understate what the latency percentiles show")
    for e in (raw or {}).get("summary", []):
        if e["case"] == "rx" and e.get("xsk_drops_total"):
            out.append(f"raw AF_XDP rx {e['size']} B: the peer sent {e['sent_mpps_median']:.3f} Mpps and "
                       f"{e['xsk_drops_total']} frames were dropped at the AF_XDP socket; the rx figure is "
                       "what the receiving side kept up with, not the link's limit")
    for f in figures:
        if f["workload"] == "bulk" and f["metric"] == "gbps":
            for st, e in f["stacks"].items():
                if e.get("failed"):
                    out.append(f"{f['case']}: {e['failed']} {st} run(s) failed: {'; '.join(e.get('errors', []))}")
    return out


def fmt(v):
    if v is None:
        return "-"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    return f"{v:.3f}"


def cell(fig, stack):
    e = fig["stacks"].get(stack)
    if not e:
        return ""
    if e.get("median") is None:
        return f"failed x{e['failed']}"
    s = fmt(e["median"])
    if e["n"] > 1:
        s += f" ({fmt(e['min'])}-{fmt(e['max'])})"
    if e["failed"]:
        s += f" [{e['failed']} failed]"
    return s


def ratio_cell(fig, key="ratio"):
    r = fig.get(key)
    if r is None:
        return "-"
    mark = ""
    if fig["better"] == "higher":
        mark = "+" if r > 1.0 else ""
    else:
        mark = "+" if r < 1.0 else ""
    return f"{r:.2f}{mark}"


def target_cell(t):
    state = {True: "met", False: "MISSED", None: "no figure"}[t["met"]]
    return f"{fmt(t['measured'])} (want {t['wanted']}): {state}"


def rows_for_table(figures, raw, idle):
    header = ["figure", "unit", "kernel", "kernel+XDP", "xtcp", "xtcp/kernel", "xtcp-run",
              "xtcp-run/kernel"]
    rows = []
    for f in figures:
        rows.append([f["figure"], f["unit"], cell(f, "kernel"), cell(f, "kernel_xdp"), cell(f, "xtcp"),
                     ratio_cell(f), cell(f, "xtcp_run"), ratio_cell(f, "ratio_xtcp_run")])
    if idle:
        s = stats([i["pct_of_core"] for i in idle])
        rows.append(["idle xtcpd CPU", "% of a core", "", "", fmt(s["median"]), "", "", ""])
    for e in (raw or {}).get("summary", []):
        rows.append([f"raw AF_XDP {e['case']} {e['size']} B frames ({e.get('mode')})", "Mpps", "", "",
                     f"{e['mpps_median']:.3f} ({e['mpps_min']:.3f}-{e['mpps_max']:.3f})", "", "", ""])
    return header, rows


def text_table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def md_table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def write_results_md(path, result, header, rows, pngs):
    m = result["machine"]
    lines = [
        "# xtcp against kernel TCP: latest results",
        "",
        "Generated by `bench/compare.sh` (do not edit by hand; rerun it). "
        "Each figure is the median of its runs, with (min-max); `xtcp/kernel` "
        "is the ratio of medians against kernel TCP without any XDP program "
        "(`+` where xtcp is better). `kernel+XDP` is kernel TCP while xtcpd is "
        "attached to the same interface for another port.",
        "",
        f"* date: {result['date']}",
        f"* commit: {result['commit']}",
        f"* machine: {m['nproc']} CPUs, {m['cpu']}, kernel {m['kernel']}; load average "
        f"{m.get('loadavg_start', '?')} at the start, {m.get('loadavg_end', '?')} at the end "
        "(other work on the machine skews every figure)",
        f"* mode: {result['mode']}, {result['runs']} alternating runs of {result['seconds']} s per case",
        f"* command: `{result['command']}`",
        f"* raw data: `bench/results/{os.path.basename(result['file'])}`",
        "",
        "Rerun: `sudo bench/compare.sh` (full, about 20 minutes) or "
        "`sudo bench/compare.sh --quick` (about 10 minutes); `./vm-scripts/demo.sh` "
        "installs, builds and runs the quick set on a fresh machine.",
        "",
        md_table(header, rows),
        "",
        "## Targets of issue 5 (benchmark figures, not tests)",
        "",
        "| target | wanted | measured | |",
        "|---|---|---|---|",
    ]
    for t in result["targets"]:
        state = {True: "met", False: "**missed**", None: "no figure"}[t["met"]]
        note = f" ({t['note']})" if t["note"] else ""
        lines.append(f"| {t['target']}{note} | {t['wanted']} | {fmt(t['measured'])} | {state} |")
    if result.get("warnings"):
        lines += ["", "## Read with care", ""]
        lines += [f"* {w}" for w in result["warnings"]]
    failed = [s for s in result["samples"] if not s["ok"]]
    if failed:
        lines += ["", "## Failed runs", ""]
        seen = set()
        for s in failed:
            key = (s["workload"], json.dumps(s["params"]), s["stack"])
            if key in seen:
                continue
            seen.add(key)
            n = sum(1 for x in failed if (x["workload"], json.dumps(x["params"]), x["stack"]) == key)
            lines.append(f"* {case_label(s)}, {s['stack']}: {n} run(s): {s['error'][:200]}")
    lines += ["", "## How it is measured", ""]
    lines += [f"* {n}" for n in result["method"]]
    if pngs:
        lines += ["", "## Plots", ""]
        lines += [f"![{os.path.basename(p)}](results/{os.path.basename(p)})" for p in pngs]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples")
    ap.add_argument("--meta")
    ap.add_argument("--from", dest="from_json",
                    help="recompute from an earlier result JSON instead of --samples/--meta/--idle/--raw")
    ap.add_argument("--out", required=True)
    ap.add_argument("--idle")
    ap.add_argument("--raw")
    ap.add_argument("--results-md")
    ap.add_argument("--plots", help="PNG path prefix (PREFIX-goodput.png, PREFIX-latency.png)")
    args = ap.parse_args()
    if args.from_json:
        with open(args.from_json) as f:
            result = json.load(f)
        samples, idle, raw = result["samples"], result["idle"], result["raw_afxdp"]
        for k in ("figures", "targets", "warnings", "plots", "method"):
            result.pop(k, None)
    else:
        if not (args.samples and args.meta):
            ap.error("--samples and --meta are needed (or --from)")
        with open(args.meta) as f:
            result = json.load(f)
        with open(args.samples) as f:
            samples = [json.loads(line) for line in f if line.strip()]
        idle = []
        if args.idle and os.path.exists(args.idle):
            with open(args.idle) as f:
                idle = [json.loads(line) for line in f if line.strip()]
        raw = None
        if args.raw and os.path.exists(args.raw):
            with open(args.raw) as f:
                raw = json.load(f)
    result["file"] = args.out
    result["figures"] = build_figures(samples)
    result["targets"] = build_targets(result["figures"], raw, idle)
    result["warnings"] = build_warnings(samples, raw, result["figures"])
    result["idle"] = idle
    result["raw_afxdp"] = raw
    result["samples"] = samples
    result["method"] = METHOD + result.pop("method_extra", [])
    pngs = []
    if args.plots:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import plot
        pngs = plot.plot_all(result, args.plots)
    result["plots"] = pngs
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    header, rows = rows_for_table(result["figures"], raw, idle)
    m = result["machine"]
    print(f"machine: {m['nproc']} CPUs, {m['cpu']}, kernel {m['kernel']}; commit {result['commit']}")
    print(f"load average: {m.get('loadavg_start', '?')} at the start, {m.get('loadavg_end', '?')} at the end")
    print(f"{result['mode']}: {result['runs']} alternating runs x {result['seconds']} s; "
          "median (min-max); ratio xtcp/kernel, + where xtcp is better")
    print(text_table(header, rows))
    print()
    print("targets (issue 5):")
    for t in result["targets"]:
        note = f" [{t['note']}]" if t["note"] else ""
        print(f"  {t['target']}: {target_cell(t)}{note}")
    for w in result["warnings"]:
        print("note:", w)
    failed = [s for s in samples if not s["ok"]]
    if failed:
        print(f"\n{len(failed)} run(s) failed; first: {failed[0]['case']} {failed[0]['stack']} "
              f"run {failed[0]['run']}: {failed[0]['error']}")
    if args.results_md:
        write_results_md(args.results_md, result, header, rows, pngs)
    print(f"\nresults: {args.out}" + "".join(f"\nplot: {p}" for p in pngs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
