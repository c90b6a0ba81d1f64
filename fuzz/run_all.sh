#!/usr/bin/env bash
# fuzz/run_all.sh — runs every fuzz target for a while (the nightly fuzz job).
#
#   fuzz/run_all.sh [--minutes N] [--jobs J] [--build DIR] [--out DIR] [--targets a,b,...]
#                   [--update-corpus] [--no-build]
#
# For each target listed in <build>/fuzz-targets.txt (written by CMake; the `fuzz` preset
# builds into build/fuzz, configured and built here unless --no-build):
#   1. fuzzes it for N minutes (default 10) with J libFuzzer jobs (-fork=J, default 1),
#      starting from the committed corpus fuzz/corpus/<t>/ and the regression inputs, new
#      inputs going to <out>/<t>/corpus/; crashes do not stop the run
#      (-ignore_crashes=1): each is kept in <out>/<t>/crashes/ with its report (.log);
#   2. merges (-merge=1) the committed corpus and the new inputs into a minimal set in
#      <out>/<t>/merged/ — with --update-corpus it replaces fuzz/corpus/<t>/ (then review
#      and commit the change);
#   3. prints one line per target (executions, corpus before/after, crashes).
# Exit status: 0 if no target crashed, 1 if any did, 2 for bad usage or a failed build.
# Total time: about N minutes per target plus the merges.
#
# Environment: ASAN_OPTIONS / UBSAN_OPTIONS default to stopping at the first error with a
# stack trace; WEFT_FUZZ_SIGNAL=0 turns off the interleaving signal (for comparisons).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
root=$(pwd)

minutes=10
jobs=1
build=build/fuzz
out=build/fuzz-runs/$(date +%Y%m%d-%H%M%S)
only=""
update=0
do_build=1
while (($#)); do
  case "$1" in
    --minutes) minutes=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --targets) only=$2; shift 2 ;;
    --update-corpus) update=1; shift ;;
    --no-build) do_build=0; shift ;;
    -h | --help) sed -n '2,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) echo "run_all.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done
[[ "$minutes" =~ ^[0-9]+([.][0-9]+)?$ ]] || { echo "run_all.sh: --minutes takes a number" >&2; exit 2; }
seconds=$(awk -v m="$minutes" 'BEGIN { s = int(m * 60); print (s < 1 ? 1 : s) }')

if ((do_build)); then
  if [[ "$build" == build/fuzz ]]; then
    cmake --preset fuzz >/dev/null || { echo "run_all.sh: configure (preset fuzz) failed" >&2; exit 2; }
  fi
  [[ -f "$build/fuzz-targets.txt" ]] || { echo "run_all.sh: no $build/fuzz-targets.txt" >&2; exit 2; }
  mapfile -t all < <(cut -d' ' -f1 "$build/fuzz-targets.txt")
  cmake --build "$build" --parallel "${WEFT_JOBS:-2}" --target "${all[@]}" ||
    { echo "run_all.sh: build failed" >&2; exit 2; }
fi
manifest="$build/fuzz-targets.txt"
[[ -f "$manifest" ]] || { echo "run_all.sh: no $manifest (configure with WEFT_BUILD_FUZZ=ON and clang)" >&2; exit 2; }

export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
mkdir -p "$out"
summary=()
crashed=0
while read -r name binary corpus; do
  if [[ -n "$only" && ",$only," != *",$name,"* ]]; then continue; fi
  dir="$out/$name"
  mkdir -p "$dir/corpus" "$dir/crashes" "$dir/merged"
  seeds=("$corpus")
  [[ -d "$root/fuzz/regressions/$name" ]] && seeds+=("$root/fuzz/regressions/$name")
  before=$(find "${seeds[@]}" -maxdepth 1 -type f ! -name '.*' ! -name 'README*' 2>/dev/null | wc -l)
  echo "== $name: fuzzing ${seconds}s with $jobs job(s) from $before committed input(s)"
  "$binary" -fork="$jobs" -ignore_crashes=1 -max_total_time="$seconds" -timeout=25 \
    -rss_limit_mb=2560 -max_len=512 -print_final_stats=1 -artifact_prefix="$dir/crashes/" \
    "$dir/corpus" "${seeds[@]}" >"$dir/fuzz.log" 2>&1
  execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$dir/fuzz.log" | grep -Eo '[0-9]+$' | tail -1)
  [[ -z "$execs" ]] && execs=$(grep -Eo '^#[0-9]+' "$dir/fuzz.log" | tail -1 | tr -d '#')
  # Reports of the crashes, re-run one by one.
  ncrash=0
  for c in "$dir"/crashes/crash-* "$dir"/crashes/timeout-* "$dir"/crashes/oom-*; do
    [[ -f "$c" && "$c" != *.log ]] || continue
    ncrash=$((ncrash + 1))
    "$binary" "$c" >"$c.log" 2>&1
  done
  echo "== $name: merging"
  "$binary" -merge=1 -max_len=512 -timeout=25 "$dir/merged" "${seeds[@]}" "$dir/corpus" \
    >"$dir/merge.log" 2>&1
  after=$(find "$dir/merged" -maxdepth 1 -type f | wc -l)
  if ((update)) && ((after > 0)); then
    rm -f "$corpus"/*
    cp "$dir/merged"/* "$corpus"/
  fi
  line="$name: ${execs:-?} executions, corpus $before -> $after, $ncrash crash(es)"
  ((ncrash > 0)) && line+=" (see $dir/crashes/*.log)" && crashed=1
  summary+=("$line")
done <"$manifest"

echo "== run_all.sh: ${#summary[@]} target(s), ${seconds}s each, results in $out"
printf '  %s\n' "${summary[@]}"
exit $crashed
