// weft/relacy/runner.hpp — running Relacy tests: options with environment knobs, the
// weft::relacy::test_suite base, check<>() for suites and fixed-thread tests, and a
// main() for test executables with expected outcomes.
//
//   struct my_suite : weft::relacy::test_suite<my_suite, 2> {   // 2 threads
//     weft::atomic<int> x{0};                                   // facade objects as members
//     void thread(unsigned index) { ... }
//   };
//   weft::relacy::result r = weft::relacy::check<my_suite>();   // or a fixed-thread test
//   if (!r.ok()) std::cerr << r.what();                          // e.g. "DATA RACE"
//
// Environment knobs (when options::use_environment, the default), so nightly jobs scale
// without rebuilding:
//   WEFT_RELACY_SCHEDULER      random | bound | full  (Relacy's random, context-bound and
//                              full searches; bound and full run to exhaustion)
//   WEFT_RELACY_ITERATIONS     executions of the random scheduler
//   WEFT_RELACY_CONTEXT_BOUND  preemptions per execution of the bound scheduler
//   WEFT_RELACY_DEPTH          scheduling points per execution before Relacy reports a
//                              livelock
//   WEFT_RELACY_VERBOSE=1      test_main: print Relacy's report for expected failures too,
//                              and its progress lines
//   WEFT_RELACY_FILTER=text    test_main: run only the cases whose name contains text
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <iostream>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

#include "weft/fixed_threads.hpp"
#include "weft/relacy/session.hpp"

namespace weft::relacy {

enum class scheduler { random, bound, full };

inline const char* to_string(scheduler s) noexcept {
  switch (s) {
    case scheduler::random:
      return "random";
    case scheduler::bound:
      return "bound";
    case scheduler::full:
      return "full";
  }
  return "?";
}

struct options {
  relacy::scheduler scheduler = relacy::scheduler::random;
  std::uint64_t iterations = 20000;  // random scheduler: executions to run
  unsigned context_bound = 2;        // bound scheduler: preemptions per execution
  unsigned depth_limit = 20000;      // scheduling points per execution before "livelock"
  bool use_environment = true;       // honour the WEFT_RELACY_* knobs above
  std::ostream* output = nullptr;    // Relacy's report (failure + history); null: std::cout
  std::ostream* progress = nullptr;  // Relacy's progress lines; null: none
};

// Options of the random scheduler with `n` executions — the usual override of a case
// that needs more than the default to reach its interleaving.
inline options iterations(std::uint64_t n) {
  options o;
  o.iterations = n;
  return o;
}

struct result {
  rl::test_result_e kind = rl::test_result_success;
  std::uint64_t iterations = 0;  // executions run (the failing one included)
  double seconds = 0;            // wall time of the search (without the history re-run)
  relacy::scheduler scheduler = relacy::scheduler::random;

