// pools_bench.cpp — weft::worker_pool, resource_pool, weighted_semaphore and rate_limiter
// beside the peers a user would otherwise pick, in one run:
//
//   pool_throughput/<impl>/<task>/<workers>   a batch of 1000 tasks submitted from one
//       thread, then waited for; items/s. task: empty (one relaxed counter increment) or
//       small (~100 ns of arithmetic). impl: weft (worker_pool, default options: unbounded
//       queue), mutex_cv (the classic pool: one std::mutex + std::condition_variable
//       around a std::deque<std::function>, as in progschj/ThreadPool), mutex_cv_future
//       (the same with a std::future per task, like weft's handle), tbb (oneTBB
//       task_group inside a task_arena of <workers> slots — the waiting caller takes one
//       slot and runs tasks too, so tbb/1 is the caller alone).
//   pool_round_trip/<impl>/<workers>   submit one task and wait until it has run: the
//       latency of a hand-off to an idle pool. weft waits on an atomic flag the task sets
//       (as mutex_cv does); weft_handle waits through task_handle::get(); tbb is
//       task_group::run + wait (which may run the task on the caller).
//   resource_pool/<impl>/<threads>   acquire + release of a pool of 2 resources from 1, 2
//       or 4 threads (4 means waiting); impl: weft (resource_pool, prefilled),
//       mutex_deque (std::mutex + std::condition_variable + std::deque of pointers: the
//       running thread may take a returned resource back before a waiter wakes) or
//       fifo_handoff (the same, fair: returned resources go to the longest waiter, as in
//       weft). The peers live in pools_peers.hpp.
//   semaphore/<impl>/<threads>   acquire(1) + release(1) on 2 permits; weft
//       (weighted_semaphore, FIFO), fifo (pools_peers.hpp's fifo_semaphore: the same rule
//       with a mutex and a condition variable per waiter) or std (std::counting_semaphore:
//       not fair, a release lets whoever comes first take the permit).
//   limiter_allow/<impl>/<threads>   allow() on a bucket that always has a token (1 ns
//       interval, large burst): the full path, clock read included; weft (rate_limiter)
//       or naive (std::mutex + steady_clock + a double, x/time/rate's shape).
//
// Compiled twice (bench/pools.cmake), like channel_bench: weft_pools_bench with WEFT_NATIVE
// (production flavour) and weft_pools_bench_instrumented (one thread-local check per
// facade operation). The peers are the same code in both. Only code paths that never wait
// on a context run here: a native program must not share weft's context internals with
// the instrumented library build (see bench/pools.cmake).
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <semaphore>
#include <thread>
#include <utility>
#include <vector>

#include "pools_peers.hpp"
#include "weft/rate_limiter.hpp"
#include "weft/resource_pool.hpp"
#include "weft/semaphore.hpp"
#include "weft/worker_pool.hpp"

#if defined(WEFT_BENCH_TBB)
#include <tbb/task_arena.h>
#include <tbb/task_group.h>
#endif

namespace {

using pools_bench::fifo_handoff_pool;
using pools_bench::fifo_semaphore;
using pools_bench::mutex_cv_pool;
using pools_bench::mutex_deque_pool;
using pools_bench::naive_limiter;
using pools_bench::resource;

constexpr int kBatch = 1000;

// ---- tasks -------------------------------------------------------------------------------

std::atomic<std::int64_t> g_done{0};

struct empty_task {
  void operator()() const { g_done.fetch_add(1, std::memory_order_relaxed); }
};

struct small_task {
  void operator()() const {
    std::uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < 48; ++i) {  // ~100 ns of dependent arithmetic
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
    }
    benchmark::DoNotOptimize(x);
    g_done.fetch_add(1, std::memory_order_relaxed);
  }
};

void wait_done(std::int64_t target) {
  while (g_done.load(std::memory_order_acquire) < target) {
    std::this_thread::yield();
  }
}

// ---- worker pools: throughput ------------------------------------------------------------

