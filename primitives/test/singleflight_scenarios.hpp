// Model-checking scenarios of weft::singleflight, each written against the small interface
// below so that it also runs on a deliberately broken singleflight (a mutant) that it must
// catch:
//
//   run(key, fn) -> weft::flight_result<int>    forget(key) -> bool
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <vector>

#include "model_scenarios.hpp"
#include "scenario_driver.hpp"
#include "weft/context.hpp"
#include "weft/errors.hpp"
#include "weft/singleflight.hpp"
#include "weft/sync.hpp"

namespace weft::scenarios {

// ---------------------------------------------------------------------------------------
// Mutants: a mutex-and-condvar singleflight with one classic bug each.

enum class sf_bug {
  racy_join,            // looks the key up and registers its flight in two critical sections
  forget_erases_newer,  // a completing flight erases whatever flight the key maps to now
  result_per_key,       // outcomes kept per key, not per flight: waiters read the newest
  hang_on_throw,        // a throwing fn leaves its flight unfinished (Go before CL 134395)
  cached_result,        // completed flights stay registered: later calls get old results
  no_recursion_check,   // fn calling run() on its own key waits for itself
};

template <sf_bug Bug>
class mutant_singleflight {
 public:
  template <class F>
  weft::flight_result<int> run(int key, F&& fn) {
    std::unique_lock<weft::mutex> lk(m_);
    if (auto it = calls_.find(key); it != calls_.end()) {
      std::shared_ptr<call> c = it->second;
      if (Bug != sf_bug::no_recursion_check && !c->done &&
          c->leader == weft::this_thread::get_id()) {
        throw weft::singleflight_recursion("recursive call");
      }
      cv_.wait(lk, [&] { return c->done; });
      if (c->error) std::rethrow_exception(c->error);
      if constexpr (Bug == sf_bug::result_per_key) {
        return {slot_[key], true};  // BUG: a newer flight of the key may have written it
      }
      return {*c->value, true};
    }
    if constexpr (Bug == sf_bug::racy_join) {
      lk.unlock();  // BUG: the lookup above goes stale
      lk.lock();
    }
    auto c = std::make_shared<call>();
    c->leader = weft::this_thread::get_id();
    calls_[key] = c;
    lk.unlock();
    std::optional<int> v;
    std::exception_ptr error;
    try {
      v = fn();
    } catch (...) {
      if constexpr (Bug == sf_bug::hang_on_throw) throw;  // BUG: waiters are never woken
      error = std::current_exception();
    }
    lk.lock();
    c->value = v;
    c->error = error;
    c->done = true;
    if (v) slot_[key] = *v;
    if constexpr (Bug == sf_bug::forget_erases_newer) {
      calls_.erase(key);  // BUG: after forget() the key may map to a newer flight
    } else if constexpr (Bug != sf_bug::cached_result) {
      if (auto it = calls_.find(key); it != calls_.end() && it->second == c) calls_.erase(it);
    }
    cv_.notify_all();
    if (error) std::rethrow_exception(error);
    return {*v, false};
  }

  bool forget(int key) {
    std::lock_guard<weft::mutex> g(m_);
    return calls_.erase(key) > 0;
  }

