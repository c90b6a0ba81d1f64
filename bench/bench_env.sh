# bench_env.sh — sourced by the run_*.sh scripts: build directory, Release build of the
# benchmark targets (at most 2 compile jobs), machine description, and a wait for a quiet
# machine (the numbers in docs/benchmarks.md come from a 2-core VM that others share).
#
#   BUILD_DIR   build directory (default: <repo>/build/bench-release)
#   REPS        --benchmark_repetitions (default 3; medians are reported)
#   MAX_LOAD    wait until the 1-minute load average is below this (default 1.5)
#   MAX_WAIT    give up waiting after this many seconds and run anyway (default 600)
#   CXX         compiler (default: cmake's choice, g++ on Debian)
#   WEFT_COMMIT printed as the measured commit (default: git rev-parse HEAD of this tree)

bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$bench_root/build/bench-release}
REPS=${REPS:-3}
MAX_LOAD=${MAX_LOAD:-1.5}
MAX_WAIT=${MAX_WAIT:-600}
RESULTS_DIR=${RESULTS_DIR:-$BUILD_DIR/bench-results}

bench_build() {
  local args=(-S "$bench_root" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release
              -DWEFT_BUILD_BENCH=ON -DWEFT_BUILD_TESTS=OFF -DWEFT_BUILD_EXAMPLES=OFF)
  [[ -n "${CXX:-}" ]] && args+=(-DCMAKE_CXX_COMPILER="$CXX")
  cmake "${args[@]}" >/dev/null
  cmake --build "$BUILD_DIR" -j 2 --target "$@"
  mkdir -p "$RESULTS_DIR"
}

load1() { cut -d' ' -f1 /proc/loadavg; }

# Waits (up to MAX_WAIT s) for the 1-minute load average to drop below MAX_LOAD.
bench_wait_quiet() {
  local waited=0
  while awk -v l="$(load1)" -v m="$MAX_LOAD" 'BEGIN { exit !(l > m) }'; do
    if ((waited >= MAX_WAIT)); then
      echo "bench: load $(load1) still above $MAX_LOAD after ${MAX_WAIT}s; running anyway" >&2
      return 0
    fi
    echo "bench: load $(load1) > $MAX_LOAD, waiting..." >&2
    sleep 15
    waited=$((waited + 15))
  done
}

bench_machine() {
  echo "- machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r)"
  echo "- compiler: $(grep -m1 CMAKE_CXX_COMPILER: "$BUILD_DIR/CMakeCache.txt" | cut -d= -f2) ($("$(grep -m1 CMAKE_CXX_COMPILER: "$BUILD_DIR/CMakeCache.txt" | cut -d= -f2)" --version | head -1)), CMAKE_BUILD_TYPE=Release"
  if [[ -n "${WEFT_COMMIT:-}" ]]; then
    echo "- weft commit: $WEFT_COMMIT"
  else
    echo "- weft commit: $(git -C "$bench_root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$bench_root" diff --quiet HEAD -- harness 2>/dev/null || echo ' (harness has uncommitted changes)')"
  fi
  echo "- load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
}
