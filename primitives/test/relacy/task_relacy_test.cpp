// Relacy tests of task completion (weft/task_handle.hpp) and the worker pool around it
// (weft/worker_pool.hpp). Completion is lock-free: one word, task_base::state_, holds
// kPending, kDone or the address of the one waiter's parker —
//
//   publish()   exchange(kDone, acq_rel); if it took a parker out, unpark it
//   wait        CAS kPending -> &parker, park; on timeout CAS &parker -> kPending, and
//               if that fails publish() has the parker: park again before returning
//               (the parker lives in the waiter's stack frame)
//
// The outcome is written before publish() and read after the wait, so the task's effects
// must be visible to whoever got its result. A copy of the protocol with one mistake per
// mutant shows Relacy catches what would break it.
#include <weft/relacy.hpp>

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>

#include "weft/detail/parker.hpp"
#include "weft/task_handle.hpp"
#include "weft/worker_pool.hpp"

namespace {

using namespace std::chrono_literals;

struct box {
  weft::var<int> value{0};
};

// ---- 1. the real task state: a worker runs and publishes, the owner waits (untimed, or
//         with a deadline that may pass first, then untimed) and takes the result -------

template <bool Timed>
struct task_completion {
  static constexpr int threads = 2;
  box b;
  std::shared_ptr<weft::detail::task_state<box*>> task =
      weft::detail::make_task(weft::background(), [this] {
        b.value.store(5);
        return &b;
      });

  void thread(int index) {
    if (index == 0) {
      (void)task->execute();
    } else {
      if (Timed && !task->wait_until(weft::clock::now() + 1ms)) {
        WEFT_ASSERT(weft::clock::now() >= weft::clock::time_point(1ms));
        WEFT_ASSERT(!task->wait_until(weft::clock::now()));  // still pending, or just done
      }
      task->wait();
      WEFT_ASSERT(task->ready());
      box* r = task->take();
      WEFT_ASSERT(r == &b && r->value.load() == 5);
    }
  }
};

// ---- 2. the same protocol, copied with one mistake each ----------------------------------

enum class mistake {
  none,
  relaxed_publish,  // publish() swaps with relaxed order: the outcome is not published
  trust_timeout,    // a timed-out waiter leaves without withdrawing its parker
};

template <mistake M>
struct event {
  static constexpr std::uintptr_t kPending = 0;
  static constexpr std::uintptr_t kDone = 1;
  weft::atomic<std::uintptr_t> state{kPending};

  void publish() {
    const auto order =
        M == mistake::relaxed_publish ? std::memory_order_relaxed : std::memory_order_acq_rel;
    const std::uintptr_t prev = state.exchange(kDone, order);
    if (prev != kPending) reinterpret_cast<weft::detail::parker*>(prev)->unpark();
  }

  bool wait_until(const weft::clock::time_point* deadline) {
    const auto acquire =
        M == mistake::relaxed_publish ? std::memory_order_relaxed : std::memory_order_acquire;
    if (state.load(acquire) == kDone) return true;
    weft::detail::parker p;
    const auto mine = reinterpret_cast<std::uintptr_t>(&p);
    std::uintptr_t seen = kPending;
    if (!state.compare_exchange_strong(seen, mine, std::memory_order_acq_rel, acquire)) {
      return true;  // kDone
    }
    if (p.park(deadline)) return true;
    if (M == mistake::trust_timeout) return false;  // p dies here; publish() may still use it
    seen = mine;
    if (state.compare_exchange_strong(seen, kPending, std::memory_order_acq_rel, acquire)) {
      return false;
    }
    p.park(nullptr);
    return true;
  }
};

template <mistake M>
struct event_completion {
  static constexpr int threads = 2;
  event<M> ev;
  weft::var<int> result{0};

  void thread(int index) {
    if (index == 0) {
      result.store(5);
      ev.publish();
    } else {
      const auto deadline = weft::clock::now() + 1ms;
      if (ev.wait_until(&deadline) || ev.wait_until(nullptr)) {
        WEFT_ASSERT(result.load() == 5);
      }
    }
  }
};

// ---- 3. a worker pool (one worker: a Relacy dynamic thread) runs two submitters' tasks;
//         each submitter sees its own task's effects through its handle ----------------

struct pool_roundtrip {
  static constexpr int threads = 2;
  static constexpr int spawned_threads = 1;  // the worker
  weft::worker_pool pool{1};
  box boxes[2];
  weft::atomic<int> finished{0};

  void thread(int index) {
    box* mine = &boxes[index];
    auto h = pool.submit([mine, index] {
      mine->value.store(index + 1);
      return mine;
    });
    if (index == 1 && h.wait_for(1ms) == std::future_status::timeout) {
      WEFT_ASSERT(weft::clock::now() >= weft::clock::time_point(1ms));
    }
    box* got = h.get();
    WEFT_ASSERT(got == mine && got->value.load() == index + 1);
    finished.fetch_add(1, std::memory_order_acq_rel);
    if (index == 0) {
      // The worker waits for work until the pool shuts down, and Relacy ends an iteration
      // only when every thread has: shut down here, once both submitters are done.
      while (finished.load(std::memory_order_acquire) < 2) {
        weft::this_thread::yield();
      }
      pool.shutdown();
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  using weft::relacy::fails_with;
  using weft::relacy::iterations;
  using weft::relacy::passes;
  // A use of the dead parker surfaces through whichever of its objects is touched first,
  // or as a result read without synchronization (the next wait takes the dead parker's
  // address for "done").
  const auto trusted = {
      rl::test_result_access_to_freed_memory, rl::test_result_usage_of_non_initialized_mutex,
      rl::test_result_usage_of_non_initialized_condvar, rl::test_result_data_race};
  return weft::relacy::test_main(
      argc, argv,
      {
          passes<task_completion<false>>("task: completion publishes the result"),
          passes<task_completion<true>>("task: timed wait, withdraw vs publish", iterations(50000)),
          passes<event_completion<mistake::none>>("task protocol copy: correct"),
          fails_with<event_completion<mistake::relaxed_publish>>(
              "task protocol mutant: relaxed publish", rl::test_result_data_race),
          fails_with<event_completion<mistake::trust_timeout>>(
              "task protocol mutant: timeout without withdrawing the parker", trusted),
          passes<pool_roundtrip>("worker_pool: two submitters, one worker", iterations(20000)),
      });
}
