#!/bin/bash -eu
# fuzz/build.sh — builds weft's fuzz targets the OSS-Fuzz / ClusterFuzzLite way.
#
# The builder image sets (https://google.github.io/oss-fuzz/getting-started/new-project-guide/):
#   CXX, CXXFLAGS         the compiler and its flags, sanitizer and -fsanitize=fuzzer-no-link
#                         included (CC/CFLAGS too; weft is C++ only)
#   LIB_FUZZING_ENGINE    what to link the targets with (-fsanitize=fuzzer for libFuzzer)
#   OUT                   where the targets, seed corpora, dictionaries and options go
#   SRC, WORK             the sources' parent directory, and a scratch directory
# This script builds weft's libraries and every fuzz target with those flags and writes,
# for each target <t>: $OUT/<t>, $OUT/<t>_seed_corpus.zip (fuzz/corpus/<t>/ plus the
# regression inputs in fuzz/regressions/<t>/) and $OUT/<t>.options.
#
# Locally, emulate the builder (clang, ASan+UBSan, libFuzzer):
#   CXX=clang++ CXXFLAGS="-O1 -gline-tables-only -fsanitize=address,undefined \
#     -fsanitize=fuzzer-no-link" LIB_FUZZING_ENGINE=-fsanitize=fuzzer \
#     OUT=/tmp/weft-out WORK=/tmp/weft-work fuzz/build.sh
#
# Needs: cmake >= 3.22, Boost.Context (libboost-context-dev; linked statically so the
# targets run on the OSS-Fuzz runner image, which has no Boost), zip. Sanitizers: address
# and undefined (memory would need an MSan-built libstdc++ and Boost; not supported).
# fuzz/oss-fuzz/ has the Dockerfile and project.yaml to go with it.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${CXX:?set CXX (e.g. clang++)}"
: "${CXXFLAGS:=}"
: "${LIB_FUZZING_ENGINE:?set LIB_FUZZING_ENGINE (e.g. -fsanitize=fuzzer)}"
: "${OUT:?set OUT (where the targets go)}"
: "${WORK:=${TMPDIR:-/tmp}}"
build="$WORK/weft-fuzz-build"
jobs=$(nproc 2>/dev/null || echo 2)

generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi

# CMAKE_BUILD_TYPE=OssFuzz: a build type of our own, with no flags of its own, so that
# CXXFLAGS alone decide optimisation and instrumentation. The sanitizers come from
# CXXFLAGS too (WEFT_SANITIZER stays empty), and the engine from LIB_FUZZING_ENGINE.
cmake -S "$root" -B "$build" "${generator[@]}" \
  -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DCMAKE_BUILD_TYPE=OssFuzz \
  -DBoost_USE_STATIC_LIBS=ON \
  -DWEFT_BUILD_FUZZ=ON \
  -DWEFT_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" \
  -DWEFT_SANITIZER= \
  -DWEFT_BUILD_TESTS=OFF \
  -DWEFT_BUILD_EXAMPLES=OFF \
  -DWEFT_BUILD_BENCH=OFF \
  -DWEFT_INSTALL=OFF

# The targets are listed, with their corpus directories, in fuzz-targets.txt.
manifest="$build/fuzz-targets.txt"
mapfile -t targets < <(cut -d' ' -f1 "$manifest")
if ((${#targets[@]} == 0)); then
  echo "fuzz/build.sh: no fuzz targets configured (is CXX a clang?)" >&2
  exit 1
fi
cmake --build "$build" --parallel "$jobs" --target "${targets[@]}"

mkdir -p "$OUT"
while read -r name binary corpus; do
  cp "$binary" "$OUT/$name"
  # Seed corpus: the committed corpus and the regression inputs (OSS-Fuzz unpacks it
  # into the target's corpus before fuzzing).
  rm -f "$OUT/${name}_seed_corpus.zip"
  regressions="$root/fuzz/regressions/$name"
  files=()
  for dir in "$corpus" "$regressions"; do
    [[ -d "$dir" ]] || continue
    while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$dir" -maxdepth 1 -type f ! -name '.*' ! -name 'README*' -print0)
  done
  if ((${#files[@]} > 0)); then
    zip -q -j "$OUT/${name}_seed_corpus.zip" "${files[@]}"
  fi
  if [[ -f "$root/fuzz/dict/$name.dict" ]]; then
    cp "$root/fuzz/dict/$name.dict" "$OUT/$name.dict"
  fi
  # Fuzz programs are small: inputs beyond 512 bytes only add schedule bytes that are
  # never read. A model execution that runs long is a bug (livelocks are reported at
  # 20000 steps), so a few seconds is plenty per input.
  {
    echo "[libfuzzer]"
    echo "max_len = 512"
    echo "timeout = 25"
    [[ -f "$root/fuzz/dict/$name.dict" ]] && echo "dict = $name.dict"
  } >"$OUT/$name.options"
  echo "fuzz/build.sh: $OUT/$name (${#files[@]} seed inputs)"
done <"$manifest"
