#!/usr/bin/env bash
# run_model_vs_relacy.sh — builds the model-checker benchmarks and the Relacy twins
# (Release), runs both in the same session and prints markdown tables: executions/s of
# the three standard tests (weft random vs Relacy random, ratio), ns per scheduling point,
# memory (RSS over 1,000,000 executions; a 200-thread test), and optionally the exhaustive
# comparison.
#
#   EXHAUSTIVE=1         also run weft's unbounded dfs of the 3-thread CAS + mutex test
#                        (budget WEFT_BENCH_EXHAUSTIVE_SECONDS, default 300) and Relacy's
#                        full search (and context-bound-2 search) of the same test, and
#                        of its 1-CAS variant, each under `timeout RELACY_TIMEOUT`
#                        (default 120 s; Relacy prints no result when killed)
#   SKIP_MEMORY=1        skip the RSS measurements
set -euo pipefail
source "$(dirname "$0")/bench_env.sh"
RELACY_TIMEOUT=${RELACY_TIMEOUT:-120}

bench_build weft_model_bench weft_relacy_bench weft_model_rss
bench_wait_quiet
bench_machine
common=(--benchmark_repetitions="$REPS" --benchmark_enable_random_interleaving=true
        --benchmark_report_aggregates_only=true --benchmark_out_format=json)
"$BUILD_DIR/bench/weft_model_bench" --benchmark_filter='^(executions|sched_point|virtual_time)/' \
  "${common[@]}" --benchmark_out="$RESULTS_DIR/model.json" >&2
"$BUILD_DIR/bench/weft_relacy_bench" "${common[@]}" --benchmark_out="$RESULTS_DIR/relacy.json" >&2
echo "- load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"

echo
echo "### Executions per second"
echo
python3 "$bench_root/bench/bench_table.py" model "$RESULTS_DIR/model.json" "$RESULTS_DIR/relacy.json"
echo
echo "### Scheduling points"
echo
python3 "$bench_root/bench/bench_table.py" sched "$RESULTS_DIR/model.json"

if [[ "${SKIP_MEMORY:-0}" != 1 ]]; then
  echo
  echo "### Memory"
  echo
  echo '```'
  "$BUILD_DIR/bench/weft_model_rss" --executions 1000000 --test tiny
  "$BUILD_DIR/bench/weft_model_rss" --executions 1000000 --test cas_mutex3
  "$BUILD_DIR/bench/weft_model_rss" --threads 200 --executions 1000
  echo '```'
fi

relacy_search() {  # <test> <full|bound>: one exhaustive Relacy search under timeout
  local start end rc last
  start=$(date +%s.%N)
  set +e
  last=$(timeout "$RELACY_TIMEOUT" "$BUILD_DIR/bench/weft_relacy_bench" --search="$2" --bound=2 \
           --test="$1" | tail -n 2 | tr '\n' ' ')
  rc=$?
  set -e
  end=$(date +%s.%N)
  printf 'relacy %-14s sched_%-5s %s -> %s, %s s wall (last output: %s)\n' "$1" "$2" \
    "$([[ $2 == bound ]] && echo 'context_bound=2' || echo 'unbounded      ')" \
    "$( ((rc == 124)) && echo "NOT FINISHED (killed by timeout ${RELACY_TIMEOUT}s)" || echo "exit $rc")" \
    "$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }')" "$last"
}

if [[ "${EXHAUSTIVE:-0}" == 1 ]]; then
  echo
  echo "### Exhaustive search: 3 threads x (K CAS increments + 1 mutex section), K = 1 and 2"
  echo
  echo '```'
  "$BUILD_DIR/bench/weft_model_bench" --benchmark_filter='^exhaustive/' --benchmark_repetitions=1 \
    --benchmark_counters_tabular=true
  for t in cas_mutex3_k1 cas_mutex3; do
    relacy_search "$t" bound
    relacy_search "$t" full
  done
  echo '```'
fi
