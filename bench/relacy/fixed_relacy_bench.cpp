// fixed_relacy_bench.cpp — the tests of fixed_tests.hpp under Relacy, through the sync
// facade's WEFT_RELACY flavour (weft::relacy::check), timed with Google Benchmark.
//
//   fixed/<test>/relacy_random   one benchmark iteration = one Relacy search of `batch`
//                                executions with the random scheduler; counter exec_per_s
//
// fixed_model_bench.cpp times the same tests under weft's model mode (fixed/<test>/model_*),
// docs/benchmarks.md section 3b puts both in one table. Built by weft_add_relacy_test (NO_TEST).
#include <weft/relacy.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>

#include "fixed_tests.hpp"

namespace {

constexpr std::uint64_t batch = 20000;

template <class Test>
void bm_relacy(benchmark::State& state) {
  std::uint64_t executions = 0;
  for (auto _ : state) {
    weft::relacy::options o;
    o.iterations = batch;
    o.use_environment = false;
    o.output = &weft::relacy::null_stream();
    const auto r = weft::relacy::check<Test>(o);
    if (!r.ok()) {
      state.SkipWithError(r.what());
      break;
    }
    executions += r.iterations;
  }
  state.counters["executions"] = benchmark::Counter(static_cast<double>(executions));
  state.counters["exec_per_s"] =
      benchmark::Counter(static_cast<double>(executions), benchmark::Counter::kIsRate);
}

using namespace weft_bench_fixed;
BENCHMARK(bm_relacy<publish>)->Name("fixed/publish/relacy_random")->Unit(benchmark::kMillisecond);
BENCHMARK(bm_relacy<peterson>)->Name("fixed/peterson/relacy_random")->Unit(benchmark::kMillisecond);
BENCHMARK(bm_relacy<cas_mutex3>)
    ->Name("fixed/cas_mutex3/relacy_random")
    ->Unit(benchmark::kMillisecond);
BENCHMARK(bm_relacy<parker>)->Name("fixed/parker/relacy_random")->Unit(benchmark::kMillisecond);
BENCHMARK(bm_relacy<channel>)->Name("fixed/channel/relacy_random")->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
