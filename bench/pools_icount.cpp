// pools_icount.cpp — a fixed amount of work for instruction counting under valgrind, so
// weft's pools can be compared with their peers on a machine too busy for wall-clock
// numbers (docs/benchmarks.md: the shared 2-core VM runs at load 10-20 most of the time).
//
//   pools_icount <case> <n>
//
// cases: pool_weft / pool_mutex_cv / pool_mutex_cv_future (n empty tasks through a 1-worker pool,
// submitted from this thread; the pool's destructor drains and joins), rpool_weft /
// rpool_mutex_deque (n acquire + release of a pool of 2 from one thread), sem_weft / sem_std (n
// acquire(1) + release(1)), limiter_weft / limiter_naive (n allow()). Instructions per operation =
// (Ir(n) - Ir(0)) / n, with Ir from `valgrind --tool=callgrind` (valgrind runs the threads one at a
// time, so the count is the work done, not the waiting). run_pools.sh with ICOUNT=1 prints the
// table.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <semaphore>
#include <string>

#include "pools_peers.hpp"
#include "weft/rate_limiter.hpp"
#include "weft/resource_pool.hpp"
#include "weft/semaphore.hpp"
#include "weft/worker_pool.hpp"

namespace {

std::atomic<std::int64_t> g_done{0};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s <case> <n>\n", argv[0]);
    return 2;
  }
  const std::string c = argv[1];
  const long n = std::strtol(argv[2], nullptr, 10);
  auto task = [] { g_done.fetch_add(1, std::memory_order_relaxed); };
  std::uint64_t sink = 0;
  if (c == "pool_weft") {
    weft::worker_pool pool(1);
    for (long i = 0; i < n; ++i)
      (void)pool.submit(task);
  } else if (c == "pool_mutex_cv") {  // both destructors drain the queue, then join
    pools_bench::mutex_cv_pool pool(1);
    for (long i = 0; i < n; ++i)
      pool.submit(task);
  } else if (c == "pool_mutex_cv_future") {
    pools_bench::mutex_cv_pool pool(1);
    for (long i = 0; i < n; ++i)
      (void)pools_bench::submit_with_future(pool, task);
  } else if (c == "rpool_weft") {
    weft::resource_pool_options o;
    o.max_size = 2;
    o.min_idle = 2;
    weft::resource_pool<pools_bench::resource> pool([] { return pools_bench::resource{}; }, o);
    pool.maintain();
    for (long i = 0; i < n; ++i)
      sink += ++pool.acquire()->uses;
  } else if (c == "rpool_mutex_deque") {
    pools_bench::mutex_deque_pool pool(2);
    for (long i = 0; i < n; ++i) {
      auto* r = pool.acquire();
      sink += ++r->uses;
      pool.release(r);
    }
  } else if (c == "sem_weft") {
    weft::weighted_semaphore s(2);
    for (long i = 0; i < n; ++i) {
      s.acquire(1);
      s.release(1);
    }
  } else if (c == "sem_std") {
    std::counting_semaphore<> s(2);
    for (long i = 0; i < n; ++i) {
      s.acquire();
      s.release();
    }
  } else if (c == "limiter_weft") {
    weft::rate_limiter lim(std::chrono::nanoseconds(1), 1'000'000'000);
    for (long i = 0; i < n; ++i)
      sink += lim.allow() ? 1 : 0;
  } else if (c == "limiter_naive") {
    pools_bench::naive_limiter lim(1e9, 1e9);
    for (long i = 0; i < n; ++i)
      sink += lim.allow() ? 1 : 0;
  } else {
    std::fprintf(stderr, "unknown case %s\n", c.c_str());
    return 2;
  }
  std::printf("%llu\n", static_cast<unsigned long long>(sink));
  return 0;
}
