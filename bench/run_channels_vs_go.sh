#!/usr/bin/env bash
# run_channels_vs_go.sh — weft channels vs Go channels in the scenarios of
# crossbeam-channel's benchmark suite (seq, spsc, mpsc, mpmc, select_rx, select_both at
# capacity 0, 1 and N), measured back to back on the same machine in one run.
#
# Installs what is missing (ci/setup --bench: golang-go, Google Benchmark, ...), builds
# weft_channel_bench and weft_channel_bench_instrumented (Release) and the Go program
# bench/go/main.go (standard library only, no module), waits for a quiet machine, runs
# Go, weft native and weft instrumented one after the other, and prints a markdown table:
# scenario × capacity → ns per message (median of REPS runs) and Go time / weft time
# (weft's throughput relative to Go's; > 1 means weft is faster).
#
#   MESSAGES   messages per run (default 1000000; crossbeam uses 5000000)
#   REPS       runs of each scenario (default 3; medians are reported)
#   SKIP_INSTRUMENTED=1   skip the instrumented flavour
#   RT=1       run both sides under SCHED_RR, priority 1 (chrt; needs root or
#              CAP_SYS_NICE). On a machine that other people's jobs keep loaded this
#              approximates a quiet one: their (CFS) processes no longer take the CPUs
#              from the benchmark's threads (the kernel still leaves them 5 %). Only an
#              approximation — RR threads of equal priority are not time-sliced as CFS
#              threads are, which changes how spinning and yielding threads share a CPU.
#   plus bench_env.sh's BUILD_DIR, MAX_LOAD, MAX_WAIT, CXX
set -euo pipefail
source "$(dirname "$0")/bench_env.sh"
MESSAGES=${MESSAGES:-1000000}
run=()
[[ "${RT:-0}" == 1 ]] && run=(chrt -r 1)

"$bench_root/ci/setup" --bench >&2
bench_build weft_channel_bench weft_channel_bench_instrumented >&2
go_bin=$RESULTS_DIR/go_chanbench
# Module-less build of one main package (Go 1.19, standard library only).
(cd "$bench_root/bench/go" && GO111MODULE=off go build -o "$go_bin" main.go)

bench_wait_quiet
bench_machine
echo "- Go: $(go version | cut -d' ' -f3-), GOMAXPROCS=$(nproc) (default: one per CPU)"
echo "- messages per run: $MESSAGES, producer/consumer threads T = 4, repetitions: $REPS (median)"
echo "- scheduling: $([[ ${#run[@]} -gt 0 ]] && echo "SCHED_RR priority 1 (RT=1)" || echo "default (CFS)")"

# One iteration per repetition for every scenario (each moves MESSAGES messages), like
# the Go side's one timed run per repetition.
gb=(--messages="$MESSAGES" --benchmark_min_time=0.000001 --benchmark_repetitions="$REPS"
    --benchmark_report_aggregates_only=true --benchmark_out_format=json)
"${run[@]}" "$go_bin" -messages "$MESSAGES" -reps "$REPS" >"$RESULTS_DIR/chan_go.txt"
"${run[@]}" "$BUILD_DIR/bench/weft_channel_bench" "${gb[@]}" \
  --benchmark_out="$RESULTS_DIR/chan_native.json" >&2
instrumented=()
if [[ "${SKIP_INSTRUMENTED:-0}" != 1 ]]; then
  "${run[@]}" "$BUILD_DIR/bench/weft_channel_bench_instrumented" "${gb[@]}" \
    --benchmark_out="$RESULTS_DIR/chan_instrumented.json" >&2
  instrumented=("$RESULTS_DIR/chan_instrumented.json")
fi
echo "- load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
python3 "$bench_root/bench/channel_table.py" "$RESULTS_DIR/chan_go.txt" \
  "$RESULTS_DIR/chan_native.json" "${instrumented[@]}"
