#!/usr/bin/env bash
# run_pools.sh — builds weft_pools_bench and weft_pools_bench_instrumented (Release) and
# prints the worker pool / resource pool / semaphore / rate limiter tables of
# docs/benchmarks.md: weft against a mutex+condvar pool, oneTBB's task_group, a
# mutex+deque resource pool, std::counting_semaphore and a naive bucket, medians of REPS
# repetitions. Extra arguments go to both benchmark programs (e.g.
# --benchmark_filter=semaphore). SKIP_BUILD=1 uses the binaries already in BUILD_DIR.
# ICOUNT=1 adds instructions per operation under valgrind (weft_pools_icount), which a
# busy machine does not disturb; ICOUNT_ONLY=1 prints only that table.
set -euo pipefail
source "$(dirname "$0")/bench_env.sh"

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  bench_build weft_pools_bench weft_pools_bench_instrumented weft_pools_icount
fi
mkdir -p "$RESULTS_DIR"
bin_dir=$BUILD_DIR/bench
[[ -x "$bin_dir/weft_pools_bench" ]] || bin_dir=$BUILD_DIR

# Instructions per operation: (Ir(n) - Ir(0)) / n under callgrind.
icount_table() {
  local n=20000
  ir() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin_dir/weft_pools_icount" "$1" "$2" 2>&1 >/dev/null |
      sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
  }
  per_op() { echo $((($(ir "$1" "$n") - $(ir "$1" 0)) / n)); }
  echo "Instructions per operation (valgrind --tool=callgrind, n = $n, native flavour)"
  echo
  echo "| operation | weft | peer | peer's instructions | weft / peer |"
  echo "|---|---|---|---|---|"
  local row w p
  for row in "worker pool: submit + run an empty task (1 worker);pool_weft;pool_mutex_cv;mutex+condvar pool" \
             "worker pool, with a result handle per task;pool_weft;pool_mutex_cv_future;mutex+condvar pool + std::future" \
             "resource pool: acquire + release;rpool_weft;rpool_mutex_deque;mutex + deque" \
             "semaphore: acquire(1) + release(1);sem_weft;sem_std;std::counting_semaphore" \
             "rate limiter: allow();limiter_weft;limiter_naive;mutex + double bucket"; do
    IFS=';' read -r label ours theirs peer_name <<<"$row"
    w=$(per_op "$ours")
    p=$(per_op "$theirs")
    echo "| $label | $w | $peer_name | $p | $(awk -v a="$w" -v b="$p" 'BEGIN { printf "%.2f", a / b }') |"
  done
}
if [[ "${ICOUNT_ONLY:-0}" == 1 ]]; then
  icount_table
  exit 0
fi

bench_wait_quiet
bench_machine
for flavour in native instrumented; do
  exe=$bin_dir/weft_pools_bench
  [[ $flavour == instrumented ]] && exe=${exe}_instrumented
  "$exe" --benchmark_repetitions="$REPS" --benchmark_enable_random_interleaving=true \
    --benchmark_report_aggregates_only=true --benchmark_out="$RESULTS_DIR/pools_$flavour.json" \
    --benchmark_out_format=json "$@" >&2
done
echo "- load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
python3 "$bench_root/bench/pools_table.py" "$RESULTS_DIR/pools_native.json" \
  "$RESULTS_DIR/pools_instrumented.json"
if [[ "${ICOUNT:-0}" == 1 ]]; then
  echo
  icount_table
fi
