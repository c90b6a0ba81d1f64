// weft/detail/parker.hpp — putting one blocked operation to sleep and waking it.
//
// A parker belongs to one blocked operation (a send, a receive, a select, a context
// wait) and lives in that operation's stack frame. The owner calls park(); exactly one
// other thread — the one that completed the operation on the owner's behalf — calls
// unpark(). No busy waiting: after a short bounded spin (real threads only) the owner
// sleeps on a weft::condition_variable, so the model checker sees an ordinary blocked
// thread and the stress injector sees ordinary sync points.
//
// State machine (state_):
//
//   empty ──unpark (CAS)──────────────────────────────► notified
//     │                                                    ▲
//     └─owner locks m_, CAS──► parked ──unpark under m_────┘
//
// Invariants, and why the owner may destroy the parker as soon as park() returns true:
//   * empty -> notified happens by CAS in unpark() with no later access to the parker,
//     so an owner that sees it (while spinning) may return at once;
//   * once the owner has moved to `parked` it reads the state only while holding m_,
//     and parked -> notified happens only while unpark() holds m_; the owner therefore
//     observes `notified` only after unpark() has released m_ — its last access.
//   * a timed-out park() leaves the state `parked`, so a later park() goes straight to
//     m_ (no lock-free spin), keeping the previous rule intact.
#pragma once

#include <cstdint>
#include <exception>
#include <mutex>
#include <utility>

#include "weft/sync.hpp"

namespace weft::detail {

// True where a short spin before sleeping pays off: on real threads. Under a model or
// stress backend every load is a scheduling point, so spinning only adds schedules.
inline bool spin_allowed() noexcept {
#if defined(WEFT_NATIVE)
  return true;
#else
  return active_runtime() == nullptr;
#endif
}

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

// Exponential backoff between attempts on a contended word (crossbeam's Backoff::spin):
// 2^step pause instructions, step capped at kSpinLimit.
class backoff {
 public:
  void spin() noexcept {
    for (unsigned i = 0; i < (1U << (step_ < kSpinLimit ? step_ : kSpinLimit)); ++i) {
      cpu_relax();
    }
    if (step_ <= kSpinLimit) {
      ++step_;
    }
  }

 private:
  static constexpr unsigned kSpinLimit = 6;
  unsigned step_ = 0;
};

// Locks a channel mutex, spinning on try_lock briefly when it is taken: channel
// critical sections are a few dozen instructions, so waiting for the holder beats a
// futex sleep and wake-up.
// Under a checker it is a plain lock(): one scheduling point, no spin.
[[gnu::noinline]] inline void lock_contended(weft::mutex& m) {
  backoff b;
  for (int i = 0; i < 8; ++i) {
    b.spin();
    if (m.try_lock()) {
      return;
    }
  }
  m.lock();
}

inline void lock_spinning(weft::mutex& m) {
  if (!spin_allowed()) [[unlikely]] {
    m.lock();
  } else if (!m.try_lock()) [[unlikely]] {
    lock_contended(m);
  }
}

// Runs `f` when the scope is left by an exception. A park() can throw — a stress run
// unwinds the threads of an abandoned round from their waits — and a blocked operation
// must then withdraw its parker before its frame goes, or wait for the unpark already on
// its way: otherwise the waker touches a dead frame. `f` runs in the destructor, where
// facade operations see an exception in flight and do not unwind again, so it may wait.
template <class F>
class on_unwind {
 public:
  explicit on_unwind(F f) : f_(std::move(f)) {}
  on_unwind(const on_unwind&) = delete;
  on_unwind& operator=(const on_unwind&) = delete;
  ~on_unwind() {
    if (std::uncaught_exceptions() > exceptions_) {
      f_();
    }
  }

