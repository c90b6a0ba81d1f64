# The fixed-thread tests of relacy/fixed_tests.hpp timed under both checkers — weft model
# mode (weft_fixed_model_bench) and Relacy through the facade's WEFT_RELACY flavour
# (weft_fixed_relacy_bench, built by weft_add_relacy_test from cmake/WeftRelacy.cmake).
# docs/benchmarks.md section 3b gives the commands that build and run both; the table
# ("The same tests under weft model mode and Relacy").
weft_add_benchmark(weft_fixed_model_bench SOURCES relacy/fixed_model_bench.cpp
  relacy/fixed_tests.hpp LIBS weft::weft)
if(WEFT_RELACY_FOUND)
  weft_add_relacy_test(weft_fixed_relacy_bench NO_TEST
    SOURCES relacy/fixed_relacy_bench.cpp relacy/fixed_tests.hpp ${PROJECT_SOURCE_DIR}/primitives/src/errors.cpp
    LIBS benchmark::benchmark)
  if(WEFT_BUILD_TESTS)
    add_test(NAME bench.weft_fixed_relacy_bench.smoke
             COMMAND weft_fixed_relacy_bench --benchmark_min_time=0.001)
    set_tests_properties(bench.weft_fixed_relacy_bench.smoke PROPERTIES LABELS "bench" TIMEOUT 300)
  endif()
endif()
