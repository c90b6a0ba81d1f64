// weft/relacy.hpp — weak-memory checking with Relacy: the WEFT_RELACY flavour of the
// sync facade and the runners. docs/relacy.md is the guide.
//
// weft's model mode explores interleavings under sequential consistency and reports
// missing happens-before as data races; a bug that needs an actual reordering of
// relaxed / acquire / release operations (store buffering, load buffering, a stale
// read through a relaxed load) is invisible to it. Relacy simulates the C++ memory
// model — each load may return any value the model allows — so the same code, compiled
// against this flavour of the facade, is checked for those too.
//
// A Relacy test is its own executable, compiled with -DWEFT_RELACY and
// -fno-sized-deallocation (weft_add_relacy_test() in cmake/WeftRelacy.cmake does both),
// without linking weft's libraries (they are built for the instrumented flavour; add
// the .cpp files a primitive needs to the test's sources instead). Include this header
// first — it is safe anywhere, but first keeps the rule simple:
//
//   #include <weft/relacy.hpp>
//   #include <weft/detail/parker.hpp>        // primitives, unchanged
//
//   struct handoff {                         // a fixed-thread test (weft/fixed_threads.hpp)
//     static constexpr int threads = 2;
//     weft::detail::parker p;
//     weft::var<int> value{0};
//     void thread(int index) {
//       if (index == 0) { value.store(1); p.unpark(); }
//       else { p.park(nullptr); WEFT_ASSERT(value.load() == 1); }
//     }
//   };
//
//   int main(int argc, char** argv) {
//     return weft::relacy::test_main(argc, argv, {
//         weft::relacy::passes<handoff>("parker handoff"),
//         weft::relacy::fails_with<broken>("relaxed mutant", rl::test_result_data_race),
//     });
//   }
//
// What the facade maps to (details in each weft/sync/*.hpp under WEFT_RELACY):
//   weft::atomic<T>             rl::atomic<T>, memory orders as rl::mo_*
//   weft::var<T>                a T plus a shadow rl::var (Relacy's race detector)
//   weft::mutex, shared_mutex   rl::mutex, a reader-writer rl::generic_mutex
//   weft::condition_variable    rl::condvar (spurious and timed wake-ups explored)
//   weft::thread                Relacy dynamic threads (reserved by the suite)
//   weft::clock, sleeps         a logical clock per iteration (timeouts advance it)
//   this_thread::yield          rl::yield
//   weft::model::choose(n)      rl::rand(n)
//   WEFT_ASSERT                 a failed iteration ("USER ASSERT FAILED")
// and every operation's source location becomes the rl::debug_info of the event, so
// Relacy's histories show the caller's file:line.
#pragma once

#if !defined(WEFT_RELACY)
#error \
    "weft/relacy.hpp needs -DWEFT_RELACY (and -fno-sized-deallocation): use weft_add_relacy_test()"
#endif

#include "weft/relacy/engine.hpp"
// (engine.hpp first: every standard header, then Relacy without its macros)
#include "weft/assert.hpp"
#include "weft/fixed_threads.hpp"
#include "weft/relacy/runner.hpp"
#include "weft/relacy/session.hpp"
#include "weft/sync.hpp"
