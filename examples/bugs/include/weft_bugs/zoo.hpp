// weft_bugs/zoo.hpp — the bug zoo: small concurrent programs, each with one known bug,
// each beside its corrected twin.
//
// The programs are SCTBench-style: a few threads, a few dozen lines, one bug that only
// some interleavings expose (or, for happens-before bugs, that every interleaving
// exposes to a race detector but few would expose on real hardware). They are written
// only against the weft facade, so weft's model checker can run them:
//
//   for (const weft_bugs::bug& b : weft_bugs::all_bugs()) {
//     const auto r = weft::model::check(weft_bugs::options_for(b), b.buggy);
//     assert(r.kind == b.kind);                      // found, and diagnosed right
//     assert(weft::model::check(weft_bugs::options_for(b), b.fixed).ok());
//   }
//
// Each program's source opens with a comment: what the bug is, the failure kind weft
// must report, and the shortest interleaving that triggers it. docs/bug-zoo.md has the
// table of schedules-to-first-bug per search strategy.
//
// Thread-safety: every function here may be called from any thread; each builds the
// state it tests, so calls are independent. Outside a model check the buggy programs
// run on real threads and may deadlock, spin forever or abort — call them only under
// weft::model::check.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "weft/model.hpp"

namespace weft_bugs {

// How much of the fixed twin's schedule space the zoo's tests cover within the twin's
// `fixed_budget` schedules.
enum class coverage {
  exhaustive,      // unbounded dfs completes (and so does dfs with preemption bound 2)
  unbounded_only,  // unbounded dfs (pruned) completes; bound 2 (never pruned) does not
  sampled,         // neither completes: checked up to the budget (many-thread twins)
};

// One exhibit: a buggy program, the failure weft must report for it, and its twin.
struct bug {
  const char* name;           // identifier-like: a gtest parameter name
  weft::model::failure kind;  // what weft must report for `buggy`
  void (*buggy)();            // the program with the bug
  void (*fixed)();            // the same program, corrected
  const char* summary;        // one line: the bug and where it lies

  // The search that finds the bug in the zoo's tests: the default strategy (random)
  // unless stated otherwise, with at most `budget` schedules. Many-thread exhibits whose
  // bug the uniform random walk does not find in a practical budget name pct here (see
  // docs/bug-zoo.md for every strategy's numbers).
  weft::model::strategy finder = weft::model::strategy::random;
  std::size_t budget = 10'000;
  std::size_t max_steps = 20'000;     // per execution; a livelock is reported beyond it
  std::size_t fixed_budget = 20'000;  // schedules of each of the fixed twin's dfs runs
  weft_bugs::coverage coverage = weft_bugs::coverage::exhaustive;
  bool nightly = false;  // too slow for the per-commit suite (Debug, sanitizers): its full
                         // checks run in the nightly test, a smoke check per commit
  // The finder also finds the bug within `budget` with options::schedule_var_accesses =
  // false. Not so for twostage_100: PCT samples that shape worse without var scheduling
  // points (docs/model-checking.md).
  bool found_with_sync_points_only = true;
};

// Every exhibit, in a stable order (grouped as in src/).
std::span<const bug> all_bugs();

// The exhibit named `name`, or null.
const bug* find_bug(const char* name);

// Options for finding `b`'s bug: its finder strategy (pct with depth 3 where it is pct),
// `seed`, its step bound and schedule budget, and the environment ignored so results are
// reproducible. Callers change the strategy, seed and budget as they need.
weft::model::options options_for(const bug& b, std::uint64_t seed = 1);

// --- the programs ------------------------------------------------------------------
// locks.cpp
void abba_deadlock_buggy();
void abba_deadlock_fixed();
void dining_philosophers_buggy();
void dining_philosophers_fixed();
void rw_upgrade_deadlock_buggy();
void rw_upgrade_deadlock_fixed();
void wrong_lock_buggy();
void wrong_lock_fixed();
void ticket_lock_buggy();
void ticket_lock_fixed();
void peterson_plain_flags_buggy();
void peterson_plain_flags_fixed();

// condvars.cpp
void lost_wakeup_buggy();
void lost_wakeup_fixed();
void if_not_while_buggy();
void if_not_while_fixed();
void bounded_buffer_missing_notify_buggy();
void bounded_buffer_missing_notify_fixed();
void semaphore_lost_signal_buggy();
void semaphore_lost_signal_fixed();
void broken_barrier_buggy();
void broken_barrier_fixed();
void ignored_timeout_buggy();
void ignored_timeout_fixed();

// atomicity.cpp
void check_then_act_buggy();
void check_then_act_fixed();
void use_before_init_buggy();
void use_before_init_fixed();
void reorder_10_buggy();
void reorder_10_fixed();
void reorder_20_buggy();
void reorder_20_fixed();
void twostage_100_buggy();
void twostage_100_fixed();
void job_queue_exception_buggy();
void job_queue_exception_fixed();

// lockfree.cpp
void wsq_last_element_buggy();
void wsq_last_element_fixed();
void treiber_aba_buggy();
void treiber_aba_fixed();
void spsc_publish_early_buggy();
void spsc_publish_early_fixed();

// publication.cpp
void relaxed_publication_buggy();
void relaxed_publication_fixed();
void double_checked_locking_buggy();
void double_checked_locking_fixed();
void use_after_release_buggy();
void use_after_release_fixed();
void sleep_as_sync_buggy();
void sleep_as_sync_fixed();

// lifecycle.cpp
void endless_spin_buggy();
void endless_spin_fixed();
void leaked_thread_buggy();
void leaked_thread_fixed();

}  // namespace weft_bugs