 private:
  int exceptions_ = std::uncaught_exceptions();
  F f_;
};

// How a blocked operation spins before it sleeps (real threads only; see kSpinPolls).
enum class spin_policy : std::uint8_t {
  // Pauses, then yields: the counterpart that completes the operation is usually running
  // right now on another core, or waiting for this one (a channel's partner thread).
  pause_and_yield,
  // Pauses only: the operation waits for a holder to give something back (semaphore
  // permits, pooled resources, room in a queue), which takes as long as the holder's
  // work. With more waiters than cores, a yield would hand the CPU to another waiter
  // rather than to a holder: 4 threads on a 2-permit semaphore or a 2-resource pool,
  // on 2 CPUs, took 0.9–1.8 µs per acquire + release with the yield phase and 30–110 ns
  // without it (docs/benchmarks.md section 9).
  pause_only,
};

class parker {
 public:
  parker() = default;
  parker(const parker&) = delete;
  parker& operator=(const parker&) = delete;

  // Blocks until unpark() (returns true) or until *deadline passes (returns false).
  // A null deadline waits without a timeout. After a false return the owner may call
  // park() again, e.g. to wait for an unpark() it knows is coming.
  bool park(const weft::clock::time_point* deadline,
            spin_policy spin = spin_policy::pause_and_yield) {
    if (state_.load(std::memory_order_acquire) == kEmpty && spin_allowed()) {
      // Wait for the unpark without sleeping, in two phases (see kSpinPolls):
      // poll the state word after every pause, then after every yield. Only unpark()
      // writes the word, so polling it costs no cache-line traffic until it does.
      for (unsigned i = 0; i < kSpinPolls; ++i) {
        if (state_.load(std::memory_order_acquire) == kNotified) {
          return true;
        }
        cpu_relax();
      }
      const unsigned yield_polls = spin == spin_policy::pause_and_yield ? kYieldPolls : 0;
      for (unsigned i = 0; i < yield_polls; ++i) {
        if (state_.load(std::memory_order_acquire) == kNotified) {
          return true;
        }
        weft::this_thread::yield();
      }
    }
    std::unique_lock<weft::mutex> lock(m_);
    std::uint32_t s = kEmpty;
    if (!state_.compare_exchange_strong(s, kParked, std::memory_order_acq_rel,
                                        std::memory_order_acquire) &&
        s == kNotified) {
      return true;
    }
    while (state_.load(std::memory_order_acquire) != kNotified) {
      if (deadline == nullptr) {
        cv_.wait(lock);
      } else if (cv_.wait_until(lock, *deadline) == std::cv_status::timeout) {
        return state_.load(std::memory_order_acquire) == kNotified;
      }
    }
    return true;
  }

  // Wakes the owner. Called at most once per parker, by the thread that completed the
  // owner's operation; it must not touch the owner's state after this call.
  void unpark() {
    std::uint32_t s = kEmpty;
    if (state_.compare_exchange_strong(s, kNotified, std::memory_order_acq_rel,
                                       std::memory_order_acquire)) {
      return;  // the owner has not gone to sleep; it sees kNotified while spinning or in park()
    }
    std::lock_guard<weft::mutex> lock(m_);
    state_.store(kNotified, std::memory_order_release);
    cv_.notify_one();
  }

 private:
  // The spin before sleeping (real threads only). A short pause phase (~1-3 µs) covers
  // a counterpart running on another core, which completes us within a few cache-line
  // round trips; the yield phase covers one that waits for a CPU — on an
  // oversubscribed machine (more threads than cores, or other processes' load) a yield
  // lets it run at once, where a longer pause phase would only burn the time slice it
  // needs. Measured on a 2-CPU VM (docs/benchmarks.md, "Channels vs Go"): against the
  // previous exponential backoff (2^k pauses for k = 0..6, then 4 yields) this halves
  // the time per message of capacity-0/1 channels while other processes load the
  // machine, and stays within ±15 % when they do not (capacity 0 a little faster,
  // capacity 1 a little slower: a longer pause phase suits a quiet machine, a shorter
  // one a loaded machine). spin_policy::pause_only skips the yield phase.
  static constexpr unsigned kSpinPolls = 32;
  static constexpr unsigned kYieldPolls = 16;

  static constexpr std::uint32_t kEmpty = 0;
  static constexpr std::uint32_t kParked = 1;
  static constexpr std::uint32_t kNotified = 2;

  weft::atomic<std::uint32_t> state_{kEmpty};
  weft::mutex m_;
  weft::condition_variable cv_;
};

}  // namespace weft::detail
