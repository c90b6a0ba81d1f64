// weft/relacy/session.hpp — what the sync facade's WEFT_RELACY flavour needs beyond
// Relacy's own objects: source locations as rl::debug_info, memory orders as
// rl::memory_order, failure reporting, and the per-iteration state Relacy does not
// have — a logical clock and the pool of dynamic threads that weft::thread draws from.
//
// Per-iteration state lives in one process-wide object. That is sound because Relacy
// runs every thread of a simulation as a fiber on the calling OS thread and runs one
// simulation at a time (its own context pointer is a plain global). The state is reset
// by weft::relacy::test_suite's constructor, which Relacy runs at the start of every
// iteration; facade operations that need it (clock, sleeps, timed waits, weft::thread)
// fail the test with a message when the suite is a raw rl::test_suite instead.
//
// Logical time. weft::clock::now() is the iteration's logical time: 0 at the start of
// every iteration, advanced only when a timed wait times out or a thread sleeps — to
// that deadline (never backwards). Relacy decides nondeterministically whether and when
// a timed wait times out (it has no notion of time), so every outcome of a race
// between a timeout and a notification is explored, and a thread that observes a
// timeout also observes a clock at or past its deadline, as on a real clock.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <utility>

#include "weft/relacy/engine.hpp"
#include "weft/sync/source_loc.hpp"

