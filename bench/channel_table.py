#!/usr/bin/env python3
"""channel_table.py — the markdown table of bench/run_channels_vs_go.sh.

  channel_table.py go.txt native.json [instrumented.json]

go.txt: lines "go <scenario>/<cap> <rep> <ns per message>" (bench/go/main.go).
*.json: Google Benchmark output of weft_channel_bench[_instrumented], benchmarks named
<flavour>/<scenario>/<cap>, counter ns_per_msg (seconds per message), with repetitions.
Medians throughout; ratio = Go time / weft time (weft's throughput relative to Go's).
"""
import json
import statistics
import sys
from collections import defaultdict

SCENARIOS = ["seq", "spsc", "mpsc", "mpmc", "select_rx", "select_both"]
CAPS = ["cap0", "cap1", "capN"]


def go_results(path):
    runs = defaultdict(list)
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 4 and parts[0] == "go":
                runs[parts[1]].append(float(parts[3]))
    return {k: statistics.median(v) for k, v in runs.items()}


def weft_results(path):
    """<scenario>/<cap> -> median ns per message."""
    with open(path) as f:
        data = json.load(f)
    runs = defaultdict(list)
    med = {}
    for b in data["benchmarks"]:
        name = b.get("run_name", b["name"]).removesuffix("/real_time")
        key = name.split("/", 1)[1]
        if "ns_per_msg" not in b:
            continue
        v = b["ns_per_msg"] * 1e9  # the counter is seconds per message
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                med[key] = v
        else:
            runs[key].append(v)
    for k, v in runs.items():
        med.setdefault(k, statistics.median(v))
    return med


def fmt(v):
    if v is None:
        return "–"
    if v >= 1e4:
        return f"{v / 1e3:.1f} µs"
    if v >= 1e3:
        return f"{v / 1e3:.2f} µs"
    return f"{v:.0f} ns"


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    go = go_results(sys.argv[1])
    native = weft_results(sys.argv[2])
    instr = weft_results(sys.argv[3]) if len(sys.argv) == 4 else None
    head = "| scenario | capacity | weft native ns/msg | Go ns/msg | Go / weft native |"
    rule = "|---|---|---:|---:|---:|"
    if instr is not None:
        head += " weft instrumented ns/msg | Go / weft instrumented |"
        rule += "---:|---:|"
    print(head)
    print(rule)
    for cap in CAPS:
        for s in SCENARIOS:
            key = f"{s}/{cap}"
            if key not in go and key not in native:
                continue
            g, n = go.get(key), native.get(key)
            ratio = f"{g / n:.2f}×" if g and n else "–"
            capname = {"cap0": "0", "cap1": "1", "capN": "N"}[cap]
            row = f"| {s} | {capname} | {fmt(n)} | {fmt(g)} | {ratio} |"
            if instr is not None:
                i = instr.get(key)
                row += f" {fmt(i)} | {f'{g / i:.2f}×' if g and i else '–'} |"
            print(row)


if __name__ == "__main__":
    main()
