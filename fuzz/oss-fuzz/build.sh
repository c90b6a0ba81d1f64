#!/bin/bash -eu
# The builder's entry point: weft's own fuzz/build.sh does the work (OSS-Fuzz conventions:
# $CXX, $CXXFLAGS, $LIB_FUZZING_ENGINE, $OUT, $SRC, $WORK).
"$SRC/weft/fuzz/build.sh"
