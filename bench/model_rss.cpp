// model_rss.cpp — the model checker's memory: does RSS stay flat over a million
// executions, and does a 200-thread test fit in 256 MiB?
//
//   weft_model_rss [--executions N] [--test tiny|cas_mutex3|condvar]
//       one weft::model::check() of N executions (default 1,000,000; random strategy) of a
//       small test; VmRSS and VmHWM (peak RSS) from /proc/self/status are sampled from
//       inside the test body at execution 10,000, 100,000 and N, so all samples belong to
//       the same search (same stack pool, same execution object).
//   weft_model_rss --threads T [--executions N]
//       N executions (default 1,000) of a T-thread test (bench_tests.hpp: many_threads);
//       prints VmHWM at the end.
//
// Output: one line per sample, "executions=<n> VmRSS_kB=<r> VmHWM_kB=<h> seconds=<s>",
// then "limit_kB=<l> ok=<0|1>" where the limit is 256 MiB for --threads and, for the
// flat-RSS check, the 10,000-execution peak plus 1 MiB.
// Run each mode in its own process: VmHWM is the process's high-water mark.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>

#include "bench_tests.hpp"

namespace {

struct mem {
  long rss_kb = -1;
  long hwm_kb = -1;
};

mem read_mem() {
  mem m;
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return m;
  char line[256];
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::strncmp(line, "VmRSS:", 6) == 0) m.rss_kb = std::strtol(line + 6, nullptr, 10);
    if (std::strncmp(line, "VmHWM:", 6) == 0) m.hwm_kb = std::strtol(line + 6, nullptr, 10);
  }
  std::fclose(f);
  return m;
}

using clock_type = std::chrono::steady_clock;

void print_sample(std::size_t executions, const mem& m, clock_type::time_point start) {
  std::printf("executions=%zu VmRSS_kB=%ld VmHWM_kB=%ld seconds=%.2f\n", executions, m.rss_kb,
              m.hwm_kb, std::chrono::duration<double>(clock_type::now() - start).count());
  std::fflush(stdout);
}

int fail(const weft::model::report& r) {
  std::fprintf(stderr, "%s\n", r.to_string().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t executions = 0;
  int threads = 0;
  std::string test = "tiny";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--executions") {
      executions = std::strtoull(argv[i + 1], nullptr, 10);
    } else if (flag == "--threads") {
      threads = std::atoi(argv[i + 1]);
    } else if (flag == "--test") {
      test = argv[i + 1];
    } else {
      std::fprintf(stderr,
                   "usage: %s [--executions N] [--threads T] [--test tiny|cas_mutex3|condvar]\n",
                   argv[0]);
      return 2;
    }
  }
  const auto start = clock_type::now();
  std::printf("start: VmRSS_kB=%ld VmHWM_kB=%ld\n", read_mem().rss_kb, read_mem().hwm_kb);

  if (threads > 0) {
    if (executions == 0) executions = 1000;
    auto o = weft_bench::bench_options(weft::model::strategy::random, executions);
    const auto r = weft::model::check(o, [threads] { weft_bench::many_threads(threads); });
    if (!r.ok()) return fail(r);
    const mem m = read_mem();
    std::printf("threads=%d ", threads);
    print_sample(r.schedules, m, start);
    const long limit = 256L * 1024;
    std::printf("limit_kB=%ld ok=%d\n", limit, m.hwm_kb > 0 && m.hwm_kb <= limit ? 1 : 0);
    return 0;
  }

  if (executions == 0) executions = 1'000'000;
  std::function<void()> work = weft_bench::tiny_publication;
  if (test == "cas_mutex3") work = weft_bench::cas_mutex3;
  if (test == "condvar") work = weft_bench::condvar_handoff;
  std::printf("test=%s\n", test.c_str());

  std::size_t done = 0;
  mem at_10k;
  auto o = weft_bench::bench_options(weft::model::strategy::random, executions);
  const auto r = weft::model::check(o, [&] {
    work();
    ++done;  // plain counter: the body runs on one OS thread, executions one at a time
    if (done == 10'000 || done == 100'000 || done == executions) {
      const mem m = read_mem();
      if (done == 10'000) at_10k = m;
      print_sample(done, m, start);
    }
  });
  if (!r.ok()) return fail(r);
  const mem end = read_mem();
  const long limit = at_10k.hwm_kb + 1024;
  std::printf("limit_kB=%ld ok=%d\n", limit, at_10k.hwm_kb > 0 && end.hwm_kb <= limit ? 1 : 0);
  return 0;
}
