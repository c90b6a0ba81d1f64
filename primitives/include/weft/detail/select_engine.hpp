// weft/detail/select_engine.hpp — the select algorithm, shared by weft::select and the
// context-aware channel operations (which are a two-case select).
//
// The algorithm is Go's selectgo, with the random choice made among the ready cases:
//
//   1. lock every channel involved, once each, in one global order (creation rank,
//      then address — see chan_state.hpp), so two selects cannot deadlock;
//   2. scan: collect the ready cases; if there are any, pick one with
//      weft::model::choose(k) — uniform among the k ready cases, and a choice point the
//      model checker explores — fire it, unlock, wake whoever it completed, run its
//      handler. (Firing can fail if a blocked counterpart it counted on was claimed
//      through another channel meanwhile; then scan again.)
//   3. none ready: with a default case, unlock and run it;
//   4. otherwise register one wait_node per channel case on one shared waiter, unlock
//      and park until the earliest deadline of the timeout/done cases. The first thread
//      to claim the waiter (under its channel's lock) completes that case and wins;
//      later claims fail, so no case fires twice and no value is taken for a case that
//      does not fire. Woken, lock all channels again, unlink every node, run the
//      handler of the case that fired.
//   5. deadline passed: abort the waiter (which fails if a claim beat us — then that
//      case fired) and go back to 1; the timeout/done case is now ready.
//
// Values are never lost: a receive case's value is moved into the case under the lock
// of the claim that fired it, and is handed to that case's handler.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <type_traits>
#include <utility>

#include "weft/detail/deadline.hpp"
#include "weft/detail/parker.hpp"
#include "weft/detail/select_cases.hpp"
#include "weft/detail/wait_queue.hpp"
#include "weft/sync.hpp"

namespace weft::detail {

// The distinct channels of a select, in the global lock order (lock_before).
template <std::size_t N>
class lock_set {
 public:
  void add(chan_core* c) noexcept {
    if (c == nullptr) {
      return;
    }
    for (std::size_t j = 0; j < n_; ++j) {
      if (cores_[j] == c) {
        return;  // already locked through another case
      }
    }
    std::size_t i = n_;
    for (; i > 0 && lock_before(c, cores_[i - 1]); --i) {
      cores_[i] = cores_[i - 1];
    }
    cores_[i] = c;
    ++n_;
  }
  void lock() {
    for (std::size_t i = 0; i < n_; ++i) {
      cores_[i]->lock();
    }
  }
  void unlock() {
    for (std::size_t i = n_; i > 0; --i) {
      cores_[i - 1]->unlock();
    }
  }

 private:
  std::array<chan_core*, N> cores_{};
  std::size_t n_ = 0;
};

// f(case, index) for every case that is not the default case.
template <class F, class... Cases>
void for_each_case(F&& f, Cases&... cs) {
  std::size_t index = 0;
  auto one = [&](auto& c) {
    if constexpr (!is_default_case<std::remove_cvref_t<decltype(c)>>) {
      f(c, index);
    }
    ++index;
  };
  (one(cs), ...);
}

// f(case) for the case at position `index` (default case included).
template <class F, class... Cases>
void visit_case(std::size_t index, F&& f, Cases&... cs) {
  std::size_t i = 0;
  (void)((i++ == index ? (f(cs), true) : false) || ...);
}

template <class... Cases>
std::size_t default_index() {
  std::size_t index = 0;
  std::size_t found = 0;
  ((is_default_case<Cases> ? (found = index) : 0, ++index), ...);
  return found;
}

// A case type may declare `static constexpr spin_policy spin`; a select waits with
// pause_only if any of its cases asks for it (a grant request beside a context or timeout).
template <class Case>
constexpr spin_policy case_spin() {
  if constexpr (requires { Case::spin; }) {
    return Case::spin;
  } else {
    return spin_policy::pause_and_yield;
  }
}

template <class... Cases>
std::size_t run_select(Cases&... cs) {
  constexpr std::size_t kCases = sizeof...(Cases);
  constexpr std::size_t kDefaults = (std::size_t{is_default_case<Cases>} + ... + 0);
  constexpr spin_policy kSpin = ((case_spin<Cases>() == spin_policy::pause_only) || ...)
                                    ? spin_policy::pause_only
                                    : spin_policy::pause_and_yield;
  static_assert(kDefaults <= 1, "weft::select: at most one otherwise(...) case");

  lock_set<kCases> locks;
  time_point deadline = kNoDeadline;
  for_each_case(
      [&](auto& c, std::size_t) {
        locks.add(c.core());
        if (c.deadline() < deadline) {
          deadline = c.deadline();
        }
      },
      cs...);
  const bool timed = deadline != kNoDeadline;

  for (;;) {
    // 1 + 2: lock everything, scan, fire one ready case.
    locks.lock();
    const time_point now = timed ? weft::clock::now() : time_point{};
    for (;;) {
      std::array<std::size_t, kCases> ready{};
      std::size_t k = 0;
      for_each_case(
          [&](auto& c, std::size_t index) {
            if (c.ready(now)) {
              ready[k++] = index;
            }
          },
          cs...);
      if (k == 0) {
        break;
      }
      const std::size_t pick = ready[k == 1 ? 0 : weft::model::choose(k)];
      wake_list wake;
      bool fired = false;
      for_each_case(
          [&](auto& c, std::size_t index) {
            if (index == pick) {
              fired = c.fire(wake, now);
            }
          },
          cs...);
      if (fired) {
        locks.unlock();
        wake.wake_all();
        visit_case(
            pick, [](auto& c) { c.finish(); }, cs...);
        return pick;
      }
      // A counterpart the scan counted on was claimed through another channel: rescan.
    }

    // 3. nothing ready: the default case.
    if constexpr (kDefaults == 1) {
      locks.unlock();
      const std::size_t def = default_index<Cases...>();
      visit_case(
          def, [](auto& c) { c.finish(); }, cs...);
      return def;
    }

    // 4. register on every channel and park.
    waiter w;
    for_each_case([&](auto& c, std::size_t index) { c.enqueue(w, static_cast<int>(index)); },
                  cs...);
    locks.unlock();
    auto dequeue_all = [&] {
      locks.lock();
      for_each_case([](auto& c, std::size_t) { c.dequeue(); }, cs...);
      locks.unlock();
    };

    bool claimed = false;
    {
      // The wait may be abandoned (a stress round unwinding): leave no dangling nodes,
      // and no unpark on its way to this frame.
      on_unwind withdraw([&] {
        if (w.try_abort()) {
          dequeue_all();
        } else {
          w.park.park(nullptr);  // claimed: its unpark is on the way
        }
      });
      claimed = w.park.park(timed ? &deadline : nullptr, kSpin);
    }
    if (!claimed) {
      if (w.try_abort()) {
        dequeue_all();
        continue;  // 5. a deadline passed: rescan, its case is ready now
      }
      w.park.park(nullptr);  // a claim beat the abort; its unpark is on the way
    }

    const auto fired = static_cast<std::size_t>(w.selected.load(std::memory_order_acquire));
    dequeue_all();
    for_each_case(
        [&](auto& c, std::size_t index) {
          if (index == fired) {
            c.claimed();
          }
        },
        cs...);
    visit_case(
        fired, [](auto& c) { c.finish(); }, cs...);
    return fired;
  }
}

}  // namespace weft::detail
