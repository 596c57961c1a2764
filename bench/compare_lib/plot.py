#!/usr/bin/python3
"""Plots of one compare.sh result (matplotlib from Debian's
python3-matplotlib, so run by /usr/bin/python3):

    plot.py RESULT.json PREFIX   ->  PREFIX-goodput.png, PREFIX-latency.png, PREFIX-apps.png

Bars are medians, whiskers min and max, one colour per stack.
Prints the files it wrote; without matplotlib it says so and exits 3.
aggregate.py imports plot_all() from here.
"""
import json
import sys

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    HAVE_MATPLOTLIB = True
except ImportError:
    HAVE_MATPLOTLIB = False

STACKS = [("kernel", "kernel", "#4c72b0"), ("kernel_xdp", "kernel + XDP attached", "#8c8c8c"),
          ("xtcp", "xtcp", "#dd8452"), ("xtcp_run", "unmodified program under xtcp-run", "#55a868")]


def bars(ax, groups, labels):
    """groups: list of figures (one x position each); labels: x tick labels."""
    present = [s for s in STACKS if any(s[0] in g["stacks"] for g in groups)]
    width = 0.8 / max(1, len(present))
    for i, (key, title, colour) in enumerate(present):
        xs, ys, lo, hi = [], [], [], []
        for x, g in enumerate(groups):
            e = g["stacks"].get(key)
            if not e or e.get("median") is None:
                continue
            xs.append(x + (i - (len(present) - 1) / 2) * width)
            ys.append(e["median"])
            lo.append(e["median"] - e["min"])
            hi.append(e["max"] - e["median"])
        ax.bar(xs, ys, width, yerr=[lo, hi], capsize=3, label=title, color=colour)
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(labels, fontsize=8)
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)


def title(result, what):
    m = result["machine"]
    return (f"{what}\n{m['nproc']} CPUs, kernel {m['kernel']}, {result['mode']}: "
            f"{result['runs']} runs x {result['seconds']} s, commit {result['commit'][:10]}")


def goodput(result, path):
    figs = [f for f in result["figures"] if f["metric"] == "gbps"]
    if not figs:
        return False
    labels = [f["case"].replace("bulk ", "").replace(", offloads", "\noffloads") for f in figs]
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(figs)), 4.5))
    bars(ax, figs, labels)
    ax.set_ylabel("goodput, Gbit/s (iperf3)")
    ax.set_title(title(result, "Bulk goodput, MTU 1500 veth"), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def latency(result, path):
    rr = [f for f in result["figures"] if f["workload"] == "rr" and f["metric"].endswith("_us")]
    crr = [f for f in result["figures"] if f["workload"] == "crr" and f["metric"].endswith("_us")]
    sp = [f for f in result["figures"] if f["workload"] == "sockperf" and f["metric"].endswith("_us")]
    figs = rr + crr + sp
    if not figs:
        return False
    prefix = {"rr": "RR ", "crr": "CRR ", "sockperf": "sockperf "}
    labels = [prefix[f["workload"]] + f["metric"].replace("_us", "").replace("p999", "p99.9") +
              (f"\n{f['params']['size']} B, {f['params']['loss']} % loss" if "loss" in f["params"] else "")
              for f in figs]
    fig, ax = plt.subplots(figsize=(max(6, 1.3 * len(figs)), 4.5))
    bars(ax, figs, labels)
    ax.set_yscale("log")  # p99.9 can be 100x p50
    ax.set_ylabel("latency, microseconds (round trip, log scale)")
    ax.set_title(title(result, "64 B request/response latency percentiles"), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def apps(result, path):
    """Unmodified programs: nginx + ab / wrk, redis-benchmark (rates)."""
    figs = [f for f in result["figures"] if f["workload"] in ("ab", "wrk", "redis")
            and f["metric"] in ("cps", "tps")]
    if not figs:
        return False
    labels = [f["case"].replace(", keep-alive", "\nkeep-alive").replace("redis-benchmark ", "redis ")
              .replace(", 50", "\n50") for f in figs]
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(figs)), 4.5))
    bars(ax, figs, labels)
    ax.set_ylabel("requests (ab: connections) per second")
    ax.set_title(title(result, "Unmodified programs: nginx, redis (same binary, kernel TCP or xtcp-run)"),
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def plot_all(result, prefix):
    """Writes the plots; returns their paths (none without matplotlib)."""
    if not HAVE_MATPLOTLIB:
        print("plot.py: matplotlib is missing (apt-get install python3-matplotlib); no plots",
              file=sys.stderr)
        return []
    paths = []
    for name, fn in (("goodput", goodput), ("latency", latency), ("apps", apps)):
        path = f"{prefix}-{name}.png"
        if fn(result, path):
            paths.append(path)
    return paths


def main():
    if len(sys.argv) != 3:
        print("usage: plot.py RESULT.json PREFIX", file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        result = json.load(f)
    paths = plot_all(result, sys.argv[2])
    for p in paths:
        print(p)
    return 0 if paths else 3


if __name__ == "__main__":
    sys.exit(main())
