// Thread life-cycle bugs: a wait that can never end, and a thread left running.
#include <memory>

#include "weft/sync.hpp"
#include "weft_bugs/zoo.hpp"

namespace weft_bugs {

namespace {

// --- endless_spin --------------------------------------------------------------------
// Bug: main resets the one-shot `done` flag after starting the worker ("clear any stale
// signal"), then spins until the worker sets it. If the worker has already finished, the
// reset erases its only signal and main spins forever.
// weft reports: livelock (the step bound is exceeded; nothing else can run).
// Interleaving: the worker stores done=true before main's reset.
// Fix: reset before starting the worker.
void endless_spin(bool fixed) {
  weft::atomic<bool> done{true};  // stale from an earlier round
  if (fixed) {
    done.store(false, std::memory_order_relaxed);
  }
  weft::thread worker([&] { done.store(true, std::memory_order_release); });
  if (!fixed) {
    done.store(false, std::memory_order_relaxed);  // BUG: may erase the signal
  }
  while (!done.load(std::memory_order_acquire)) {
    weft::this_thread::yield();
  }
  worker.join();
}

// --- leaked_thread -------------------------------------------------------------------
// Bug: when the request was cancelled, main returns early and forgets to join the
// worker it already started.
// weft reports: leaked_thread (a joinable weft::thread is destroyed).
// Interleaving: the canceller stores cancelled=true before main checks it.
// Fix: join the worker on every path.
void leaked_thread(bool fixed) {
  weft::atomic<bool> cancelled{false};
  // The worker owns its result: when it is leaked it outlives this frame.
  auto result = std::make_shared<weft::atomic<int>>(0);
  weft::thread canceller([&] { cancelled.store(true); });
  weft::thread worker([result] { result->store(42); });
  if (cancelled.load()) {
    canceller.join();
    if (fixed) {
      worker.join();
    }
    return;  // BUG when !fixed: `worker` is still joinable here
  }
  worker.join();
  canceller.join();
  WEFT_ASSERT(result->load() == 42);
}

}  // namespace

void endless_spin_buggy() {
  endless_spin(false);
}
void endless_spin_fixed() {
  endless_spin(true);
}
void leaked_thread_buggy() {
  leaked_thread(false);
}
void leaked_thread_fixed() {
  leaked_thread(true);
}

}  // namespace weft_bugs
