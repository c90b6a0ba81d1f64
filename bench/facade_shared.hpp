// facade_shared.hpp — the functions of libweft_facade_shared.so (see facade_shared.cpp).
// Instrumented flavour only: this header is included by the instrumented copy of
// facade_bench.cpp and by the library itself.
#pragma once

#include <atomic>
#include <mutex>

#include "weft/sync.hpp"

#define WEFT_BENCH_SO_API __attribute__((visibility("default"), noinline))

namespace weft_bench_so {

WEFT_BENCH_SO_API long std_atomic_load(std::atomic<long>& a);
WEFT_BENCH_SO_API long weft_atomic_load(weft::atomic<long>& a);
WEFT_BENCH_SO_API long std_atomic_fetch_add(std::atomic<long>& a);
WEFT_BENCH_SO_API long weft_atomic_fetch_add(weft::atomic<long>& a);
WEFT_BENCH_SO_API void std_mutex_lock_unlock(std::mutex& m);
WEFT_BENCH_SO_API void weft_mutex_lock_unlock(weft::mutex& m);

}  // namespace weft_bench_so