namespace weft::relacy::detail {

struct session_state {
  bool active = false;      // a weft::relacy::test_suite iteration is set up
  std::int64_t now_ns = 0;  // logical time of the iteration
  int thread_slots = 0;     // dynamic Relacy threads reserved by the suite
  int threads_spawned = 0;  // weft::threads started in this iteration
};

inline session_state& session() noexcept {
  static session_state s;
  return s;
}

// Called by weft::relacy::test_suite's constructor at the start of every iteration.
inline void begin_iteration(int thread_slots) noexcept {
  session_state& s = session();
  s.active = true;
  s.now_ns = 0;
  s.thread_slots = thread_slots;
  s.threads_spawned = 0;
}

// True while a Relacy simulation runs (in any of its fibers).
inline bool in_simulation() noexcept {
  return rl::context::is_instance();
}

// The caller's location, as Relacy's histories print it: "what, file(line)".
inline rl::debug_info info(source_loc loc, const char* what) noexcept {
  return rl::debug_info(what, loc.file, loc.line);
}

// Fails the current Relacy iteration (Relacy then prints the execution history and
// stops the search); outside a simulation prints and aborts. Never returns: Relacy
// switches to its main fiber and abandons the failing one.
[[noreturn]] inline void fail(const char* message, rl::test_result_e kind, source_loc loc) {
  if (in_simulation()) {
    rl::ctx().fail_test(message, kind, info(loc, "weft"));
  }
  std::fprintf(stderr, "%s:%u: %s\n", loc.file, loc.line, message);
  std::abort();
}

inline session_state& require_session(const char* what, source_loc loc) {
  session_state& s = session();
  if (!s.active) {
    fail(what, rl::test_result_user_assert_failed, loc);
  }
  return s;
}

// std::memory_order -> rl::memory_order. C++20 spellings, which no Relacy macro touches.
constexpr rl::memory_order to_rl(std::memory_order mo) noexcept {
  switch (mo) {
    case std::memory_order::relaxed:
      return rl::mo_relaxed;
    case std::memory_order::consume:
      return rl::mo_consume;
    case std::memory_order::acquire:
      return rl::mo_acquire;
    case std::memory_order::release:
      return rl::mo_release;
    case std::memory_order::acq_rel:
      return rl::mo_acq_rel;
    case std::memory_order::seq_cst:
      return rl::mo_seq_cst;
  }
  return rl::mo_seq_cst;
}

// Relacy models a compare-exchange only when its failure order is no stronger than the
// load part of its success order (C++11 rules); C++17 lifted that restriction. For the
// pairs Relacy lacks — (relaxed, acquire), (release, acquire), (acquire, seq_cst), ... —
// the success order is strengthened just enough to cover the failure order (Relacy
// would otherwise silently use the success order for both, weakening the failure path
// and reporting races a correct program does not have). docs/relacy.md lists this.
constexpr std::pair<rl::memory_order, rl::memory_order> cas_orders(
    std::memory_order success, std::memory_order failure) noexcept {
  rl::memory_order s = to_rl(success);
  const rl::memory_order f = to_rl(failure);
  const auto loads = [](rl::memory_order o) {  // the ordering of the load part
    switch (o) {
      case rl::mo_release:
        return rl::mo_relaxed;
      case rl::mo_acq_rel:
        return rl::mo_acquire;
      default:
        return o;
    }
  };
  const auto stronger = [](rl::memory_order a, rl::memory_order b) {  // a > b as loads
    const auto rank = [](rl::memory_order o) {
      return o == rl::mo_relaxed ? 0 : o == rl::mo_seq_cst ? 3 : o == rl::mo_consume ? 1 : 2;
    };
    return rank(a) > rank(b);
  };
  if (stronger(f, loads(s))) {
    if (f == rl::mo_seq_cst) {
      s = rl::mo_seq_cst;
    } else if (s == rl::mo_release || s == rl::mo_acq_rel) {
      s = rl::mo_acq_rel;
    } else {
      s = rl::mo_acquire;
    }
  }
  return {s, f};
}

// ---- logical time ----

inline std::int64_t now_ns(source_loc loc) {
  return require_session(
             "weft::clock under Relacy needs a weft::relacy::test_suite (it resets the "
             "logical clock every iteration)",
             loc)
      .now_ns;
}

// A timeout or a sleep happened at `deadline`: time is now at least that.
inline void advance_to(std::int64_t deadline_ns) noexcept {
  session_state& s = session();
  if (deadline_ns > s.now_ns) {
    s.now_ns = deadline_ns;
  }
}

inline void yield(source_loc loc) {
  rl::yield(1, info(loc, "weft::this_thread::yield"));
}

inline void sleep_until(std::int64_t deadline_ns, source_loc loc) {
  (void)now_ns(loc);  // requires the session
  rl::yield(1, info(loc, "weft::this_thread::sleep"));
  advance_to(deadline_ns);
}

// ---- threads ----

// 1-based, like the model backend's logical thread ids (0 means "no thread").
inline std::uint64_t thread_id() {
  if (!in_simulation()) {
    return 0;
  }
  return static_cast<std::uint64_t>(rl::ctx().current_thread()) + 1;
}

// Reserves one of the suite's dynamic threads for a weft::thread.
inline void take_thread_slot(source_loc loc) {
  session_state& s = require_session(
      "weft::thread under Relacy needs a weft::relacy::test_suite that reserves dynamic "
      "threads (its Spawned parameter, or `static constexpr int spawned_threads` of a "
      "fixed-thread test)",
      loc);
  if (s.threads_spawned >= s.thread_slots) {
    fail(
        "more weft::threads started in one iteration than the suite reserves (raise its "
        "Spawned parameter / spawned_threads)",
        rl::test_result_user_assert_failed, loc);
  }
  ++s.threads_spawned;
}

// Runs f, turning an exception that escapes it into a failed iteration (it would
// otherwise unwind off the top of a Relacy fiber and terminate the process). The
// failure is reported after the handler has exited: fibers share the OS thread's
// exception-handling state, so no fiber switch may happen inside a catch block.
template <class F>
void run_guarded(F&& f, const char* where) {
  static char message[256];
  bool threw = false;
  try {
    std::forward<F>(f)();
  } catch (const std::exception& e) {
    std::snprintf(message, sizeof message, "uncaught exception in %s: %s", where, e.what());
    threw = true;
  } catch (...) {
    std::snprintf(message, sizeof message, "uncaught exception in %s", where);
    threw = true;
  }
  if (threw) {
    fail(message, rl::test_result_user_assert_failed, source_loc{});
  }
}

}  // namespace weft::relacy::detail

namespace weft::detail {

// What code that adapts to a checker asks: is a checking backend active on this thread?
// (weft/sync/runtime.hpp answers for weft's own backends.) During a Relacy simulation
// it is, so such code behaves as under model mode — in particular the parker does not
// spin before sleeping: every spin iteration would add schedules, and Relacy's full and
// context-bound searches treat a yield as "let the others run first", so a spin phase
// that yields would keep them from ever exploring the sleeping path behind it.
struct relacy_backend {};

inline const relacy_backend* active_runtime() noexcept {
  static const relacy_backend backend;
  return relacy::detail::in_simulation() ? &backend : nullptr;
}

}  // namespace weft::detail