 private:
  struct call {
    bool done = false;
    std::optional<int> value;
    std::exception_ptr error;
    std::uint64_t leader = 0;
  };
  weft::mutex m_;
  weft::condition_variable cv_;
  std::map<int, std::shared_ptr<call>> calls_;  // [m_]
  std::map<int, int> slot_;                     // [m_]
};

using weft_singleflight = weft::singleflight<int, int>;

// ---------------------------------------------------------------------------------------
// Scenarios

// Three callers of one key: two fns of the key never run at once (no forget here), and
// each caller gets the value of a fn that ran — its own or the one of the flight it joined.
template <class SF>
void singleflight_one_fn_per_flight() {
  SF g;
  weft::atomic<int> running{0};
  weft::atomic<int> runs{0};
  auto fn = [&] {
    WEFT_ASSERT(running.fetch_add(1) == 0);  // one flight at a time for the key
    const int id = runs.fetch_add(1) + 1;
    running.fetch_sub(1);
    return id;
  };
  auto caller = [&] {
    const auto r = g.run(1, fn);
    WEFT_ASSERT(r.value >= 1 && r.value <= runs.load());
  };
  weft::thread a(caller), b(caller);
  caller();
  a.join();
  b.join();
}

// fn throws: every caller gets the exception, nobody hangs, nothing stays registered.
template <class SF>
void singleflight_exception_reaches_everyone() {
  SF g;
  weft::atomic<int> caught{0};
  auto caller = [&] {
    try {
      (void)g.run(1, []() -> int { throw std::runtime_error("load failed"); });
    } catch (const std::runtime_error&) {
      caught.fetch_add(1);
    }
  };
  weft::thread a(caller);
  caller();
  a.join();
  WEFT_ASSERT(caught.load() == 2);
  WEFT_ASSERT(g.run(1, [] { return 7; }).value == 7);  // a new flight, not a stuck one
}

// A call made after an earlier call has returned runs fn again: the body calls twice in
// a row, and its second result comes from another run of fn than its first (each run
// returns a new number) — whatever a concurrent caller does.
template <class SF>
void singleflight_call_after_completion_runs_again() {
  SF g;
  weft::atomic<int> runs{0};
  auto fn = [&] { return runs.fetch_add(1); };
  weft::thread other([&] { (void)g.run(1, fn); });
  const int first = g.run(1, fn).value;
  const int second = g.run(1, fn).value;
  other.join();
  WEFT_ASSERT(second != first);  // not a result kept from before
}

// The flights below are pinned in time with sleeps on virtual time (which moves only when
// every thread is blocked), so the checker explores every order of the events that fall
// on the same instant.
inline void sleep_ms(int ms) {
  weft::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

// forget() detaches only the flight it found. A leads flight 1 (0..10 ms); B forgets it at
// 1 ms and leads flight 2 (1..21 ms); C calls at 15 ms, while only flight 2 is in
// progress, so it must join flight 2 — even though flight 1 completed after the forget.
template <class SF>
void singleflight_forget_detaches_only_its_flight() {
  SF g;
  weft::thread b([&] {
    sleep_ms(1);
    (void)g.forget(1);
    WEFT_ASSERT(g.run(1, [] {
                   sleep_ms(20);
                   return 2;
                 }).value == 2);
  });
  weft::thread c([&] {
    sleep_ms(15);
    const auto r = g.run(1, [] { return 3; });
    WEFT_ASSERT(r.value == 2 && r.shared);  // joined flight 2; no third flight
  });
  WEFT_ASSERT(g.run(1, [] {
                 sleep_ms(10);
                 return 1;
               }).value == 1);
  b.join();
  c.join();
}

// Each caller gets its own flight's outcome. A leads flight 1 (0..10 ms) and C joins it at
// 1 ms; B forgets flight 1 at 2 ms and leads flight 2, which also ends at 10 ms — in every
// order of the completions and C's wake-up, C gets flight 1's value.
template <class SF>
void singleflight_waiters_get_their_flights_outcome() {
  SF g;
  weft::thread c([&] {
    sleep_ms(1);
    WEFT_ASSERT(g.run(1, [] { return 3; }).value == 1);
  });
  weft::thread b([&] {
    sleep_ms(2);
    (void)g.forget(1);
    WEFT_ASSERT(g.run(1, [] {
                   sleep_ms(8);
                   return 2;
                 }).value == 2);
  });
  WEFT_ASSERT(g.run(1, [] {
                 sleep_ms(10);
                 return 1;
               }).value == 1);
  b.join();
  c.join();
}

// fn calls run() on its own key: a clear error, not a wait for itself.
template <class SF>
void singleflight_recursion_is_an_error() {
  SF g;
  weft::atomic<bool> threw{false};
  const auto r = g.run(1, [&] {
    try {
      (void)g.run(1, [] { return 0; });
    } catch (const weft::singleflight_recursion&) {
      threw.store(true);
    }
    return 5;
  });
  WEFT_ASSERT(r.value == 5 && threw.load());
}

// weft's only: an asynchronous flight joined by a synchronous caller and a second
// run_async; one fn run, every caller gets its value; the group joins its thread.
inline void singleflight_async_and_sync_share() {
  weft_singleflight g;
  weft::atomic<int> runs{0};
  auto fn = [&] { return runs.fetch_add(1) + 10; };
  weft::flight<int> f = g.run_async(1, fn);
  weft::thread t([&] {
    const auto r = g.run(1, fn);
    WEFT_ASSERT(r.value >= 10 && r.value < 10 + runs.load());
  });
  const auto v = f.get().value;
  WEFT_ASSERT(v == 10);
  t.join();
}

// weft's only: a waiter whose context is cancelled concurrently gets the value or nothing
// — and the leader completes normally, leaving nothing registered.
inline void singleflight_waiter_gives_up() {
  weft_singleflight g;
  const auto pair = weft::with_cancel(weft::background());
  const weft::context ctx = pair.first;
  weft::thread waiter([&g, ctx] {
    const auto r = g.run(1, ctx, [] { return 3; });
    WEFT_ASSERT(!r.has_value() || r->value == 3);
  });
  weft::thread canceller([cancel = pair.second] { cancel(); });
  WEFT_ASSERT(g.run(1, [] { return 3; }).value == 3);
  waiter.join();
  canceller.join();
  WEFT_ASSERT(g.in_flight() == 0);
}

inline std::vector<scenario> singleflight_scenarios() {
  using weft::model::failure;
  std::vector<scenario> out;
  const auto dfs = [](int b, std::size_t n) { return bounded_dfs(bound(b), budget(n)); };
  out.push_back({"singleflight", "one fn per flight, 3 callers (dfs)",
                 [] { singleflight_one_fn_per_flight<weft_singleflight>(); }, failure::none,
                 dfs(2, 20000)});
  out.push_back({"singleflight", "one fn per flight, 3 callers (pct)",
                 [] { singleflight_one_fn_per_flight<weft_singleflight>(); }, failure::none,
                 pct_search(budget(2000))});
  out.push_back({"singleflight", "an exception reaches every caller, no hang",
                 [] { singleflight_exception_reaches_everyone<weft_singleflight>(); },
                 failure::none, dfs(2, 20000)});
  out.push_back({"singleflight", "a call after completion runs fn again",
                 [] { singleflight_call_after_completion_runs_again<weft_singleflight>(); },
                 failure::none, dfs(2, 20000)});
  out.push_back({"singleflight", "forget detaches only the flight it found",
                 [] { singleflight_forget_detaches_only_its_flight<weft_singleflight>(); },
                 failure::none, dfs(2, 20000)});
  out.push_back({"singleflight", "waiters get their own flight's outcome after a forget",
                 [] { singleflight_waiters_get_their_flights_outcome<weft_singleflight>(); },
                 failure::none, dfs(2, 20000)});
  out.push_back({"singleflight", "a recursive call is an error",
                 [] { singleflight_recursion_is_an_error<weft_singleflight>(); }, failure::none,
                 dfs(2, 1000)});
  out.push_back({"singleflight", "run_async shared with run", singleflight_async_and_sync_share,
                 failure::none, dfs(2, 20000)});
  out.push_back({"singleflight", "a waiter gives up without harming the flight",
                 singleflight_waiter_gives_up, failure::none, pct_search(budget(2000))});

  out.push_back({"singleflight mutant", "lookup and register in two critical sections is caught",
                 [] { singleflight_one_fn_per_flight<mutant_singleflight<sf_bug::racy_join>>(); },
                 failure::assertion, dfs(2, 20000)});
  out.push_back(
      {"singleflight mutant", "a flight that hangs when fn throws is caught",
       [] {
         singleflight_exception_reaches_everyone<mutant_singleflight<sf_bug::hang_on_throw>>();
       },
       failure::deadlock, dfs(2, 20000)});
  out.push_back({"singleflight mutant", "results cached after the flight are caught",
                 [] {
                   singleflight_call_after_completion_runs_again<
                       mutant_singleflight<sf_bug::cached_result>>();
                 },
                 failure::assertion, dfs(2, 20000)});
  out.push_back({"singleflight mutant", "completion erasing a newer flight is caught",
                 [] {
                   singleflight_forget_detaches_only_its_flight<
                       mutant_singleflight<sf_bug::forget_erases_newer>>();
                 },
                 failure::assertion, dfs(2, 20000)});
  out.push_back({"singleflight mutant", "outcomes per key instead of per flight are caught",
                 [] {
                   singleflight_waiters_get_their_flights_outcome<
                       mutant_singleflight<sf_bug::result_per_key>>();
                 },
                 failure::assertion, dfs(2, 20000)});
  out.push_back(
      {"singleflight mutant", "a missing recursion check deadlocks",
       [] {
         singleflight_recursion_is_an_error<mutant_singleflight<sf_bug::no_recursion_check>>();
       },
       failure::deadlock, dfs(2, 1000)});
  return out;
}

}  // namespace weft::scenarios
