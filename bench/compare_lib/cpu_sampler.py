#!/usr/bin/env python3
"""CPU time of the dut's processes, sampled while a workload runs.

    cpu_sampler.py --interval 0.1 --limit 600 PID...

Prints one line per sample: wall time (s, CLOCK_REALTIME like `date +%s.%N`),
the on-CPU nanoseconds of every thread of the given processes (the first
field of /proc/PID/task/TID/schedstat: user plus system time, including
softirq work the kernel did in their context), and the machine's busy
ticks from /proc/stat (all CPUs: every column but idle and iowait). The
caller cuts the measured window out of these samples (record.py). It stops
on SIGTERM, or after --limit seconds at the latest.
"""
import argparse
import os
import signal
import sys
import time


def process_ns(pid):
    """Sum of on-CPU ns over the threads of pid (0 once it is gone)."""
    total = 0
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass  # the thread exited between listdir and open
    return total


def machine_busy_ticks():
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal (guest is inside user)
    return sum(fields[:8]) - fields[3] - fields[4]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--interval", type=float, default=0.1)
    ap.add_argument("--limit", type=float, default=600)
    ap.add_argument("pids", nargs="+", type=int)
    args = ap.parse_args()
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    end = time.time() + args.limit
    while True:
        ns = sum(process_ns(p) for p in args.pids)
        print(f"{time.time():.6f} {ns} {machine_busy_ticks()}", flush=True)
        if stop or time.time() > end:
            return 0
        time.sleep(args.interval)


if __name__ == "__main__":
    sys.exit(main())
