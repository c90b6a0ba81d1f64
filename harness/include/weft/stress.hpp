// weft/stress.hpp — stress mode: real threads, real cores, injected delays.
//
//   weft::stress::options opts;
//   opts.iterations = 2000;
//   auto report = weft::stress::run(opts, [] {
//     my_queue q(4);
//     weft::thread producer([&] { for (int i = 0; i < 100; ++i) q.push(i); });
//     int sum = 0;
//     for (int i = 0; i < 100; ++i) sum += q.pop();
//     producer.join();
//     WEFT_ASSERT(sum == 4950);
//   });
//   EXPECT_TRUE(report.ok()) << report;
//
// run() executes the body `iterations` times (or for `max_seconds`) on the calling thread.
// Threads the body starts with weft::thread are real std::threads. Around every facade
// operation a per-thread generator seeded from the run's seed injects, with probability
// `delays.probability`, a yield, a short spin or a short sleep, so interleavings that are
// rare on an idle machine become common. Threads started back to back are held at a start
// gate until their creator's next facade operation, so they really overlap.
//
// Failures: a failed WEFT_ASSERT or an exception escaping any thread fails the run; a
// round that takes longer than `hang_seconds` is a hang: the report lists each thread
// and the facade operation it is stuck in, and blocked facade operations are unwound so
// the run returns. Stress runs are not exactly reproducible (the OS schedules the
// threads); the report gives the seed and the failing round, and WEFT_SEED re-runs the
// same delay decisions. Build the suite with the tsan preset so every stress run is also
// a data-race check.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

#include "weft/assert.hpp"
#include "weft/sync.hpp"

namespace weft::stress {

// How delays are injected at sync points. Weights select among the three kinds.
struct delay_profile {
  double probability = 0.05;  // per sync point, before and after the operation
  double yield_weight = 0.6;
  double spin_weight = 0.3;
  double sleep_weight = 0.1;
  std::chrono::nanoseconds max_spin{5000};
  std::chrono::microseconds max_sleep{100};
};

struct options {
  std::size_t iterations = 1000;  // rounds of the body (WEFT_STRESS_ITERATIONS)
  double max_seconds = 0;         // stop starting rounds after this long; 0 = no limit
                                  // (WEFT_STRESS_SECONDS)
  std::uint64_t seed = 0;         // 0 = pick one and report it (WEFT_SEED)
  bool inject = true;             // false: the same run without delays (a baseline)
  delay_profile delays;
  std::size_t noise_threads = 0;  // extra threads that compete for the cores
  double hang_seconds = 30;       // a round running longer than this is a hang
  bool use_environment = true;    // honour the WEFT_* variables above
  std::string name;               // shown in reports
};

enum class failure { none, assertion, uncaught_exception, leaked_thread, hang };

struct report {
  failure kind = failure::none;
  std::string message;
  std::uint64_t seed = 0;
  std::size_t iterations = 0;         // rounds run, the failing one included
  std::size_t failing_iteration = 0;  // 0-based; meaningful when !ok()
  double seconds = 0;
  double iterations_per_second = 0;
  // Round duration percentiles, in microseconds.
  double p50_us = 0, p90_us = 0, p99_us = 0, max_us = 0;
  std::uint64_t sync_operations = 0;  // facade operations performed
  std::uint64_t delays_injected = 0;

  bool ok() const { return kind == failure::none; }
  std::string to_string() const;
};

std::string_view to_string(failure kind);
std::ostream& operator<<(std::ostream& os, const report& r);

// Runs the body repeatedly under delay injection; returns at the first failing round or
// when the budget is spent. Throws std::invalid_argument for bad options and
// std::logic_error when called inside a model execution or another stress run.
report run(const options& opts, const std::function<void()>& body);

// True while the calling thread takes part in a stress run.
bool active() noexcept;

// Fails the current round with `message`, as a failed check of the caller's own (an
// invariant found broken, a value lost): the run stops after this round and its report
// carries the message, the thread and the seed. The calling thread is not unwound, so
// the round ends normally. Throws std::logic_error when !active().
void fail(std::string_view message, source_loc loc = source_loc::current());

}  // namespace weft::stress
