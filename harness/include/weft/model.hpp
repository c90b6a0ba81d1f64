// weft/model.hpp — model mode: systematic exploration of a test's interleavings.
//
//   weft::model::options opts;
//   opts.strategy = weft::model::strategy::pct;
//   auto report = weft::model::check(opts, [] {
//     weft::atomic<int> n{0};
//     weft::thread t([&] { n.fetch_add(1); });
//     n.fetch_add(1);
//     t.join();
//     WEFT_ASSERT(n.load() == 2);
//   });
//   EXPECT_TRUE(report.ok()) << report;
//
// check() runs the body many times; each run ("execution") is one interleaving of its
// logical threads, all of them fibers on the calling OS thread, switched only at facade
// operations. Executions are stateless: the body builds what it tests. The first failing
// execution stops the search and is reported with a trace and a replay token.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>

#include "weft/assert.hpp"
#include "weft/sync.hpp"

namespace weft::model {

// How the next thread is picked at each scheduling point.
//   random — uniformly among the runnable threads; a good default.
//   pct    — probabilistic concurrency testing: random thread priorities with
//            pct_depth - 1 priority change points; finds bugs of depth d with a
//            guaranteed probability per execution.
//   dfs    — depth-first over every schedule with at most preemption_bound preemptions
//            (-1: unbounded), pruned with sleep sets; reports `exhausted` when done.
enum class strategy { random, pct, dfs };

struct options {
  weft::model::strategy strategy = weft::model::strategy::random;
  std::uint64_t seed = 0;            // 0 = pick one and report it
  std::size_t max_schedules = 1000;  // executions to run at most
  int pct_depth = 3;
  int preemption_bound = 2;        // dfs; -1 = unbounded (exhaustive)
  bool sleep_sets = true;          // unbounded dfs: skip schedules that only reorder
                                   // independent operations (off: to cross-check)
  std::size_t max_steps = 100000;  // per execution; beyond it: livelock
  std::string replay;              // non-empty: run exactly this schedule
  double max_seconds = 0;          // wall-clock budget for the search; 0 = none
  bool spurious_wakeups = true;    // condition variables may wake spuriously
  // weft::var reads and writes are scheduling points. false: only synchronisation is (as in
  // loom, shuttle and Relacy): a smaller space, races on vars still detected; but a spin
  // on a var can end as a livelock rather than a race, PCT samples some shapes worse, and
  // a replay token fits only the setting that found it (docs/model-checking.md).
  bool schedule_var_accesses = true;
  std::size_t stack_size = std::size_t{256} * 1024;  // per logical thread, plus a guard page
  bool full_trace = false;                           // report every step instead of the last ones
  bool use_environment = true;  // honour WEFT_SEED, WEFT_SCHEDULES, WEFT_STRATEGY,
                                // WEFT_REPLAY and GoogleTest's sharding variables
  std::string name;             // shown in reports (e.g. the test's name)
};

enum class failure {
  none,
  assertion,
  deadlock,
  data_race,
  livelock,
  uncaught_exception,
  leaked_thread,
  nondeterminism,  // a replayed or re-explored schedule took a different path
};

struct report {
  failure kind = failure::none;
  std::string message;
  std::string trace;
  std::string replay;
  std::size_t schedules = 0;  // executions run, the failing one included
  bool exhausted = false;     // dfs explored the whole (bounded) space
  std::uint64_t seed = 0;     // the seed the search used
  std::string strategy;       // the strategy the search used (after the environment)

  bool ok() const { return kind == failure::none; }
  std::string to_string() const;
};

std::string_view to_string(failure kind);
std::string_view to_string(weft::model::strategy s);
std::ostream& operator<<(std::ostream& os, const report& r);

// Runs `body` under the controlled scheduler until a failure, the schedule budget, the
// time budget or (dfs) the end of the bounded space. Throws std::invalid_argument for
// bad options or a malformed replay token, and std::logic_error when called from inside
// a model execution.
report check(const options& opts, std::function<void()> body);

// Runs `body` exactly once, taking every scheduling decision from `decisions` — the bytes
// of a libFuzzer input, so coverage-guided fuzzing explores interleavings. Each decision
// consumes a byte (two for choices of more than 256 values); when the bytes run out, the
// running thread keeps running. The report's replay token reproduces the execution
// without the bytes. Options other than the strategy and budget apply (max_steps,
// spurious_wakeups, stack_size, ...); the environment is not consulted.
report run_decisions(const options& opts, std::span<const std::uint8_t> decisions,
                     std::function<void()> body);

// Gives a facade object (or any address) a name shown in traces and deadlock reports.
// Names last for the current execution; outside model mode this does nothing.
void name(const void* object, std::string_view name);

// True while the calling code runs inside a model execution.
bool active() noexcept;

}  // namespace weft::model
