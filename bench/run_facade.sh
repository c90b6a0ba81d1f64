#!/usr/bin/env bash
# run_facade.sh — builds weft_facade_bench (Release) and prints the facade overhead table:
# std:: vs weft instrumented vs weft native, medians of REPS repetitions, ratios to std.
# Extra arguments go to the benchmark (e.g. --benchmark_filter=mutex).
set -euo pipefail
source "$(dirname "$0")/bench_env.sh"

bench_build weft_facade_bench
bench_wait_quiet
bench_machine
json=$RESULTS_DIR/facade.json
"$BUILD_DIR/bench/weft_facade_bench" --benchmark_repetitions="$REPS" \
  --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true \
  --benchmark_out="$json" --benchmark_out_format=json "$@" >&2
echo "- load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
python3 "$bench_root/bench/bench_table.py" facade "$json"
