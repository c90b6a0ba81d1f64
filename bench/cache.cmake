# bench/cache.cmake — the cache and singleflight benchmarks (cache_bench.cpp), included
# from bench/CMakeLists.txt. Native flavour (WEFT_NATIVE), linked with the primitives
# library built in the default flavour — sound for the same reason as pools.cmake: the
# benchmarks never wait on a context.
find_package(benchmark REQUIRED)

add_executable(weft_cache_bench ${CMAKE_CURRENT_LIST_DIR}/cache_bench.cpp)
target_link_libraries(weft_cache_bench PRIVATE weft::primitives benchmark::benchmark
                                               benchmark::benchmark_main Threads::Threads)
target_compile_options(weft_cache_bench PRIVATE ${WEFT_WARNING_FLAGS})
target_compile_definitions(weft_cache_bench PRIVATE WEFT_NATIVE)
if(WEFT_BUILD_TESTS)
  add_test(NAME bench.weft_cache_bench.smoke
           COMMAND weft_cache_bench --benchmark_min_time=0.001
                   --benchmark_filter=get_hit|stampede|singleflight|bytes_per_entry)
  set_tests_properties(bench.weft_cache_bench.smoke PROPERTIES LABELS "bench" TIMEOUT 300)
endif()