template <class Task>
void pool_throughput_weft(benchmark::State& state) {
  const auto workers = static_cast<std::size_t>(state.range(0));
  weft::worker_pool pool(workers);
  for (auto _ : state) {
    const std::int64_t target = g_done.load() + kBatch;
    for (int i = 0; i < kBatch; ++i)
      (void)pool.submit(Task{});
    wait_done(target);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

template <class Task>
void pool_throughput_mutex_cv(benchmark::State& state) {
  mutex_cv_pool pool(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    const std::int64_t target = g_done.load() + kBatch;
    for (int i = 0; i < kBatch; ++i)
      pool.submit(Task{});
    wait_done(target);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

template <class Task>
void pool_throughput_mutex_cv_future(benchmark::State& state) {
  mutex_cv_pool pool(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    const std::int64_t target = g_done.load() + kBatch;
    for (int i = 0; i < kBatch; ++i)
      (void)pools_bench::submit_with_future(pool, Task{});
    wait_done(target);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

#if defined(WEFT_BENCH_TBB)
template <class Task>
void pool_throughput_tbb(benchmark::State& state) {
  tbb::task_arena arena(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    arena.execute([] {
      tbb::task_group tg;
      for (int i = 0; i < kBatch; ++i)
        tg.run(Task{});
      tg.wait();
    });
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
#endif

// ---- worker pools: round trip ------------------------------------------------------------

void pool_round_trip_weft(benchmark::State& state) {
  weft::worker_pool pool(static_cast<std::size_t>(state.range(0)));
  std::atomic<bool> flag{false};
  for (auto _ : state) {
    flag.store(false, std::memory_order_relaxed);
    (void)pool.submit([&flag] { flag.store(true, std::memory_order_release); });
    while (!flag.load(std::memory_order_acquire))
      std::this_thread::yield();
  }
}

void pool_round_trip_weft_handle(benchmark::State& state) {
  weft::worker_pool pool(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    pool.submit([] {}).get();
  }
}

void pool_round_trip_mutex_cv(benchmark::State& state) {
  mutex_cv_pool pool(static_cast<int>(state.range(0)));
  std::atomic<bool> flag{false};
  for (auto _ : state) {
    flag.store(false, std::memory_order_relaxed);
    pool.submit([&flag] { flag.store(true, std::memory_order_release); });
    while (!flag.load(std::memory_order_acquire))
      std::this_thread::yield();
  }
}

#if defined(WEFT_BENCH_TBB)
void pool_round_trip_tbb(benchmark::State& state) {
  tbb::task_arena arena(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    arena.execute([] {
      tbb::task_group tg;
      tg.run([] {});
      tg.wait();
    });
  }
}
#endif

// ---- resource pools ----------------------------------------------------------------------

constexpr int kPoolSize = 2;

void resource_pool_weft(benchmark::State& state) {
  static weft::resource_pool<resource>* pool = nullptr;
  if (state.thread_index() == 0) {
    weft::resource_pool_options o;
    o.max_size = kPoolSize;
    o.min_idle = kPoolSize;
    pool = new weft::resource_pool<resource>([] { return resource{}; }, o);
    pool->maintain();
  }
  for (auto _ : state) {
    auto l = pool->acquire();
    ++l->uses;
  }
  // Every thread has left its loop here (Google Benchmark's barrier): safe to free.
  if (state.thread_index() == 0) delete std::exchange(pool, nullptr);
}

void resource_pool_mutex_deque(benchmark::State& state) {
  static mutex_deque_pool* pool = nullptr;
  if (state.thread_index() == 0) pool = new mutex_deque_pool(kPoolSize);
  for (auto _ : state) {
    resource* r = pool->acquire();
    ++r->uses;
    pool->release(r);
  }
  if (state.thread_index() == 0) delete std::exchange(pool, nullptr);
}

void resource_pool_fifo_handoff(benchmark::State& state) {
  static fifo_handoff_pool* pool = nullptr;
  if (state.thread_index() == 0) pool = new fifo_handoff_pool(kPoolSize);
  for (auto _ : state) {
    resource* r = pool->acquire();
    ++r->uses;
    pool->release(r);
  }
  if (state.thread_index() == 0) delete std::exchange(pool, nullptr);
}

// ---- semaphores --------------------------------------------------------------------------

void semaphore_weft(benchmark::State& state) {
  static weft::weighted_semaphore* sem = nullptr;
  if (state.thread_index() == 0) sem = new weft::weighted_semaphore(2);
  for (auto _ : state) {
    sem->acquire(1);
    sem->release(1);
  }
  if (state.thread_index() == 0) delete std::exchange(sem, nullptr);
}

void semaphore_std(benchmark::State& state) {
  static std::counting_semaphore<>* sem = nullptr;
  if (state.thread_index() == 0) sem = new std::counting_semaphore<>(2);
  // libstdc++ 12's counting_semaphore can lose a wake-up when a release races with a
  // failing acquire, and the acquirer then sleeps forever (GCC bugs 98033 and 104928): it
  // hung this benchmark at 4 threads. A timed acquire gets out of that; how often a wait
  // ran into its timeout is reported as timed_out_waits (a lost wake-up, or a wait longer
  // than 1 ms).
  double timed_out = 0;
  for (auto _ : state) {
    while (!sem->try_acquire_for(std::chrono::milliseconds(1))) {
      ++timed_out;
    }
    sem->release();
  }
  state.counters["timed_out_waits"] =
      benchmark::Counter(timed_out, benchmark::Counter::kAvgThreads);
  if (state.thread_index() == 0) delete std::exchange(sem, nullptr);
}

void semaphore_fifo(benchmark::State& state) {
  static fifo_semaphore* sem = nullptr;
  if (state.thread_index() == 0) sem = new fifo_semaphore(2);
  for (auto _ : state) {
    sem->acquire(1);
    sem->release(1);
  }
  if (state.thread_index() == 0) delete std::exchange(sem, nullptr);
}

// ---- rate limiters -----------------------------------------------------------------------

void limiter_allow_weft(benchmark::State& state) {
  static weft::rate_limiter* lim = nullptr;
  if (state.thread_index() == 0)
    lim = new weft::rate_limiter(std::chrono::nanoseconds(1), 1'000'000);
  std::int64_t allowed = 0;
  for (auto _ : state)
    allowed += lim->allow() ? 1 : 0;
  benchmark::DoNotOptimize(allowed);
  if (state.thread_index() == 0) delete std::exchange(lim, nullptr);
}

void limiter_allow_naive(benchmark::State& state) {
  static naive_limiter* lim = nullptr;
  if (state.thread_index() == 0) lim = new naive_limiter(1e9, 1e6);
  std::int64_t allowed = 0;
  for (auto _ : state)
    allowed += lim->allow() ? 1 : 0;
  benchmark::DoNotOptimize(allowed);
  if (state.thread_index() == 0) delete std::exchange(lim, nullptr);
}

// ---- registration ------------------------------------------------------------------------

#if defined(WEFT_NATIVE)
#define WEFT_FLAVOUR "native"
#else
#define WEFT_FLAVOUR "instrumented"
#endif

void register_all() {
  auto workers = [](benchmark::internal::Benchmark* b) {
    b->Arg(1)->Arg(2)->Arg(4)->UseRealTime()->Unit(benchmark::kMicrosecond);
  };
  auto threads = [](benchmark::internal::Benchmark* b) {
    b->Threads(1)->Threads(2)->Threads(4)->UseRealTime();
  };
  const std::string f = std::string("/") + WEFT_FLAVOUR;
  workers(benchmark::RegisterBenchmark(("pool_throughput/weft/empty" + f).c_str(),
                                       pool_throughput_weft<empty_task>));
  workers(benchmark::RegisterBenchmark(("pool_throughput/weft/small" + f).c_str(),
                                       pool_throughput_weft<small_task>));
  workers(benchmark::RegisterBenchmark("pool_throughput/mutex_cv/empty",
                                       pool_throughput_mutex_cv<empty_task>));
  workers(benchmark::RegisterBenchmark("pool_throughput/mutex_cv/small",
                                       pool_throughput_mutex_cv<small_task>));
  workers(benchmark::RegisterBenchmark("pool_throughput/mutex_cv_future/empty",
                                       pool_throughput_mutex_cv_future<empty_task>));
  workers(benchmark::RegisterBenchmark("pool_throughput/mutex_cv_future/small",
                                       pool_throughput_mutex_cv_future<small_task>));
#if defined(WEFT_BENCH_TBB)
  workers(
      benchmark::RegisterBenchmark("pool_throughput/tbb/empty", pool_throughput_tbb<empty_task>));
  workers(
      benchmark::RegisterBenchmark("pool_throughput/tbb/small", pool_throughput_tbb<small_task>));
#endif
  auto rt = [](benchmark::internal::Benchmark* b) { b->Arg(1)->Arg(2)->Arg(4)->UseRealTime(); };
  rt(benchmark::RegisterBenchmark(("pool_round_trip/weft" + f).c_str(), pool_round_trip_weft));
  rt(benchmark::RegisterBenchmark(("pool_round_trip/weft_handle" + f).c_str(),
                                  pool_round_trip_weft_handle));
  rt(benchmark::RegisterBenchmark("pool_round_trip/mutex_cv", pool_round_trip_mutex_cv));
#if defined(WEFT_BENCH_TBB)
  rt(benchmark::RegisterBenchmark("pool_round_trip/tbb", pool_round_trip_tbb));
#endif
  threads(benchmark::RegisterBenchmark(("resource_pool/weft" + f).c_str(), resource_pool_weft));
  threads(benchmark::RegisterBenchmark("resource_pool/mutex_deque", resource_pool_mutex_deque));
  threads(benchmark::RegisterBenchmark("resource_pool/fifo_handoff", resource_pool_fifo_handoff));
  threads(benchmark::RegisterBenchmark(("semaphore/weft" + f).c_str(), semaphore_weft));
  threads(benchmark::RegisterBenchmark("semaphore/fifo", semaphore_fifo));
  threads(benchmark::RegisterBenchmark("semaphore/std", semaphore_std));
  threads(benchmark::RegisterBenchmark(("limiter_allow/weft" + f).c_str(), limiter_allow_weft));
  threads(benchmark::RegisterBenchmark("limiter_allow/naive", limiter_allow_naive));
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
