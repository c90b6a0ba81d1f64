#!/usr/bin/env python3
"""bench_table.py — turn Google Benchmark JSON (run with --benchmark_repetitions) into the
markdown tables of docs/benchmarks.md. Medians of the repetitions are used throughout.

  bench_table.py facade  facade.json
  bench_table.py model   model.json relacy.json
  bench_table.py sched   model.json
"""
import json
import sys
from collections import defaultdict


def medians(path):
    """run name (without /real_time) -> median aggregate entry; falls back to the single
    run when there are no aggregates (--benchmark_repetitions=1)."""
    with open(path) as f:
        data = json.load(f)
    med, single = {}, {}
    for b in data["benchmarks"]:
        name = b.get("run_name", b["name"]).removesuffix("/real_time")
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                med[name] = b
        else:
            single.setdefault(name, b)
    for name, b in single.items():
        med.setdefault(name, b)
    return med, data.get("context", {})


def ns(entry):
    """Time per iteration in ns: real time for benchmarks that run threads (UseRealTime),
    else CPU time, which is less disturbed by other load on the machine."""
    real = entry.get("run_name", entry["name"]).endswith("/real_time")
    t = entry["real_time"] if real else entry["cpu_time"]
    scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[entry.get("time_unit", "ns")]
    return t * scale


def fmt_ns(v):
    if v >= 1e6:
        return f"{v / 1e6:.2f} ms"
    if v >= 1e3:
        return f"{v / 1e3:.2f} µs"
    return f"{v:.2f} ns"


def fmt_rate(v):
    if v >= 1e6:
        return f"{v / 1e6:.2f} M/s"
    if v >= 1e3:
        return f"{v / 1e3:.0f} k/s"
    return f"{v:.0f} /s"


def facade(path):
    med, _ = medians(path)
    ops = []
    table = defaultdict(dict)
    for name, e in med.items():
        op, flavour = name.rsplit("/", 1)
        if op not in ops:
            ops.append(op)
        table[op][flavour] = ns(e)
    canonical = ["mutex_lock_unlock", "mutex_lock_guard", "atomic_load", "atomic_load_acquire",
                 "atomic_fetch_add", "atomic_fetch_add_relaxed", "atomic_cas",
                 "condvar_notify_no_waiter", "condvar_pingpong", "thread_spawn_join",
                 "shared_lib/atomic_load", "shared_lib/atomic_fetch_add",
                 "shared_lib/mutex_lock_unlock"]
    ops.sort(key=lambda op: canonical.index(op) if op in canonical else len(canonical))
    print("| operation | std | weft instrumented | weft native | instrumented/std | native/std |")
    print("|---|---:|---:|---:|---:|---:|")
    for op in ops:
        row = table[op]
        s, i, n = row.get("std"), row.get("instrumented"), row.get("native")
        ratio = lambda x: f"{x / s:.3f}" if x and s else "–"
        cells = [fmt_ns(v) if v else "–" for v in (s, i, n)]
        print(f"| {op} | {' | '.join(cells)} | {ratio(i)} | {ratio(n)} |")


def model(weft_path, relacy_path):
    weft, _ = medians(weft_path)
    relacy, _ = medians(relacy_path)
    # sync points: schedule_var_accesses = false, which schedules what Relacy schedules
    # (rl::var accesses are race-checked, not scheduling points).
    print("| test | weft exec/s (random) | weft exec/s (random, sync points) | "
          "Relacy exec/s (random) | weft / Relacy | weft sync points / Relacy |")
    print("|---|---:|---:|---:|---:|---:|")
    for test in ("tiny_publication", "cas_mutex3", "condvar_handoff"):
        rate = lambda e: e["exec_per_s"] if e else None
        wv = rate(weft.get(f"executions/{test}/random"))
        sv = rate(weft.get(f"executions/{test}/random_sync_points"))
        rv = rate(relacy.get(f"relacy/{test}/random"))
        ratio = lambda x: f"{x / rv:.2f}×" if x and rv else "–"
        cell = lambda x: fmt_rate(x) if x else "–"
        print(f"| {test} | {cell(wv)} | {cell(sv)} | {cell(rv)} | {ratio(wv)} | {ratio(sv)} |")
    print()
    print("| test | weft pct exec/s | weft dfs (bound 2, whole searches) exec/s |")
    print("|---|---:|---:|")
    for test in ("tiny_publication", "cas_mutex3", "condvar_handoff"):
        p = weft.get(f"executions/{test}/pct")
        d = weft.get(f"executions/{test}/dfs")
        print(f"| {test} | {fmt_rate(p['exec_per_s']) if p else '–'} | "
              f"{fmt_rate(d['exec_per_s']) if d else '–'} |")
    v = weft.get("virtual_time/sleep_1s/random")
    if v:
        per10k = 1e4 / v["exec_per_s"]
        print()
        print(f"virtual time: {fmt_rate(v['exec_per_s'])} executions of a test that sleeps 1 s "
              f"(virtual) → 10,000 executions in {per10k * 1e3:.1f} ms of wall time")


def sched(weft_path):
    weft, _ = medians(weft_path)
    print("| workload | strategy | threads × ops | ns per scheduling point | executions/s |")
    print("|---|---|---:|---:|---:|")
    order = {"random": 0, "pct": 1, "dfs": 2}

    def key(name):
        _, strat, threads, ops = name.split("/")
        return (-int(ops.split(":")[1]), int(threads.split(":")[1]), order.get(strat, 9))

    names = sorted((n for n in weft if n.startswith("sched_point/")), key=key)
    for name in names:
        e = weft[name]
        _, strat, threads, ops = name.split("/")
        t = threads.split(":")[1]
        k = ops.split(":")[1]
        print(f"| fetch_add loop | {strat} | {t} × {k} | {e['ns_per_step']:.1f} | "
              f"{fmt_rate(e['exec_per_s'])} |")


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "facade" and len(sys.argv) == 3:
        facade(sys.argv[2])
    elif cmd == "model" and len(sys.argv) == 4:
        model(sys.argv[2], sys.argv[3])
    elif cmd == "sched" and len(sys.argv) == 3:
        sched(sys.argv[2])
    else:
        sys.exit(__doc__)
