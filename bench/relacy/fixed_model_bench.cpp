// fixed_model_bench.cpp — the tests of fixed_tests.hpp under weft's model mode
// (weft::model::check of weft::run_fixed_threads<Test>), timed with Google Benchmark.
//
//   fixed/<test>/model_<strategy>   one benchmark iteration = one check() of `batch`
//                                   executions (random or pct, fixed seed); exec_per_s
//
// The twin of fixed_relacy_bench.cpp; docs/benchmarks.md section 3b puts both in one table.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>

#include "fixed_tests.hpp"
#include "weft/fixed_threads.hpp"
#include "weft/model.hpp"

namespace {

constexpr std::size_t batch = 20000;

template <class Test, weft::model::strategy S>
void bm_model(benchmark::State& state) {
  constexpr weft::model::strategy s = S;
  std::uint64_t executions = 0;
  for (auto _ : state) {
    weft::model::options o;
    o.strategy = s;
    o.seed = 1;
    o.max_schedules = batch;
    o.use_environment = false;
    const auto r = weft::model::check(o, weft::run_fixed_threads<Test>);
    if (!r.ok()) {
      std::fprintf(stderr, "%s\n", r.to_string().c_str());
      state.SkipWithError("model check failed");
      break;
    }
    executions += r.schedules;
  }
  state.counters["executions"] = benchmark::Counter(static_cast<double>(executions));
  state.counters["exec_per_s"] =
      benchmark::Counter(static_cast<double>(executions), benchmark::Counter::kIsRate);
}

using namespace weft_bench_fixed;
using weft::model::strategy;
// (BENCHMARK_TEMPLATE2: a template argument list with a comma cannot go through
// BENCHMARK or BENCHMARK_CAPTURE.)
#define WEFT_FIXED_MODEL(test)                          \
  BENCHMARK_TEMPLATE2(bm_model, test, strategy::random) \
      ->Name("fixed/" #test "/model_random")            \
      ->Unit(benchmark::kMillisecond);                  \
  BENCHMARK_TEMPLATE2(bm_model, test, strategy::pct)    \
      ->Name("fixed/" #test "/model_pct")               \
      ->Unit(benchmark::kMillisecond)
WEFT_FIXED_MODEL(publish);
WEFT_FIXED_MODEL(peterson);
WEFT_FIXED_MODEL(cas_mutex3);
WEFT_FIXED_MODEL(parker);
WEFT_FIXED_MODEL(channel);
#undef WEFT_FIXED_MODEL

}  // namespace

BENCHMARK_MAIN();
