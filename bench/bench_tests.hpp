// bench_tests.hpp — the model-checking workloads shared by weft_model_bench and
// weft_model_rss. bench/relacy/relacy_bench.cpp has the same three standard tests written
// for Relacy; keep the two in step (same threads, same operations, same memory orders).
//
// Thread counting: Relacy's rl::test_suite<T, N> runs N threads and nothing else; a weft
// body *is* logical thread 0 and spawns the others, so "2 threads" below is the body plus
// one weft::thread, and weft additionally models (and schedules) the spawn and the join.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "weft/model.hpp"
#include "weft/sync.hpp"

namespace weft_bench {

// 1. Tiny 2-thread test: one store / one load publication through a release/acquire flag.
//    Thread 0 publishes `data` and raises `flag`; thread 1 reads `data` if it sees `flag`.
inline void tiny_publication() {
  weft::atomic<int> flag{0};
  weft::var<int> data{0};
  weft::thread reader([&] {
    if (flag.load(std::memory_order_acquire) == 1) WEFT_ASSERT(data.load() == 42);
  });
  data.store(42);
  flag.store(1, std::memory_order_release);
  reader.join();
}

// 2. 3-thread test: every thread does `cas_increments` CAS-loop increments of a shared
//    atomic counter, then one mutex-protected increment of a plain shared variable.
//    seq_cst operations and compare_exchange_strong, as in the Relacy twin.
inline void cas_mutex_worker(weft::atomic<int>& counter, weft::mutex& m, weft::var<int>& shared,
                             int cas_increments) {
  for (int i = 0; i < cas_increments; ++i) {
    int v = counter.load();
    while (!counter.compare_exchange_strong(v, v + 1)) {
    }
  }
  m.lock();
  shared.store(shared.load() + 1);
  m.unlock();
}

inline void cas_mutex(int threads, int cas_increments) {
  weft::atomic<int> counter{0};
  weft::mutex m;
  weft::var<int> shared{0};
  std::vector<weft::thread> others;
  others.reserve(static_cast<std::size_t>(threads - 1));
  for (int i = 1; i < threads; ++i) {
    others.emplace_back([&] { cas_mutex_worker(counter, m, shared, cas_increments); });
  }
  cas_mutex_worker(counter, m, shared, cas_increments);
  for (auto& t : others)
    t.join();
  WEFT_ASSERT(counter.load() == threads * cas_increments);
  WEFT_ASSERT(shared.load() == threads);
}

inline void cas_mutex3() {
  cas_mutex(3, 2);
}

// 3. Condition-variable producer/consumer handoff: a one-slot buffer, two items, one
//    condition variable used in both directions (only the other thread can be waiting).
inline void condvar_handoff() {
  constexpr int items = 2;
  weft::mutex m;
  weft::condition_variable cv;
  weft::var<int> item{0};
  weft::var<bool> full{false};
  weft::thread consumer([&] {
    for (int i = 1; i <= items; ++i) {
      std::unique_lock<weft::mutex> lk(m);
      while (!full.load())
        cv.wait(lk);
      WEFT_ASSERT(item.load() == i);
      full.store(false);
      cv.notify_one();
    }
  });
  for (int i = 1; i <= items; ++i) {
    std::unique_lock<weft::mutex> lk(m);
    while (full.load())
      cv.wait(lk);
    item.store(i);
    full.store(true);
    cv.notify_one();
  }
  consumer.join();
}

// Scheduling-point workloads: `threads` logical threads (the body and threads-1 spawned
// ones) each doing `ops` relaxed fetch_adds on one shared atomic. Scheduling points per
// execution: threads*ops fetch_adds + (threads-1) spawns + (threads-1) joins.
inline void fetch_add_loop(weft::atomic<long>& a, int ops) {
  for (int i = 0; i < ops; ++i)
    a.fetch_add(1, std::memory_order_relaxed);
}

inline void fetch_adds(int threads, int ops) {
  weft::atomic<long> a{0};
  std::vector<weft::thread> others;
  others.reserve(static_cast<std::size_t>(threads - 1));
  for (int i = 1; i < threads; ++i)
    others.emplace_back([&] { fetch_add_loop(a, ops); });
  fetch_add_loop(a, ops);
  for (auto& t : others)
    t.join();
}

inline std::size_t fetch_adds_steps(int threads, int ops) {
  return static_cast<std::size_t>(threads) * static_cast<std::size_t>(ops) +
         2 * static_cast<std::size_t>(threads - 1);
}

// Many threads: `threads` logical threads, each one atomic increment and one mutex
// section; the body joins them all.
inline void many_threads(int threads) {
  weft::atomic<int> counter{0};
  weft::mutex m;
  weft::var<int> shared{0};
  std::vector<weft::thread> others;
  others.reserve(static_cast<std::size_t>(threads - 1));
  auto work = [&] {
    counter.fetch_add(1);
    std::lock_guard<weft::mutex> g(m);
    shared.store(shared.load() + 1);
  };
  for (int i = 1; i < threads; ++i)
    others.emplace_back(work);
  work();
  for (auto& t : others)
    t.join();
  WEFT_ASSERT(counter.load() == threads);
  WEFT_ASSERT(shared.load() == threads);
}

// Virtual time: two threads, one sleeps 1 s (virtual), the other waits for it with a
// 2 s timeout on a condition variable.
inline void virtual_sleep() {
  weft::mutex m;
  weft::condition_variable cv;
  weft::var<bool> done{false};
  weft::thread sleeper([&] {
    weft::this_thread::sleep_for(std::chrono::seconds(1));
    std::lock_guard<weft::mutex> g(m);
    done.store(true);
    cv.notify_one();
  });
  {
    std::unique_lock<weft::mutex> lk(m);
    const bool ok = cv.wait_for(lk, std::chrono::seconds(2), [&] { return done.load(); });
    WEFT_ASSERT(ok);
  }
  sleeper.join();
}

inline weft::model::options bench_options(weft::model::strategy s, std::size_t schedules,
                                          std::uint64_t seed = 1) {
  weft::model::options o;
  o.strategy = s;
  o.seed = seed;
  o.max_schedules = schedules;
  o.use_environment = false;
  return o;
}

}  // namespace weft_bench
