// facade_bench.cpp — the sync facade's overhead outside any checker.
//
// Compiled twice into weft_facade_bench (see CMakeLists.txt): once in the default
// "instrumented" flavour, where this copy also provides the std:: baselines, and once
// with WEFT_NATIVE, where weft:: names are plain aliases of the std:: types. Each copy
// exports its cases under its own function name (facade_bench.hpp); facade_main.cpp
// registers them as <operation>/<flavour> (flavour std, instrumented or native), the
// flavours of one operation next to each other.
//
// The two copies must not both define an entity with external linkage whose definition
// differs between the flavours (that would be an ODR violation the linker resolves
// silently): everything here is in an anonymous namespace, and only flavour-neutral
// templates of the facade are instantiated (weft::var and WEFT_ASSERT, whose bodies
// depend on WEFT_NATIVE, are deliberately not used).
#include <benchmark/benchmark.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "facade_bench.hpp"
#include "weft/sync.hpp"
#if !defined(WEFT_NATIVE)
#include "facade_shared.hpp"
#endif

namespace {

// Uncontended lock/unlock on the calling thread.
template <class Mutex>
void bm_mutex_lock_unlock(benchmark::State& state) {
  Mutex m;
  for (auto _ : state) {
    m.lock();
    m.unlock();
    benchmark::ClobberMemory();
  }
}

// Same, through std::lock_guard (the way code actually locks).
template <class Mutex>
void bm_lock_guard(benchmark::State& state) {
  Mutex m;
  for (auto _ : state) {
    std::lock_guard<Mutex> g(m);
    benchmark::ClobberMemory();
  }
}

// seq_cst load (default order), i.e. a plain mov on x86-64: the facade's branch is
// relatively the most visible here.
template <template <class> class Atomic>
void bm_atomic_load(benchmark::State& state) {
  Atomic<long> a{1};
  for (auto _ : state) {
    benchmark::DoNotOptimize(a.load());
  }
}

template <template <class> class Atomic>
void bm_atomic_load_acquire(benchmark::State& state) {
  Atomic<long> a{1};
  for (auto _ : state) {
    benchmark::DoNotOptimize(a.load(std::memory_order_acquire));
  }
}

template <template <class> class Atomic>
void bm_atomic_fetch_add(benchmark::State& state) {
  Atomic<long> a{0};
  for (auto _ : state) {
    benchmark::DoNotOptimize(a.fetch_add(1));
  }
}

template <template <class> class Atomic>
void bm_atomic_fetch_add_relaxed(benchmark::State& state) {
  Atomic<long> a{0};
  for (auto _ : state) {
    benchmark::DoNotOptimize(a.fetch_add(1, std::memory_order_relaxed));
  }
}

template <template <class> class Atomic>
void bm_atomic_cas(benchmark::State& state) {
  Atomic<long> a{0};
  long v = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(a.compare_exchange_strong(v, v + 1));
  }
}

// Two threads hand a turn back and forth through a mutex and a condition variable; one
// iteration is a full round trip (two notify/wake-ups). Wall time.
template <class Mutex, class CondVar, class Thread>
void bm_condvar_pingpong(benchmark::State& state) {
  Mutex m;
  CondVar cv;
  int turn = 0;  // 1: the partner's turn, 0: ours
  bool stop = false;
  Thread partner([&] {
    std::unique_lock<Mutex> lk(m);
    for (;;) {
      while (turn != 1 && !stop)
        cv.wait(lk);
      if (stop) return;
      turn = 0;
      cv.notify_one();
    }
  });
  for (auto _ : state) {
    std::unique_lock<Mutex> lk(m);
    turn = 1;
    cv.notify_one();
    while (turn != 0)
      cv.wait(lk);
  }
  {
    std::lock_guard<Mutex> g(m);
    stop = true;
  }
  cv.notify_one();
  partner.join();
}

// notify_one with nobody waiting (the common case on a signalling fast path).
template <class CondVar>
void bm_condvar_notify_no_waiter(benchmark::State& state) {
  CondVar cv;
  for (auto _ : state) {
    cv.notify_one();
    benchmark::ClobberMemory();
  }
}

