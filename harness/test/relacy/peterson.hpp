// Peterson's mutual exclusion for two threads, written once against the sync facade as
// a fixed-thread test (weft/fixed_threads.hpp) and run by both checkers:
//
//   relacy/peterson_relacy_test.cpp      Relacy: the acquire/release version loses mutual
//                                        exclusion (both threads in the critical section:
//                                        a data race on `shared`); seq_cst passes
//   ../relacy_peterson_model_test.cpp    weft model mode: both versions pass, even under
//                                        an exhaustive search — its blind spot
//
// Why acquire/release is not enough: each thread announces itself (flag[i] = 1, turn = j)
// and then reads the other's flag. Release stores and acquire loads order nothing
// between a thread's own store and its later load of a *different* location, so both
// loads may read the initial 0 — each store still sitting in its thread's store buffer
// (x86 does exactly this). Every interleaving of the operations in program order
// (sequential consistency) has one thread see the other's flag, which is why a checker
// that explores interleavings only cannot find the bug. seq_cst puts the four stores
// and loads in a single total order, which restores the argument.
#pragma once

#include <atomic>

#include "weft/assert.hpp"
#include "weft/sync.hpp"

namespace weft_test {

template <std::memory_order Store, std::memory_order Load>
struct peterson {
  static constexpr int threads = 2;

  weft::atomic<int> flag[2];  // flag[i]: thread i wants to enter
  weft::atomic<int> turn{0};  // who yields when both want to
  weft::var<int> shared{0};   // the data the lock protects

  void thread(int i) {
    const int j = 1 - i;
    flag[i].store(1, Store);
    turn.store(j, Store);
    while (flag[j].load(Load) == 1 && turn.load(Load) == j) {
      weft::this_thread::yield();
    }
    shared.store(shared.load() + 1);  // the critical section
    flag[i].store(0, Store);
  }

  void after() { WEFT_ASSERT(shared.load() == 2); }
};

using peterson_acq_rel = peterson<std::memory_order_release, std::memory_order_acquire>;
using peterson_seq_cst = peterson<std::memory_order_seq_cst, std::memory_order_seq_cst>;

}  // namespace weft_test
