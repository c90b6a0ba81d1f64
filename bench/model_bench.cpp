// model_bench.cpp — the model checker's speed (Google Benchmark).
//
//   sched_point/<strategy>/threads:T/ops:K
//       T logical threads doing K relaxed fetch_adds each; one benchmark iteration is one
//       weft::model::check() of `schedules` executions. Counters: ns_per_step (CPU time of
//       all iterations / scheduling points, where points per execution = T*K + 2*(T-1)
//       spawns and joins) and exec_per_s.
//
// Times are CPU time of the (single) OS thread the checker runs on, not wall time, so
// that other load on a shared machine disturbs them less; exhaustive/* is wall time
// (it has a wall-clock budget).
//   executions/<test>/<strategy>
//       executions per second of the three standard tests (bench_tests.hpp), each
//       benchmark iteration a check() of a batch of executions.
//   executions/<test>/random_sync_points
//       the same with options::schedule_var_accesses = false: only synchronisation is a
//       scheduling point, as in Relacy (whose rl::var accesses are checked, not scheduled).
//   executions/many_threads_<N>/random
//       N logical threads, each one atomic increment and one mutex section (the body joins
//       them all): how the per-step cost grows with the number of live threads.
//   virtual_time/sleep_1s
//       executions per second of a test that sleeps 1 s of virtual time.
//   exhaustive/<cas_mutex3|cas_mutex3_k1>/<dfs_bound2|dfs_unbounded>
//       one dfs (preemption_bound 2, or -1 = unbounded; sleep-set pruning) of the 3-thread
//       CAS + mutex test (2 CAS increments per thread; _k1: 1), with a wall-clock budget
//       of WEFT_BENCH_EXHAUSTIVE_SECONDS (default 300); _sync_points: with
//       schedule_var_accesses = false. Counters: schedules, exhausted
//       (1/0), seconds. Run them on their own:
//       --benchmark_filter=exhaustive --benchmark_repetitions=1.
//
// Every check() uses a fixed seed and ignores the WEFT_* environment.
#include <benchmark/benchmark.h>

#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <string>

#include "bench_tests.hpp"

namespace {

using weft::model::strategy;
using weft_bench::bench_options;

// CPU time of the calling thread: a model check runs every logical thread on it, so this
// is its whole cost, and unlike wall time it does not grow when other processes compete
// for the (shared, 2-core) machine.
double thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

std::string strategy_name(strategy s) {
  return std::string(weft::model::to_string(s));
}

weft::model::report run_check(const weft::model::options& o, const std::function<void()>& body) {
  auto r = weft::model::check(o, body);
  if (!r.ok()) {
    // A benchmark workload must pass; anything else is a bug in the engine or the test.
    std::fprintf(stderr, "%s\n", r.to_string().c_str());
    std::abort();
  }
  return r;
}

// --- ns per scheduling point ------------------------------------------------------------

void bm_sched_point(benchmark::State& state, strategy s, int threads, int ops,
                    std::size_t schedules) {
  auto o = bench_options(s, schedules);
  o.preemption_bound = 2;
  const std::function<void()> body = [=] { weft_bench::fetch_adds(threads, ops); };
  std::size_t executions = 0;
  const double start = thread_cpu_ns();
  for (auto _ : state) {
    executions += run_check(o, body).schedules;
  }
  const double ns = thread_cpu_ns() - start;
  const double steps = static_cast<double>(executions) *
                       static_cast<double>(weft_bench::fetch_adds_steps(threads, ops));
  state.counters["steps"] = benchmark::Counter(steps);
  state.counters["ns_per_step"] = benchmark::Counter(ns / steps);
  state.counters["exec_per_s"] =
      benchmark::Counter(static_cast<double>(executions), benchmark::Counter::kIsRate);
}

// --- executions per second ----------------------------------------------------------------

void bm_executions(benchmark::State& state, const std::function<void()>& body, strategy s,
                   std::size_t batch, bool var_points) {
  auto o = bench_options(s, batch);
  o.preemption_bound = 2;
  o.schedule_var_accesses = var_points;
  std::size_t executions = 0;
  std::uint64_t seed = 1;
  for (auto _ : state) {
    o.seed = seed++;
    executions += run_check(o, body).schedules;
  }
  state.counters["executions"] = benchmark::Counter(static_cast<double>(executions));
  state.counters["exec_per_s"] =
      benchmark::Counter(static_cast<double>(executions), benchmark::Counter::kIsRate);
}

// --- exhaustive search --------------------------------------------------------------------

double exhaustive_budget() {
  if (const char* v = std::getenv("WEFT_BENCH_EXHAUSTIVE_SECONDS")) return std::strtod(v, nullptr);
  return 300.0;
}

void bm_exhaustive(benchmark::State& state, int cas_increments, int preemption_bound,
                   bool var_points) {
  auto o = bench_options(strategy::dfs, static_cast<std::size_t>(-1));
  o.preemption_bound = preemption_bound;
  o.schedule_var_accesses = var_points;
  o.max_seconds = exhaustive_budget();
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    const auto r = run_check(o, [=] { weft_bench::cas_mutex(3, cas_increments); });
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    state.counters["schedules"] = benchmark::Counter(static_cast<double>(r.schedules));
    state.counters["exhausted"] = benchmark::Counter(r.exhausted ? 1 : 0);
    state.counters["seconds"] = benchmark::Counter(secs);
    state.counters["budget_s"] = benchmark::Counter(o.max_seconds);
    state.counters["exec_per_s"] = benchmark::Counter(static_cast<double>(r.schedules) / secs);
  }
}