  bool ok() const noexcept { return kind == rl::test_result_success; }
  // Relacy's name of the outcome: "SUCCESS", "DATA RACE", "DEADLOCK", "USER ASSERT
  // FAILED", "ACCESS TO FREED MEMORY", "MEMORY LEAK", "LIVELOCK", ...
  const char* what() const noexcept { return rl::test_result_str(kind); }
};

// A stream that discards everything without allocating. Relacy routes every allocation
// made during a simulation through its own allocator, so a stream that grows a buffer
// (std::ostringstream) corrupts the heap when used as its output.
inline std::ostream& null_stream() {
  struct null_buf final : std::streambuf {
    int overflow(int c) override { return c; }
  };
  static null_buf buf;
  static std::ostream os(&buf);
  return os;
}

namespace detail {

inline const char* env(const char* name) {
  return std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read before any simulation
}

inline bool parse_unsigned(const char* text, std::uint64_t& out) {
  if (text == nullptr || *text == '\0') return false;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (end == nullptr || *end != '\0') return false;
  out = v;
  return true;
}

}  // namespace detail

// The options after the WEFT_RELACY_* environment knobs (unknown values are reported on
// stderr and ignored).
inline options apply_environment(options o) {
  if (const char* s = detail::env("WEFT_RELACY_SCHEDULER")) {
    const std::string_view v(s);
    if (v == "random") {
      o.scheduler = scheduler::random;
    } else if (v == "bound") {
      o.scheduler = scheduler::bound;
    } else if (v == "full") {
      o.scheduler = scheduler::full;
    } else {
      std::fprintf(stderr, "weft::relacy: ignoring WEFT_RELACY_SCHEDULER=%s (random|bound|full)\n",
                   s);
    }
  }
  std::uint64_t n = 0;
  if (const char* s = detail::env("WEFT_RELACY_ITERATIONS")) {
    if (detail::parse_unsigned(s, n) && n > 0) {
      o.iterations = n;
    } else {
      std::fprintf(stderr, "weft::relacy: ignoring WEFT_RELACY_ITERATIONS=%s\n", s);
    }
  }
  if (const char* s = detail::env("WEFT_RELACY_CONTEXT_BOUND")) {
    if (detail::parse_unsigned(s, n)) {
      o.context_bound = static_cast<unsigned>(n);
    } else {
      std::fprintf(stderr, "weft::relacy: ignoring WEFT_RELACY_CONTEXT_BOUND=%s\n", s);
    }
  }
  if (const char* s = detail::env("WEFT_RELACY_DEPTH")) {
    if (detail::parse_unsigned(s, n) && n > 0) {
      o.depth_limit = static_cast<unsigned>(n);
    } else {
      std::fprintf(stderr, "weft::relacy: ignoring WEFT_RELACY_DEPTH=%s\n", s);
    }
  }
  return o;
}

// Base of a Relacy test suite that uses the facade: Threads static threads (Relacy's
// thread(index) for index 0..Threads-1), plus up to Spawned weft::threads started per
// iteration. Resets the per-iteration state of the facade (logical clock, thread pool)
// in its constructor, which Relacy runs at the start of every iteration. Facade
// objects are members of the suite (or are created by its threads): Relacy objects
// cannot exist outside a simulation.
template <class Derived, int Threads, int Spawned = 0,
          rl::test_result_e Expected = rl::test_result_success>
struct test_suite : rl::test_suite<Derived, Threads, Expected> {
  static_assert(Threads >= 1 && Spawned >= 0);
  static const rl::thread_id_t dynamic_thread_count = Spawned;

  test_suite() { detail::begin_iteration(Spawned); }
};

namespace detail {

// A fixed-thread test (weft/fixed_threads.hpp) as a Relacy suite.
template <fixed_thread_test T>
struct fixed_suite : test_suite<fixed_suite<T>, T::threads, fixed_spawned_threads<T>()> {
  T t;

  void before() {
    run_guarded([this] { weft::detail::fixed_before(t); }, "before()");
  }
  void thread(unsigned index) {
    run_guarded([this, index] { t.thread(static_cast<int>(index)); }, "a test thread");
  }
  void after() {
    run_guarded([this] { weft::detail::fixed_after(t); }, "after()");
  }
  void invariant() { weft::detail::fixed_invariant(t); }
};

template <class S>
concept relacy_suite = requires {
  S::params::thread_count;
  S::params::expected_result;
};

template <class X>
struct suite_of {
  using type = X;
};
template <class X>
requires(!relacy_suite<X> && fixed_thread_test<X>) struct suite_of<X> {
  using type = fixed_suite<X>;
};

}  // namespace detail

// Runs Relacy on X — an rl::test_suite (preferably a weft::relacy::test_suite) or a
// fixed-thread test — with the given options (after the environment knobs, if
// use_environment). Relacy stops at the first failing execution, re-runs it to collect
// its history and prints that to options::output.
template <class X>
result check(options o = {}) {
  using suite = typename detail::suite_of<X>::type;
  static_assert(detail::relacy_suite<suite>,
                "weft::relacy::check<X>: X must be a Relacy test suite or a fixed-thread test "
                "(weft/fixed_threads.hpp)");
  if (o.use_environment) {
    o = apply_environment(o);
  }
  rl::test_params p;
  switch (o.scheduler) {
    case scheduler::random:
      p.search_type = rl::sched_random;
      break;
    case scheduler::bound:
      p.search_type = rl::sched_bound;
      break;
    case scheduler::full:
      p.search_type = rl::sched_full;
      break;
  }
  p.iteration_count = o.iterations;
  p.context_bound = o.context_bound;
  p.execution_depth_limit = o.depth_limit;
  p.output_stream = o.output != nullptr ? o.output : &std::cout;
  p.progress_stream = o.progress != nullptr ? o.progress : &null_stream();

  const auto start = std::chrono::steady_clock::now();
  (void)rl::simulate<suite>(p);
  result r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.kind = p.test_result;
  r.scheduler = o.scheduler;
  // stop_iteration: the index of the failing execution, or the number run.
  r.iterations = static_cast<std::uint64_t>(p.stop_iteration) + (r.ok() ? 0 : 1);
  detail::session().active = false;
  return r;
}

// ---- test executables ----

// One case of a Relacy test executable: run X and expect success, or one of the failures
// in `expected` (a case that shows a bug is caught; a bug may surface as more than one
// kind — a use after free of a mutex is "ACCESS TO FREED MEMORY" or "USAGE OF NON
// INITIALIZED MUTEX" depending on what the freed memory holds).
struct test_case {
  std::string name;
  std::vector<rl::test_result_e> expected{rl::test_result_success};
  std::function<result(const options&)> run;
  options opts;