template <class Thread>
void bm_thread_spawn_join(benchmark::State& state) {
  int sink = 0;
  for (auto _ : state) {
    Thread t([&sink] { benchmark::DoNotOptimize(sink); });
    t.join();
  }
}

#if !defined(WEFT_NATIVE)
// Each operation through an exported function of a shared library (facade_shared.cpp).
template <class A, long (*Load)(A&)>
void bm_so_atomic_load(benchmark::State& state) {
  A a{1};
  for (auto _ : state)
    benchmark::DoNotOptimize(Load(a));
}
template <class A, long (*FetchAdd)(A&)>
void bm_so_atomic_fetch_add(benchmark::State& state) {
  A a{0};
  for (auto _ : state)
    benchmark::DoNotOptimize(FetchAdd(a));
}
template <class M, void (*LockUnlock)(M&)>
void bm_so_mutex_lock_unlock(benchmark::State& state) {
  M m;
  for (auto _ : state) {
    LockUnlock(m);
    benchmark::ClobberMemory();
  }
}
#endif

template <class T>
using std_atomic = std::atomic<T>;
template <class T>
using weft_atomic = weft::atomic<T>;

// The cases of this flavour; facade_main.cpp registers the flavours side by side.
template <class Mutex, class CondVar, class Thread, template <class> class Atomic>
facade_cases make_cases(const char* flavour) {
  return facade_cases{flavour,
                      {
                          {"mutex_lock_unlock", bm_mutex_lock_unlock<Mutex>, false},
                          {"mutex_lock_guard", bm_lock_guard<Mutex>, false},
                          {"atomic_load", bm_atomic_load<Atomic>, false},
                          {"atomic_load_acquire", bm_atomic_load_acquire<Atomic>, false},
                          {"atomic_fetch_add", bm_atomic_fetch_add<Atomic>, false},
                          {"atomic_fetch_add_relaxed", bm_atomic_fetch_add_relaxed<Atomic>, false},
                          {"atomic_cas", bm_atomic_cas<Atomic>, false},
                          {"condvar_notify_no_waiter", bm_condvar_notify_no_waiter<CondVar>, false},
                          {"condvar_pingpong", bm_condvar_pingpong<Mutex, CondVar, Thread>, true},
                          {"thread_spawn_join", bm_thread_spawn_join<Thread>, true},
                      }};
}

}  // namespace

#if defined(WEFT_NATIVE)
std::vector<facade_cases> facade_cases_native() {
  return {make_cases<weft::mutex, weft::condition_variable, weft::thread, weft_atomic>("native")};
}
#else
std::vector<facade_cases> facade_cases_instrumented() {
  namespace so = weft_bench_so;
  auto std_cases = make_cases<std::mutex, std::condition_variable, std::thread, std_atomic>("std");
  auto weft_cases =
      make_cases<weft::mutex, weft::condition_variable, weft::thread, weft_atomic>("instrumented");
  std_cases.cases.insert(
      std_cases.cases.end(),
      {{"shared_lib/atomic_load", bm_so_atomic_load<std::atomic<long>, so::std_atomic_load>, false},
       {"shared_lib/atomic_fetch_add",
        bm_so_atomic_fetch_add<std::atomic<long>, so::std_atomic_fetch_add>, false},
       {"shared_lib/mutex_lock_unlock",
        bm_so_mutex_lock_unlock<std::mutex, so::std_mutex_lock_unlock>, false}});
  weft_cases.cases.insert(
      weft_cases.cases.end(),
      {{"shared_lib/atomic_load", bm_so_atomic_load<weft::atomic<long>, so::weft_atomic_load>,
        false},
       {"shared_lib/atomic_fetch_add",
        bm_so_atomic_fetch_add<weft::atomic<long>, so::weft_atomic_fetch_add>, false},
       {"shared_lib/mutex_lock_unlock",
        bm_so_mutex_lock_unlock<weft::mutex, so::weft_mutex_lock_unlock>, false}});
  return {std_cases, weft_cases};
}
#endif
