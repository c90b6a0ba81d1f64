// Relacy tests of weft/detail/parker.hpp and the claim protocol of wait_queue.hpp — the
// lock-free parts every blocking primitive (channels, select, contexts, semaphores)
// rests on, checked under the C++ memory model rather than sequential consistency.
//
//   parker::state_   empty -> notified by CAS in unpark() (no lock), observed by the
//                    owner's acquire loads (spin) and CAS; parked -> notified under m_
//   waiter::selected kWaiting -> case index (claim) or kAborted (abort), by CAS from
//                    different threads; the loser must not touch what the winner owns
//
// Each passing case has mutants beside it — copies of the parker with one deliberate
// mistake — that Relacy must catch, so the cases cannot pass vacuously.
#include <weft/relacy.hpp>

#include <chrono>
#include <cstdint>
#include <mutex>

#include "weft/detail/parker.hpp"
#include "weft/detail/wait_queue.hpp"

namespace {

using namespace std::chrono_literals;

// ---- parker copies with one mistake each ------------------------------------------------

enum class mistake {
  relaxed,           // every memory order relaxed: the owner's fast path has no acquire
  notify_then_lock,  // unpark's slow path publishes `notified` before taking m_
  blind_park,        // park() stores `parked` instead of CAS-ing from `empty`
};

// weft::detail::parker (same algorithm, same orders) except for `M`. Without the spin
// phase, which the parker skips under a checking backend (Relacy included).
template <mistake M>
class broken_parker {
 public:
  bool park(const weft::clock::time_point* deadline) {
    std::unique_lock<weft::mutex> lock(m_);
    if constexpr (M == mistake::blind_park) {
      if (state_.load(acq()) == kNotified) {
        return true;
      }
      state_.store(kParked, rel());  // overwrites a `notified` stored in between
    } else {
      std::uint32_t s = kEmpty;
      if (!state_.compare_exchange_strong(s, kParked, acq_rel(), acq()) && s == kNotified) {
        return true;
      }
    }
    while (state_.load(acq()) != kNotified) {
      if (deadline == nullptr) {
        cv_.wait(lock);
      } else if (cv_.wait_until(lock, *deadline) == std::cv_status::timeout) {
        return state_.load(acq()) == kNotified;
      }
    }
    return true;
  }

  void unpark() {
    std::uint32_t s = kEmpty;
    if (state_.compare_exchange_strong(s, kNotified, acq_rel(), acq())) {
      return;
    }
    if constexpr (M == mistake::notify_then_lock) {
      state_.store(kNotified, rel());  // the owner may return, and free us, from here on
      std::lock_guard<weft::mutex> lock(m_);
      cv_.notify_one();
    } else {
      std::lock_guard<weft::mutex> lock(m_);
      state_.store(kNotified, rel());
      cv_.notify_one();
    }
  }

 private:
  static constexpr std::memory_order acq() {
    return M == mistake::relaxed ? std::memory_order_relaxed : std::memory_order_acquire;
  }
  static constexpr std::memory_order rel() {
    return M == mistake::relaxed ? std::memory_order_relaxed : std::memory_order_release;
  }
  static constexpr std::memory_order acq_rel() {
    return M == mistake::relaxed ? std::memory_order_relaxed : std::memory_order_acq_rel;
  }
  static constexpr std::uint32_t kEmpty = 0;
  static constexpr std::uint32_t kParked = 1;
  static constexpr std::uint32_t kNotified = 2;

  weft::atomic<std::uint32_t> state_{kEmpty};
  weft::mutex m_;
  weft::condition_variable cv_;
};

// ---- 1. handoff: the completer publishes a value and unparks; the owner reads it and
//         frees the parker as soon as park() returns (what a stack-allocated parker in a
//         returning channel operation amounts to) ---------------------------------------

template <class Parker>
struct handoff {
  static constexpr int threads = 2;
  Parker* parker = new Parker;
  weft::var<int> value{0};

  void thread(int index) {
    if (index == 0) {  // completer
      value.store(42);
      parker->unpark();
    } else {  // owner
      WEFT_ASSERT(parker->park(nullptr));
      WEFT_ASSERT(value.load() == 42);
      delete parker;
    }
  }
};

// ---- 2. the claim protocol of a timed wait (channel recv with a deadline, select with
//         a timeout), with the channel reduced to a mutex and a "queued" flag: a
//         completer claims the waiter under the lock, fills the slot, and unparks it
//         after unlocking; the owner parks until a deadline, and an owner that timed out
//         must win the abort CAS (outside the lock) before it may leave — else it waits
//         for the unpark that is on its way. Leaving means unlinking under the lock and
//         freeing the waiter, as a returning channel operation frees its stack frame ----

template <bool TrustTimeout>
struct timed_claim {
  static constexpr int threads = 2;
  weft::mutex queue_lock;
  weft::var<bool> queued{true};
  weft::detail::waiter* w = new weft::detail::waiter;
  weft::var<int> slot{0};
  weft::var<int> outcome{0};  // 1: got the value, 2: timed out