  bool expects_success() const {
    return expected.size() == 1 && expected.front() == rl::test_result_success;
  }
  bool matches(rl::test_result_e kind) const {
    for (auto e : expected) {
      if (e == kind) return true;
    }
    return false;
  }
  std::string expectation() const {
    std::string s;
    for (auto e : expected) {
      s += s.empty() ? "" : " or ";
      s += rl::test_result_str(e);
    }
    return s;
  }
};

template <class X>
test_case passes(std::string name, options opts = {}) {
  return test_case{std::move(name),
                   {rl::test_result_success},
                   [](const options& o) { return check<X>(o); },
                   opts};
}
template <class X>
test_case fails_with(std::string name, std::initializer_list<rl::test_result_e> expected,
                     options opts = {}) {
  return test_case{std::move(name), std::vector<rl::test_result_e>(expected),
                   [](const options& o) { return check<X>(o); }, opts};
}
template <class X>
test_case fails_with(std::string name, rl::test_result_e expected, options opts = {}) {
  return fails_with<X>(std::move(name), {expected}, opts);
}

// Runs the cases (all, or those named by --case=<text> / WEFT_RELACY_FILTER=<text>
// substrings; --list prints the names) and returns 0 if every outcome was the expected
// one. Relacy's report is printed for unexpected outcomes (an expected failure that came
// out differently is re-run with output on) and, with WEFT_RELACY_VERBOSE=1, for all.
inline int test_main(int argc, char** argv, const std::vector<test_case>& cases) {
  const char* filter = detail::env("WEFT_RELACY_FILTER");
  bool verbose = false;
  if (const char* v = detail::env("WEFT_RELACY_VERBOSE")) verbose = std::string_view(v) == "1";
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    if (arg == "--list") {
      for (const auto& c : cases) {
        std::printf("%s\n", c.name.c_str());
      }
      return 0;
    }
    if (arg.starts_with("--case=")) {
      filter = argv[i] + 7;
    } else if (arg == "--verbose") {
      verbose = true;
    } else {
      std::fprintf(stderr, "usage: %s [--list] [--case=<substring>] [--verbose]\n", argv[0]);
      return 2;
    }
  }
  int failed = 0;
  int ran = 0;
  for (const auto& c : cases) {
    if (filter != nullptr && c.name.find(filter) == std::string::npos) continue;
    ++ran;
    options o = c.opts;
    const bool expect_ok = c.expects_success();
    o.output = expect_ok || verbose ? &std::cout : &null_stream();
    if (verbose) o.progress = &std::cout;
    std::printf("[ RUN      ] %s (expect %s)\n", c.name.c_str(), c.expectation().c_str());
    std::fflush(stdout);
    result r = c.run(o);
    const bool good = c.matches(r.kind);
    if (!good && !expect_ok && !verbose && !r.ok()) {
      std::printf("unexpected outcome; re-running with Relacy's report:\n");
      std::fflush(stdout);
      o.output = &std::cout;
      r = c.run(o);
    }
    std::printf("%s %s: %s after %llu executions (%s scheduler, %.3f s, %.0f executions/s)\n",
                good ? "[       OK ]" : "[  FAILED  ]", c.name.c_str(), r.what(),
                static_cast<unsigned long long>(r.iterations), to_string(r.scheduler), r.seconds,
                r.seconds > 0 ? static_cast<double>(r.iterations) / r.seconds : 0.0);
    if (!good) {
      std::printf("             expected %s\n", c.expectation().c_str());
      ++failed;
    }
    std::fflush(stdout);
  }
  if (ran == 0) {
    std::fprintf(stderr, "no case matches the filter\n");
    return 1;
  }
  std::printf("%d of %d cases as expected\n", ran - failed, ran);
  return failed == 0 ? 0 : 1;
}

}  // namespace weft::relacy
