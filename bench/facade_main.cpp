// facade_main.cpp — registers the facade benchmarks of every flavour, grouped by
// operation (std, instrumented, native one after the other), and runs them.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "facade_bench.hpp"

int main(int argc, char** argv) {
  std::vector<facade_cases> flavours = facade_cases_instrumented();
  for (auto& f : facade_cases_native())
    flavours.push_back(std::move(f));
  // Operations in the order of the first flavour; each followed by its other flavours.
  for (const facade_case& first : flavours.front().cases) {
    for (const facade_cases& f : flavours) {
      for (const facade_case& c : f.cases) {
        if (std::string(c.op) != first.op) continue;
        auto* b = benchmark::RegisterBenchmark((std::string(c.op) + "/" + f.flavour).c_str(), c.fn);
        if (c.threaded) b->UseRealTime();
      }
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
