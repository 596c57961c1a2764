#!/usr/bin/python3
"""compare.sh's record.py reads the unmodified clients' own summaries: ab
(keep-alive off), wrk --latency and redis-benchmark --csv; a run with
failed requests or socket errors fails instead of giving a figure.

    record_apps_test.py BENCH_DIR
"""
import sys
import types

sys.path.insert(0, sys.argv[1] + "/compare_lib")
import record  # noqa: E402

args = types.SimpleNamespace(t0=100.0, t1=102.0, hz=100)
AB = """Concurrency Level:      50
Time taken for tests:   2.000 seconds
Complete requests:      24000
Failed requests:        0
Requests per second:    12000.00 [#/sec] (mean)
Percentage of the requests served within a certain time (ms)
  50%      4
  66%      4
  99%      8
 100%     21 (longest request)
"""
WRK = """Running 2s test @ http://10.77.0.2:8101/r64
  1 threads and 50 connections
  Latency Distribution
     50%  635.00us
     75%    1.10ms
     90%    2.00ms
     99%   11.15ms
  54694 requests in 2.00s, 15.75MB read
Requests/sec:  27347.00
Transfer/sec:      7.87MB
"""
REDIS = '''"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
"PING_INLINE","26000.00","1.000","0.100","0.700","2.000","9.000","20.000"
"PING_MBULK","26882.00","1.000","0.100","0.751","2.000","10.991","20.000"
'''
failures = []


def expect(name, got, want):
    if got != want:
        failures.append(f"{name}: got {got!r}, want {want!r}")


m, err = record.ab_metrics(AB, args, [])
expect("ab", (m and (m["cps"], m["transactions"], m["p50_us"], m["p99_us"]), err), ((12000.0, 24000, 4000, 8000), ""))
m, err = record.ab_metrics(AB.replace("Failed requests:        0", "Failed requests:        3"), args, [])
expect("ab failed requests", (m, err), (None, "ab: 3 of 24000 requests failed"))
m, err = record.wrk_metrics(WRK, args, [])
expect("wrk", (m and (m["tps"], m["transactions"], m["p50_us"], m["p99_us"]), err), ((27347.0, 54694, 635.0, 11150.0), ""))
m, err = record.wrk_metrics(WRK + "  Socket errors: connect 0, read 2, write 0, timeout 0\n", args, [])
expect("wrk errors", m, None)
m, err = record.redis_metrics(REDIS, args, [], "PING")  # PING is the MBULK row
expect("redis PING", (m and (m["tps"], m["p50_us"], round(m["p99_us"], 3)), err), ((26882.0, 751.0, 10991.0), ""))
m, err = record.redis_metrics(REDIS, args, [], "SET")
expect("redis SET missing", m, None)
for f in failures:
    print("record_apps_test:", f, file=sys.stderr)
sys.exit(1 if failures else 0)
