// weft/fuzz.hpp — fuzzing concurrent code with libFuzzer: one input chooses both the
// program (which threads do which operations) and its schedule (which thread runs at
// every step).
//
//   #include <fuzzer/FuzzedDataProvider.h>
//   #include <weft/fuzz.hpp>
//
//   extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
//     FuzzedDataProvider in(data, size);
//     const int producers = in.ConsumeIntegralInRange(1, 3);  // the program: from the end
//     const auto schedule = weft::fuzz::schedule_bytes(in);    // the rest: the schedule
//     weft::fuzz::run(schedule, [&] {                          // one model execution
//       my_queue q(2);
//       ... start `producers` weft::threads, join them, WEFT_ASSERT the invariants ...
//     });
//     return 0;
//   }
//
// run() is weft::model::run_decisions with fuzzing defaults: every scheduling decision
// of the execution (which runnable thread goes next, spurious wake-ups, model::choose)
// takes the next byte of `schedule`; once the bytes run out the running thread keeps
// running. A failing execution — WEFT_ASSERT / weft::fuzz::require, deadlock, livelock
// (options.max_steps), data race on a weft::var, uncaught exception, leaked thread — is
// printed with its interleaving and replay token, and the process aborts, so libFuzzer
// stores the input as a crash. The stored input reproduces the failure in any build of
// the target (the replay driver included); the token reproduces the schedule under
// weft::model::check (options.replay) for a unit test of the same program.
//
// FuzzedDataProvider takes integers from the END of the input and raw bytes from the
// front, so decode the program first with ConsumeIntegral* / ConsumeBool / PickValueInArray
// and take the schedule last: mutations of the schedule then leave the program intact.
//
// The body runs twice when it fails (the second run records the trace), so it must build
// everything it uses from the decoded program and must not consume the provider.
//
// Interleaving signal: libFuzzer only sees code coverage, and different interleavings
// often run the same code. observe(...) records a feature — e.g. "thread 2 received the
// value thread 1 sent, as its first receive" — in a libFuzzer extra-counter array, so
// inputs that produce new interleaving outcomes are kept in the corpus even when they
// cover no new code (reads-from coverage, as in RFF, ASPLOS 2024). WEFT_FUZZ_SIGNAL=0
// turns it off (to measure what it buys); outside libFuzzer it costs a hash and a store.
//
// Thread-safety: run() must not be nested; observe() may be called from any logical
// thread of the execution (they all run on the calling OS thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "weft/assert.hpp"
#include "weft/model.hpp"
#include "weft/sync/source_loc.hpp"

class FuzzedDataProvider;

namespace weft::fuzz {

// Model options for one fuzzed execution: a step bound low enough that a livelock is
// reported in milliseconds (fuzz programs are small), spurious wake-ups on (they take
// decisions from the input too), and `name` shown in the report. WEFT_TRACE=full makes
// reports show the whole interleaving (run_decisions itself reads no environment).
weft::model::options default_options(std::string_view name = {});

// The bytes `in` has not consumed yet: the scheduling decisions. Consumes them.
std::vector<std::uint8_t> schedule_bytes(FuzzedDataProvider& in);

// Runs `body` once under the model checker with scheduling decisions from `schedule`.
// Returns normally only if the execution passed; otherwise prints the report to stderr
// — preceded by describe_program(), if given, which should print the decoded program —
// and aborts (libFuzzer records the input). The options' strategy/budget are ignored.
void run(std::span<const std::uint8_t> schedule, const std::function<void()>& body,
         const weft::model::options& opts = default_options(),
         const std::function<std::string()>& describe_program = {});

// The failure path of run(): prints the program description (if any) and `report` (with
// its replay token) under a banner naming `target`, then aborts.
[[noreturn]] void fail(const weft::model::report& report, std::string_view target = {},
                       std::string_view program = {});

// A violated invariant outside any model execution (e.g. checks after run()): prints
// the message and aborts.
[[noreturn]] void fail(std::string_view message);

// Inside a model execution: fails the execution with `what` (shown in the report, with
// the interleaving) when `cond` is false — WEFT_ASSERT with a message. Outside: fail().
inline void require(bool cond, const std::string& what,
                    weft::source_loc loc = weft::source_loc::current()) {
  if (!cond) [[unlikely]] {
    weft::detail::assert_failed(what.c_str(), loc);
  }
}

// The calling logical thread's index (0 = the body's thread, then in order of
// creation) inside a model execution; 0 outside.
std::uint32_t thread_index() noexcept;

// Records the interleaving feature (a, b, c, d) for libFuzzer (see the header comment).
// Typical features: (site, reader thread, writer thread, n-th read), (site, thread,
// operation index, outcome). Cheap; a no-op when WEFT_FUZZ_SIGNAL=0.
void observe(std::uint64_t a, std::uint64_t b = 0, std::uint64_t c = 0,
             std::uint64_t d = 0) noexcept;

// Whether observe() records anything (WEFT_FUZZ_SIGNAL unset or not "0").
bool signal_enabled() noexcept;

// How many distinct features the extra-counter array holds right now (for tests and
// statistics; libFuzzer clears the array before every input).
std::size_t features_seen() noexcept;

}  // namespace weft::fuzz
