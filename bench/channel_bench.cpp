// channel_bench.cpp — weft::channel throughput in the scenarios of crossbeam-channel's
// benchmark suite (crossbeam-channel/benchmarks/README.md), measured in ns per message.
//
//   seq          one thread sends M messages, then receives them (capacity N only)
//   spsc         one thread sends M, another receives M
//   mpsc         T threads send M/T each, one thread receives M
//   mpmc         T threads send M/T each, T other threads receive M/T each
//   select_rx    T threads send M/T each on their own channel; one thread receives M
//                by selecting over the T channels
//   select_both  T threads send M/T each by selecting over T channels; T other threads
//                receive M/T each by selecting over the same T channels
//
// with T = 4, at capacity 0 (rendezvous), 1, and N = M (crossbeam's "bounded" case: the
// buffer holds every message). Each benchmark iteration is one whole run — spawning the
// threads, moving M messages, joining — as in crossbeam's and Go's harnesses; the
// reported time is wall-clock per iteration, and the counter ns_per_msg divides it by M.
//
// Compiled twice (bench/CMakeLists.txt): weft_channel_bench with WEFT_NATIVE (the facade
// is plain std::, what production builds use) and weft_channel_bench_instrumented (the
// default flavour: one thread-local check per facade operation). Two executables, not
// one: the channel's inline functions and templates differ between the flavours, so
// both copies in one program would violate the ODR.
//
// Extra flag (before Google Benchmark's own): --messages=M (default 1,000,000).
// bench/run_channels_vs_go.sh runs this beside the same scenarios in Go (bench/go/).
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "weft/channel.hpp"
#include "weft/select.hpp"
#include "weft/sync.hpp"

namespace {

#if defined(WEFT_NATIVE)
constexpr const char* kFlavour = "native";
#else
constexpr const char* kFlavour = "instrumented";
#endif

constexpr std::size_t kThreads = 4;
std::size_t g_messages = 1'000'000;

using message = std::uintptr_t;
using chan = weft::channel<message>;

// Joins every thread of a run.
class crew {
 public:
  template <class F>
  void spawn(F&& f) {
    threads_.emplace_back(std::forward<F>(f));
  }
  ~crew() {
    for (auto& t : threads_) {
      t.join();
    }
  }

 private:
  std::vector<weft::thread> threads_;
};

void seq(std::size_t cap, std::size_t m) {
  chan c(cap);
  for (std::size_t i = 0; i < m; ++i) {
    c.send(message{i});
  }
  for (std::size_t i = 0; i < m; ++i) {
    benchmark::DoNotOptimize(c.recv());
  }
}

void spsc(std::size_t cap, std::size_t m) {
  chan c(cap);
  crew crew;
  crew.spawn([c, m] {
    for (std::size_t i = 0; i < m; ++i) {
      c.send(message{i});
    }
  });
  for (std::size_t i = 0; i < m; ++i) {
    benchmark::DoNotOptimize(c.recv());
  }
}

void mpsc(std::size_t cap, std::size_t m) {
  chan c(cap);
  crew crew;
  for (std::size_t t = 0; t < kThreads; ++t) {
    crew.spawn([c, m] {
      for (std::size_t i = 0; i < m / kThreads; ++i) {
        c.send(message{i});
      }
    });
  }
  for (std::size_t i = 0; i < m / kThreads * kThreads; ++i) {
    benchmark::DoNotOptimize(c.recv());
  }
}

void mpmc(std::size_t cap, std::size_t m) {
  chan c(cap);
  crew crew;
  for (std::size_t t = 0; t < kThreads; ++t) {
    crew.spawn([c, m] {
      for (std::size_t i = 0; i < m / kThreads; ++i) {
        c.send(message{i});
      }
    });
  }
  for (std::size_t t = 0; t < kThreads; ++t) {
    crew.spawn([c, m] {
      for (std::size_t i = 0; i < m / kThreads; ++i) {
        benchmark::DoNotOptimize(c.recv());
      }
    });
  }
}

void select_rx(std::size_t cap, std::size_t m) {
  const chan c0(cap), c1(cap), c2(cap), c3(cap);
  crew crew;
  for (const chan& c : {c0, c1, c2, c3}) {
    crew.spawn([c, m] {
      for (std::size_t i = 0; i < m / kThreads; ++i) {
        c.send(message{i});
      }
    });
  }
  for (std::size_t i = 0; i < m / kThreads * kThreads; ++i) {
    weft::select(weft::recv(c0), weft::recv(c1), weft::recv(c2), weft::recv(c3));
  }
}

void select_both(std::size_t cap, std::size_t m) {
  const chan c0(cap), c1(cap), c2(cap), c3(cap);
  crew crew;
  for (std::size_t t = 0; t < kThreads; ++t) {
    crew.spawn([c0, c1, c2, c3, m] {
      for (std::size_t i = 0; i < m / kThreads; ++i) {
        const message v{i};
        weft::select(weft::send(c0, v), weft::send(c1, v), weft::send(c2, v), weft::send(c3, v));
      }
    });
  }
  for (std::size_t t = 0; t < kThreads; ++t) {
    crew.spawn([c0, c1, c2, c3, m] {
      for (std::size_t i = 0; i < m / kThreads; ++i) {
        weft::select(weft::recv(c0), weft::recv(c1), weft::recv(c2), weft::recv(c3));
      }
    });
  }
}

using scenario_fn = void (*)(std::size_t, std::size_t);

void run(benchmark::State& state, scenario_fn f, std::size_t cap) {
  const std::size_t m = g_messages;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the benchmark loop idiom
    f(cap, m);
  }
  // Wall time per message (every scenario moves M messages per iteration; the ones
  // that split M over T threads move M rounded down to a multiple of T).
  state.counters["ns_per_msg"] =
      benchmark::Counter(static_cast<double>(m), benchmark::Counter::kIsIterationInvariantRate |
                                                     benchmark::Counter::kInvert);
  state.counters["messages"] = static_cast<double>(m);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * m));
}

void register_all() {
  struct scenario {
    const char* name;
    scenario_fn fn;
    bool needs_full_buffer;  // seq: every message must fit in the buffer
  };
  const scenario scenarios[] = {
      {"seq", seq, true},    {"spsc", spsc, false},           {"mpsc", mpsc, false},
      {"mpmc", mpmc, false}, {"select_rx", select_rx, false}, {"select_both", select_both, false},
  };
  struct capacity {
    const char* label;
    std::size_t value;
  };
  const capacity caps[] = {{"cap0", 0}, {"cap1", 1}, {"capN", g_messages}};
  for (const capacity& c : caps) {
    for (const scenario& s : scenarios) {
      if (s.needs_full_buffer && c.value < g_messages) {
        continue;
      }
      const std::string name = std::string(kFlavour) + "/" + s.name + "/" + c.label;
      benchmark::RegisterBenchmark(name.c_str(), run, s.fn, c.value)
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Take --messages=M out of argv before Google Benchmark parses it.
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    constexpr const char* kFlag = "--messages=";
    if (std::strncmp(argv[i], kFlag, std::strlen(kFlag)) == 0) {
      g_messages = std::strtoull(argv[i] + std::strlen(kFlag), nullptr, 10);
      if (g_messages < kThreads) {
        g_messages = kThreads;
      }
    } else {
      argv[out++] = argv[i];
    }
  }
  argc = out;
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