  void thread(int index) {
    if (index == 0) {  // completer
      bool claimed = false;
      {
        std::lock_guard<weft::mutex> g(queue_lock);
        if (queued.load() && w->try_claim(0)) {
          queued.store(false);
          slot.store(7);
          claimed = true;
        }
      }
      if (claimed) w->park.unpark();  // after unlocking, as wake_list does
    } else {                          // owner
      const auto deadline = weft::clock::now() + 1ms;
      bool claimed = w->park.park(&deadline);
      if (!claimed && !TrustTimeout && !w->try_abort()) {
        claimed = w->park.park(nullptr);  // a claim beat the abort: its unpark is coming
        WEFT_ASSERT(claimed);
      }
      {
        std::lock_guard<weft::mutex> g(queue_lock);
        queued.store(false);  // unlink
      }
      if (claimed) {
        WEFT_ASSERT(w->selected.load(std::memory_order_acquire) == 0);
        WEFT_ASSERT(slot.load() == 7);
      }
      outcome.store(claimed ? 1 : 2);
      delete w;
    }
  }
  void after() {
    WEFT_ASSERT(outcome.load() == 1 || outcome.load() == 2);
    WEFT_ASSERT(outcome.load() == 1 || weft::clock::now() >= weft::clock::time_point(1ms));
  }
};

// ---- 3. two completers race for one waiter (a select blocked on two channels, one lock
//         each): exactly one claim succeeds, and the owner sees the winner's value ------

struct two_completers {
  static constexpr int threads = 3;
  weft::mutex locks[2];
  weft::var<bool> queued[2] = {true, true};
  weft::detail::waiter* w = new weft::detail::waiter;
  weft::var<int> slot{0};
  weft::atomic<int> wins{0};

  void thread(int index) {
    if (index < 2) {
      bool claimed = false;
      {
        std::lock_guard<weft::mutex> g(locks[index]);
        if (queued[index].load() && w->try_claim(index)) {
          queued[index].store(false);
          slot.store(index + 1);
          wins.fetch_add(1, std::memory_order_relaxed);
          claimed = true;
        }
      }
      if (claimed) w->park.unpark();
    } else {
      WEFT_ASSERT(w->park.park(nullptr));
      for (int i = 0; i < 2; ++i) {  // dequeue_all
        std::lock_guard<weft::mutex> g(locks[i]);
        queued[i].store(false);
      }
      const int fired = w->selected.load(std::memory_order_acquire);
      WEFT_ASSERT(fired == 0 || fired == 1);
      WEFT_ASSERT(slot.load() == fired + 1);
      delete w;
    }
  }
  void after() { WEFT_ASSERT(wins.load() == 1); }
};

}  // namespace

int main(int argc, char** argv) {
  // How Relacy reports a use of a freed parker: through whichever object it touches first.
  const auto freed = {rl::test_result_access_to_freed_memory,
                      rl::test_result_usage_of_non_initialized_mutex,
                      rl::test_result_usage_of_non_initialized_condvar};
  using weft::relacy::fails_with;
  using weft::relacy::passes;
  return weft::relacy::test_main(
      argc, argv,
      {
          passes<handoff<weft::detail::parker>>("parker: handoff, owner frees on return"),
          fails_with<handoff<broken_parker<mistake::relaxed>>>("parker mutant: relaxed orders",
                                                               rl::test_result_data_race),
          fails_with<handoff<broken_parker<mistake::notify_then_lock>>>(
              "parker mutant: notified before taking the lock", freed),
          fails_with<handoff<broken_parker<mistake::blind_park>>>(
              "parker mutant: park overwrites notified", rl::test_result_deadlock),
          passes<timed_claim<false>>("waiter: timed park, claim vs abort"),
          fails_with<timed_claim<true>>("waiter mutant: leaves on timeout without abort", freed),
          passes<two_completers>("waiter: two completers, one claim",
                                 weft::relacy::iterations(50000)),
      });
}
