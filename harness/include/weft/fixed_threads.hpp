// weft/fixed_threads.hpp — a concurrent test written once, run by weft's model checker
// and by Relacy.
//
// Relacy runs tests of a fixed shape: N threads, numbered 0..N-1, over state that is
// built afresh for every execution, with hooks before, after and between the steps.
// A struct of that shape, written against the sync facade, runs unchanged under both
// checkers:
//
//   struct publish {                        // state: constructed fresh per execution
//     static constexpr int threads = 2;     // required
//     weft::atomic<int> flag{0};
//     weft::var<int> data{0};
//     void thread(int index) {              // required: the body of thread `index`
//       if (index == 0) {
//         data.store(42);
//         flag.store(1, std::memory_order_release);
//       } else if (flag.load(std::memory_order_acquire) == 1) {
//         WEFT_ASSERT(data.load() == 42);
//       }
//     }
//     void before() {}     // optional: runs before any thread starts
//     void after() {}      // optional: runs after every thread has finished
//     void invariant() {}  // optional: must hold whenever no thread is mid-step
//     static constexpr int spawned_threads = 0;  // optional: weft::threads it starts
//   };
//
//   // model mode (an instrumented build, e.g. in a GoogleTest):
//   auto report = weft::model::check(opts, weft::run_fixed_threads<publish>);
//   // Relacy (a WEFT_RELACY build, see <weft/relacy.hpp>):
//   auto result = weft::relacy::check<publish>(opts);
//
// run_fixed_threads<T>() is one execution in whatever mode the caller is in: it builds
// a T, runs before(), starts threads 1..N-1 as weft::threads, runs thread 0 itself,
// joins, then runs after(). Under Relacy, thread i is Relacy's static thread i, before()
// and after() are the suite's (Relacy separates them from the threads by a global
// fence, as thread start and join do here). invariant() runs at every scheduling point
// under Relacy; model mode has no such hook, so run_fixed_threads checks it only before
// the threads start and after they have finished.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>

#include "weft/sync.hpp"

namespace weft {

template <class T>
concept fixed_thread_test = std::default_initializable<T> && requires(T& t, int index) {
  { T::threads } -> std::convertible_to<int>;
  t.thread(index);
} &&(T::threads >= 1);

namespace detail {

template <class T>
void fixed_before(T& t) {
  if constexpr (requires { t.before(); }) {
    t.before();
  }
}
template <class T>
void fixed_after(T& t) {
  if constexpr (requires { t.after(); }) {
    t.after();
  }
}
template <class T>
void fixed_invariant(T& t) {
  if constexpr (requires { t.invariant(); }) {
    t.invariant();
  }
}

}  // namespace detail

// weft::threads a fixed-thread test starts itself (0 unless it declares spawned_threads).
template <class T>
constexpr int fixed_spawned_threads() {
  if constexpr (requires { T::spawned_threads; }) {
    return T::spawned_threads;
  } else {
    return 0;
  }
}

// One execution of T in the calling mode (model, stress or plain threads).
template <fixed_thread_test T>
void run_fixed_threads() {
  T t;
  detail::fixed_invariant(t);
  detail::fixed_before(t);
  detail::fixed_invariant(t);
  {
    std::array<weft::thread, static_cast<std::size_t>(T::threads - 1)> others;
    for (int i = 1; i < T::threads; ++i) {
      others[static_cast<std::size_t>(i - 1)] = weft::thread([&t, i] { t.thread(i); });
    }
    t.thread(0);
    for (auto& th : others) {
      th.join();
    }
  }
  detail::fixed_invariant(t);
  detail::fixed_after(t);
}

}  // namespace weft
