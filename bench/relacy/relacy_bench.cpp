// relacy_bench.cpp — the three standard model-checking tests of bench/bench_tests.hpp,
// written for Relacy (relacy-dev), timed with Google Benchmark so that
// run_model_vs_relacy.sh can put both checkers' executions/s side by side.
//
//   relacy/<test>/random      rl::simulate with the random scheduler, iteration_count =
//                             20000 per benchmark iteration (the same batch weft uses);
//                             CPU time, as weft_model_bench (both run on one OS thread)
//
//   weft_relacy_bench --search=full|bound [--bound=N] [--test=cas_mutex3|cas_mutex3_k1|...]
//       one exhaustive search (sched_full, or sched_bound with context_bound N) of a
//       test, progress on stdout ("P% (iterations/estimated total)" every 65536
//       iterations), then "result: ... iterations: N seconds: S". Wrap it in `timeout`.
//
// Relacy pitfalls handled here: every std and project header comes before relacy.hpp
// (it #defines new, delete, malloc, free, assert, ...; no `new`/`delete` token appears
// below it), relacy.hpp rather than the broken relacy_std.hpp, -fno-sized-deallocation
// (CMakeLists.txt), `($)` on every access, and a non-allocating output stream.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <streambuf>
#include <string>

// clang-format off
#include <relacy/relacy.hpp>
// clang-format on

namespace {

// Relacy routes every allocation made during a simulation through its own allocator; a
// stream that allocates (std::ostringstream) crashes when it grows. This one never does.
struct null_buf : std::streambuf {
  int overflow(int c) override { return c; }
};
null_buf null_buffer;
std::ostream null_stream(&null_buffer);

// 1. Tiny 2-thread publication (bench_tests.hpp: tiny_publication).
struct tiny_publication : rl::test_suite<tiny_publication, 2> {
  rl::atomic<int> flag;
  rl::var<int> data;

  void before() {
    flag($).store(0, rl::mo_relaxed);
    data($) = 0;
  }

  void thread(unsigned index) {
    if (index == 0) {
      data($) = 42;
      flag($).store(1, rl::mo_release);
    } else if (flag($).load(rl::mo_acquire) == 1) {
      RL_ASSERT(data($) == 42);
    }
  }
};

// 2. 3 threads x (K CAS-loop increments + 1 mutex section); K = 2 is the standard test
//    (bench_tests.hpp: cas_mutex3), K = 1 a smaller one for the exhaustive comparison.
template <int K>
struct cas_mutex3_k : rl::test_suite<cas_mutex3_k<K>, 3> {
  static constexpr int cas_increments = K;
  rl::atomic<int> counter;
  rl::mutex m;
  rl::var<int> shared;

  void before() {
    counter($).store(0, rl::mo_seq_cst);
    shared($) = 0;
  }

  void thread(unsigned) {
    for (int i = 0; i < cas_increments; ++i) {
      int v = counter($).load(rl::mo_seq_cst);
      while (!counter($).compare_exchange_strong(v, v + 1, rl::mo_seq_cst)) {
      }
    }
    m.lock($);
    shared($) = shared($) + 1;
    m.unlock($);
  }

  void after() {
    RL_ASSERT(counter($).load(rl::mo_seq_cst) == 3 * cas_increments);
    RL_ASSERT(shared($) == 3);
  }
};
using cas_mutex3 = cas_mutex3_k<2>;

// 3. Condition-variable handoff through a one-slot buffer, two items
//    (bench_tests.hpp: condvar_handoff).
struct condvar_handoff : rl::test_suite<condvar_handoff, 2> {
  static constexpr int items = 2;
  rl::mutex m;
  rl::condition_variable cv;
  rl::var<int> item;
  rl::var<bool> full;

  void before() {
    item($) = 0;
    full($) = false;
  }

  void thread(unsigned index) {
    for (int i = 1; i <= items; ++i) {
      m.lock($);
      if (index == 0) {  // producer
        while (full($))
          cv.wait(m, $);
        item($) = i;
        full($) = true;
      } else {  // consumer
        while (!full($))
          cv.wait(m, $);
        RL_ASSERT(item($) == i);
        full($) = false;
      }
      cv.notify_one($);
      m.unlock($);
    }
  }
};

constexpr rl::iteration_t batch = 20000;

template <class Test>
void bm_relacy_random(benchmark::State& state) {
  std::size_t executions = 0;
  for (auto _ : state) {
    rl::test_params p;
    p.search_type = rl::sched_random;
    p.iteration_count = batch;
    p.output_stream = &null_stream;
    p.progress_stream = &null_stream;
    if (!rl::simulate<Test>(p)) {
      state.SkipWithError("Relacy reported a failure");
      break;
    }
    executions += static_cast<std::size_t>(p.stop_iteration);
  }
  state.counters["executions"] = benchmark::Counter(static_cast<double>(executions));
  state.counters["exec_per_s"] =
      benchmark::Counter(static_cast<double>(executions), benchmark::Counter::kIsRate);
}

template <class Test>
int exhaustive(rl::scheduler_type_e type, unsigned bound) {
  rl::test_params p;
  p.search_type = type;
  p.context_bound = bound;
  p.output_stream = &null_stream;
  p.progress_stream = &std::cout;
  const auto start = std::chrono::steady_clock::now();
  const bool ok = rl::simulate<Test>(p);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("result: %s iterations: %llu seconds: %.3f\n", ok ? "ok" : "FAILED",
              static_cast<unsigned long long>(p.stop_iteration), secs);
  return ok ? 0 : 1;
}

const char* flag_value(const char* arg, const char* name) {
  const std::size_t n = std::strlen(name);
  return std::strncmp(arg, name, n) == 0 && arg[n] == '=' ? arg + n + 1 : nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  const char* search = nullptr;
  const char* test = "cas_mutex3";
  unsigned bound = 2;
  for (int i = 1; i < argc; ++i) {
    if (const char* v = flag_value(argv[i], "--search")) search = v;
    if (const char* v = flag_value(argv[i], "--test")) test = v;
    if (const char* v = flag_value(argv[i], "--bound")) bound = static_cast<unsigned>(std::atoi(v));
  }
  if (search != nullptr) {
    const std::string s(search);
    const rl::scheduler_type_e type = s == "full" ? rl::sched_full : rl::sched_bound;
    if (s != "full" && s != "bound") {
      std::fprintf(stderr, "--search=full|bound\n");
      return 2;
    }
    const std::string t(test);
    if (t == "cas_mutex3") return exhaustive<cas_mutex3>(type, bound);
    if (t == "cas_mutex3_k1") return exhaustive<cas_mutex3_k<1>>(type, bound);
    if (t == "tiny_publication") return exhaustive<tiny_publication>(type, bound);
    if (t == "condvar_handoff") return exhaustive<condvar_handoff>(type, bound);
    std::fprintf(stderr, "unknown --test=%s\n", test);
    return 2;
  }

  benchmark::RegisterBenchmark("relacy/tiny_publication/random", bm_relacy_random<tiny_publication>)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("relacy/cas_mutex3/random", bm_relacy_random<cas_mutex3>)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("relacy/condvar_handoff/random", bm_relacy_random<condvar_handoff>)
      ->Unit(benchmark::kMillisecond);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
