#!/usr/bin/env python3
"""pools_table.py — the worker pool / resource pool / semaphore / rate limiter tables of
docs/benchmarks.md from weft_pools_bench JSON (one file per flavour), medians of the
repetitions.

  pools_table.py native.json instrumented.json
"""
import sys

import bench_table  # medians of the repetitions


def medians(paths):
    med = {}
    for path in paths:
        m, _ = bench_table.medians(path)  # names without the /real_time suffix
        med.update(m)
    return med


def ns(b):
    """Wall time per iteration in ns (every benchmark here runs with UseRealTime)."""
    scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
    return b["real_time"] * scale


def find(med, prefix, suffix):
    for name, b in med.items():
        if name.startswith(prefix) and name.endswith(suffix):
            return b
    return None


def fmt(x, digits=2):
    return "—" if x is None else f"{x:.{digits}f}"


def ratio(ours, best, higher_is_better):
    if ours is None or best is None:
        return "—"
    r = best / ours if higher_is_better else ours / best
    return f"{r:.2f}×"


def main():
    med = medians(sys.argv[1:])

    print("Worker pool throughput, M tasks/s (batches of 1000 submitted from one thread, "
          "then awaited; higher is better)\n")
    print("| task | workers | weft native | weft instrumented | mutex+condvar | mutex+condvar "
          "+ std::future | oneTBB task_group | weft native vs mutex+condvar (+ future) "
          "| weft native vs best peer |")
    print("|---|---|---|---|---|---|---|---|---|")
    for task in ("empty", "small"):
        for w in (1, 2, 4):
            def rate(prefix, mid=""):
                b = find(med, f"pool_throughput/{prefix}/{task}{mid}", f"/{w}")
                return None if b is None else b["items_per_second"] / 1e6
            nat = rate("weft", "/native")
            ins = rate("weft", "/instrumented")
            mcv = rate("mutex_cv")
            fut = rate("mutex_cv_future")
            tbb = rate("tbb")
            peers = [x for x in (mcv, fut, tbb) if x is not None]
            best = max(peers) if peers else None
            print(f"| {task} | {w} | {fmt(nat)} | {fmt(ins)} | {fmt(mcv)} | {fmt(fut)} | {fmt(tbb)} "
                  f"| {ratio(nat, mcv, True)} ({ratio(nat, fut, True)}) | {ratio(nat, best, True)} |")

    print("\nWorker pool round trip, µs (submit one task to an idle pool, wait until it ran; "
          "lower is better)\n")
    print("| workers | weft native (flag) | weft native (task_handle::get) | weft instrumented (flag) "
          "| mutex+condvar (flag) | oneTBB run+wait | weft native vs mutex+condvar |")
    print("|---|---|---|---|---|---|---|")
    for w in (1, 2, 4):
        def us(prefix):
            b = find(med, prefix, f"/{w}")
            return None if b is None else ns(b) / 1e3
        nat = us("pool_round_trip/weft/native")
        hnd = us("pool_round_trip/weft_handle/native")
        ins = us("pool_round_trip/weft/instrumented")
        mcv = us("pool_round_trip/mutex_cv")
        tbb = us("pool_round_trip/tbb")
        print(f"| {w} | {fmt(nat)} | {fmt(hnd)} | {fmt(ins)} | {fmt(mcv)} | {fmt(tbb)} "
              f"| {ratio(nat, mcv, False)} |")

    def per_op_table(title, kind, peers):
        """peers: [(implementation name, column label)]; weft native is compared with each."""
        print(f"\n{title}\n")
        labels = " | ".join(label for _, label in peers)
        versus = " | ".join(f"weft native vs {label}" for _, label in peers)
        print(f"| threads | weft native | weft instrumented | {labels} | {versus} |")
        print("|---|---|---|" + "---|" * (2 * len(peers)))
        for t in (1, 2, 4):
            def n(prefix):
                b = find(med, prefix, f"/threads:{t}")
                return None if b is None else ns(b)
            nat = n(f"{kind}/weft/native")
            ins = n(f"{kind}/weft/instrumented")
            vals = [n(f"{kind}/{impl}") for impl, _ in peers]
            cells = " | ".join(fmt(v, 1) for v in vals)
            ratios = " | ".join(ratio(nat, v, False) for v in vals)
            print(f"| {t} | {fmt(nat, 1)} | {fmt(ins, 1)} | {cells} | {ratios} |")

    per_op_table("Resource pool, ns per acquire + release (pool of 2; wall time per operation "
                 "per thread; lower is better)", "resource_pool",
                 [("mutex_deque", "mutex + deque (barging)"),
                  ("fifo_handoff", "mutex + deque, FIFO hand-off")])
    per_op_table("Weighted semaphore, ns per acquire(1) + release(1) (2 permits)", "semaphore",
                 [("std", "std::counting_semaphore (barging)"),
                  ("fifo", "mutex + FIFO waiters")])
    per_op_table("Rate limiter, ns per allow() (a token always available)", "limiter_allow",
                 [("naive", "mutex + double bucket")])


if __name__ == "__main__":
    main()
