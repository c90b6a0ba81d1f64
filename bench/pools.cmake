# bench/pools.cmake — the worker pool, resource pool, semaphore and rate limiter benchmarks
# (pools_bench.cpp), included from bench/CMakeLists.txt. run_pools.sh builds and runs them.
#
# Two executables, as for the channel benchmark: weft_pools_bench (WEFT_NATIVE, the
# production flavour) and weft_pools_bench_instrumented. Both link the primitives library
# built in the default flavour; that is sound only because the benchmarks never wait on a
# context (the one place a native program would meet the library's context internals).
# oneTBB (libtbb-dev, `ci/setup --bench`) adds the task_group rows when it is found.
find_package(benchmark REQUIRED)
find_package(TBB CONFIG QUIET)

foreach(flavour native instrumented)
  if(flavour STREQUAL "native")
    set(target weft_pools_bench)
  else()
    set(target weft_pools_bench_instrumented)
  endif()
  add_executable(${target} ${CMAKE_CURRENT_LIST_DIR}/pools_bench.cpp)
  target_link_libraries(${target} PRIVATE weft::primitives benchmark::benchmark Threads::Threads)
  target_compile_options(${target} PRIVATE ${WEFT_WARNING_FLAGS})
  if(flavour STREQUAL "native")
    target_compile_definitions(${target} PRIVATE WEFT_NATIVE)
  endif()
  if(TBB_FOUND)
    target_link_libraries(${target} PRIVATE TBB::tbb)
    target_compile_definitions(${target} PRIVATE WEFT_BENCH_TBB)
  endif()
  if(WEFT_BUILD_TESTS)
    add_test(NAME bench.${target}.smoke
             COMMAND ${target} --benchmark_min_time=0.001 --benchmark_filter=/1$|/threads:1$)
    set_tests_properties(bench.${target}.smoke PROPERTIES LABELS "bench" TIMEOUT 300)
  endif()
endforeach()
if(NOT TBB_FOUND)
  message(STATUS "weft: oneTBB not found (ci/setup --bench installs libtbb-dev); "
                 "weft_pools_bench runs without the tbb rows")
endif()

# Instruction counts under valgrind (run_pools.sh with ICOUNT=1): native flavour only.
add_executable(weft_pools_icount ${CMAKE_CURRENT_LIST_DIR}/pools_icount.cpp)
target_link_libraries(weft_pools_icount PRIVATE weft::primitives Threads::Threads)
target_compile_options(weft_pools_icount PRIVATE ${WEFT_WARNING_FLAGS})
target_compile_definitions(weft_pools_icount PRIVATE WEFT_NATIVE)
