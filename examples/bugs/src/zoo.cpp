// The registry of the bug zoo: every exhibit, its expected failure and its budgets.
#include <array>
#include <cstring>

#include "weft_bugs/zoo.hpp"

namespace weft_bugs {

namespace {

using weft::model::failure;

// Budgets: `budget` is what the finder (random unless stated) may spend to find the bug;
// `fixed_budget` caps each dfs of the twin, and `coverage` says which of them complete
// within it (the many-thread twins are checked up to the budget only). Measured numbers
// for every strategy are in docs/bug-zoo.md.
const std::array<bug, 27> zoo{{
    // locks.cpp
    {
        .name = "abba_deadlock",
        .kind = failure::deadlock,
        .buggy = abba_deadlock_buggy,
        .fixed = abba_deadlock_fixed,
        .summary = "two transfers lock the same two mutexes in opposite orders",
    },
    {
        .name = "dining_philosophers",
        .kind = failure::deadlock,
        .buggy = dining_philosophers_buggy,
        .fixed = dining_philosophers_fixed,
        .summary = "5 philosophers, each takes the left fork first",
        .coverage = coverage::unbounded_only,
    },
    {
        .name = "rw_upgrade_deadlock",
        .kind = failure::deadlock,
        .buggy = rw_upgrade_deadlock_buggy,
        .fixed = rw_upgrade_deadlock_fixed,
        .summary = "takes a shared_mutex exclusively while holding it shared",
    },
    {
        .name = "wrong_lock",
        .kind = failure::data_race,
        .buggy = wrong_lock_buggy,
        .fixed = wrong_lock_fixed,
        .summary = "two threads guard one counter with different mutexes",
    },
    {
        .name = "ticket_lock",
        .kind = failure::assertion,
        .buggy = ticket_lock_buggy,
        .fixed = ticket_lock_fixed,
        .summary = "ticket drawn with load + store: two threads share a ticket",
    },
    {
        .name = "peterson_plain_flags",
        .kind = failure::data_race,
        .buggy = peterson_plain_flags_buggy,
        .fixed = peterson_plain_flags_fixed,
        .summary = "Peterson's lock on plain (non-atomic) flags",
    },
    // condvars.cpp
    {
        .name = "lost_wakeup",
        .kind = failure::deadlock,
        .buggy = lost_wakeup_buggy,
        .fixed = lost_wakeup_fixed,
        .summary = "flag set and notified outside the mutex, between check and wait",
    },
    {
        .name = "if_not_while",
        .kind = failure::assertion,
        .buggy = if_not_while_buggy,
        .fixed = if_not_while_fixed,
        .summary = "`if` instead of `while` around a wait: stolen or spurious wake-up",
        .fixed_budget = 100'000,  // bounded dfs does not prune (sleep sets are unbounded-only)
    },
    {
        .name = "bounded_buffer_missing_notify",
        .kind = failure::deadlock,
        .buggy = bounded_buffer_missing_notify_buggy,
        .fixed = bounded_buffer_missing_notify_fixed,
        .summary = "take() never signals not_full",
    },
    {
        .name = "semaphore_lost_signal",
        .kind = failure::deadlock,
        .buggy = semaphore_lost_signal_buggy,
        .fixed = semaphore_lost_signal_fixed,
        .summary = "release() notifies only on 0 -> 1",
    },
    {
        .name = "broken_barrier",
        .kind = failure::deadlock,
        .buggy = broken_barrier_buggy,
        .fixed = broken_barrier_fixed,
        .summary = "reusable barrier waits for count == 0, not for a new generation",
    },
    {
        .name = "ignored_timeout",
        .kind = failure::assertion,
        .buggy = ignored_timeout_buggy,
        .fixed = ignored_timeout_fixed,
        .summary = "wait_for times out (virtual time) and the result is used anyway",
    },
    // atomicity.cpp
    {
        .name = "check_then_act",
        .kind = failure::assertion,
        .buggy = check_then_act_buggy,
        .fixed = check_then_act_fixed,
        .summary = "balance check and subtraction are two atomic steps: overdraft",
    },
    {
        .name = "use_before_init",
        .kind = failure::assertion,
        .buggy = use_before_init_buggy,
        .fixed = use_before_init_fixed,
        .summary = "worker started before the logger it uses is published",
    },
    {
        .name = "reorder_10",
        .kind = failure::assertion,
        .buggy = reorder_10_buggy,
        .fixed = reorder_10_fixed,
        .summary = "9 setters write a pair in two steps; 1 checker sees it half-written",
        .finder = weft::model::strategy::pct,
        .fixed_budget = 5'000,
        .coverage = coverage::sampled,
    },
    {
        .name = "reorder_20",
        .kind = failure::assertion,
        .buggy = reorder_20_buggy,
        .fixed = reorder_20_fixed,
        .summary = "19 setters write a pair in two steps; 1 checker sees it half-written",
        .finder = weft::model::strategy::pct,
        .fixed_budget = 2'000,
        .coverage = coverage::sampled,
    },
    {
        .name = "twostage_100",
        .kind = failure::assertion,
        .buggy = twostage_100_buggy,
        .fixed = twostage_100_fixed,
        .summary = "99 writers update data1, data2 in two critical sections; 1 reader",
        .finder = weft::model::strategy::pct,
        .budget = 200'000,
        .fixed_budget = 2'000,
        .coverage = coverage::sampled,
        .nightly = true,
        .found_with_sync_points_only = false,
    },
    {
        .name = "job_queue_exception",
        .kind = failure::uncaught_exception,
        .buggy = job_queue_exception_buggy,
        .fixed = job_queue_exception_fixed,
        .summary = "check and take of a job in two critical sections; at() throws",
    },
    // lockfree.cpp
    {
        .name = "wsq_last_element",
        .kind = failure::assertion,
        .buggy = wsq_last_element_buggy,
        .fixed = wsq_last_element_fixed,
        .summary = "Chase-Lev pop takes the last item without the CAS race against steal",
    },
    {
        .name = "treiber_aba",
        .kind = failure::assertion,
        .buggy = treiber_aba_buggy,
        .fixed = treiber_aba_fixed,
        .summary = "index-linked Treiber stack without a version tag: ABA",
    },
    {
        .name = "spsc_publish_early",
        .kind = failure::data_race,
        .buggy = spsc_publish_early_buggy,
        .fixed = spsc_publish_early_fixed,
        .summary = "ring buffer publishes tail before writing the slot",
    },
    // publication.cpp
    {
        .name = "relaxed_publication",
        .kind = failure::data_race,
        .buggy = relaxed_publication_buggy,
        .fixed = relaxed_publication_fixed,
        .summary = "payload published through a relaxed flag",
    },
    {
        .name = "double_checked_locking",
        .kind = failure::data_race,
        .buggy = double_checked_locking_buggy,
        .fixed = double_checked_locking_fixed,
        .summary = "lazy init whose fast path loads the pointer relaxed",
    },
    {
        .name = "use_after_release",
        .kind = failure::data_race,
        .buggy = use_after_release_buggy,
        .fixed = use_after_release_fixed,
        .summary = "reference dropped before the last read of the buffer",
    },
    {
        .name = "sleep_as_sync",
        .kind = failure::data_race,
        .buggy = sleep_as_sync_buggy,
        .fixed = sleep_as_sync_fixed,
        .summary = "a sleep used instead of synchronisation",
    },
    // lifecycle.cpp
    {
        .name = "endless_spin",
        .kind = failure::livelock,
        .buggy = endless_spin_buggy,
        .fixed = endless_spin_fixed,
        .summary = "one-shot flag reset after the worker may have set it; main spins forever",
        .max_steps = 2'000,
    },
    {
        .name = "leaked_thread",
        .kind = failure::leaked_thread,
        .buggy = leaked_thread_buggy,
        .fixed = leaked_thread_fixed,
        .summary = "early return on cancellation skips join()",
    },
}};

}  // namespace

std::span<const bug> all_bugs() {
  return zoo;
}

const bug* find_bug(const char* name) {
  for (const bug& b : zoo) {
    if (std::strcmp(b.name, name) == 0) {
      return &b;
    }
  }
  return nullptr;
}

weft::model::options options_for(const bug& b, std::uint64_t seed) {
  weft::model::options o;
  o.strategy = b.finder;
  o.pct_depth = 3;
  o.seed = seed;
  o.max_schedules = b.budget;
  o.max_steps = b.max_steps;
  o.use_environment = false;
  o.name = b.name;
  return o;
}

}  // namespace weft_bugs