const bool registered = [] {
  // Scheduling points: one thread (no decisions, no switches: the cost of the operation
  // path itself), two threads under each strategy, and short executions (ops:10) where the
  // per-execution setup is not amortised.
  struct sp {
    strategy s;
    int threads;
    int ops;
    std::size_t schedules;
  };
  for (const sp& c : {sp{strategy::random, 1, 1000, 100}, sp{strategy::random, 2, 1000, 100},
                      sp{strategy::pct, 2, 1000, 100}, sp{strategy::dfs, 2, 1000, 100},
                      sp{strategy::random, 2, 10, 10000}, sp{strategy::dfs, 2, 10, 10000}}) {
    const std::string name = "sched_point/" + strategy_name(c.s) +
                             "/threads:" + std::to_string(c.threads) +
                             "/ops:" + std::to_string(c.ops);
    benchmark::RegisterBenchmark(name.c_str(), bm_sched_point, c.s, c.threads, c.ops, c.schedules)
        ->Unit(benchmark::kMillisecond);
  }

  struct test {
    const char* name;
    void (*body)();
  };
  for (const test& t : {test{"tiny_publication", weft_bench::tiny_publication},
                        test{"cas_mutex3", weft_bench::cas_mutex3},
                        test{"condvar_handoff", weft_bench::condvar_handoff}}) {
    for (strategy s : {strategy::random, strategy::pct, strategy::dfs}) {
      const std::string name = std::string("executions/") + t.name + "/" + strategy_name(s);
      benchmark::RegisterBenchmark(name.c_str(), bm_executions, std::function<void()>(t.body), s,
                                   std::size_t{20000}, true)
          ->Unit(benchmark::kMillisecond);
    }
    // As Relacy schedules: var accesses are not scheduling points (schedule_var_accesses
    // = false), only synchronisation is.
    const std::string name = std::string("executions/") + t.name + "/random_sync_points";
    benchmark::RegisterBenchmark(name.c_str(), bm_executions, std::function<void()>(t.body),
                                 strategy::random, std::size_t{20000}, false)
        ->Unit(benchmark::kMillisecond);
  }
  // Many threads: the scheduler's per-step cost grows with the number of live threads.
  for (int n : {10, 100, 200}) {
    const std::string name = "executions/many_threads_" + std::to_string(n) + "/random";
    benchmark::RegisterBenchmark(
        name.c_str(), bm_executions, std::function<void()>([n] { weft_bench::many_threads(n); }),
        strategy::random, std::size_t{20000} / static_cast<std::size_t>(n), true)
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::RegisterBenchmark("virtual_time/sleep_1s/random", bm_executions,
                               std::function<void()>(weft_bench::virtual_sleep), strategy::random,
                               std::size_t{10000}, true)
      ->Unit(benchmark::kMillisecond);

  // cas_mutex3_k1: the same test with one CAS increment per thread (a smaller space).
  for (int k : {1, 2}) {
    const std::string test = k == 2 ? "cas_mutex3" : "cas_mutex3_k1";
    for (int bound : {2, -1}) {
      for (bool var_points : {true, false}) {
        const std::string name =
            "exhaustive/" + test +
            (bound < 0 ? "/dfs_unbounded" : "/dfs_bound" + std::to_string(bound)) +
            (var_points ? "" : "_sync_points");
        benchmark::RegisterBenchmark(name.c_str(), bm_exhaustive, k, bound, var_points)
            ->Iterations(1)
            ->Unit(benchmark::kSecond)
            ->UseRealTime();
      }
    }
  }
  return true;
}();

}  // namespace
