// Model-checking scenarios of weft::weighted_semaphore, each written against the small
// semaphore interface below so that it also runs on a deliberately broken semaphore (a
// mutant) that it must catch:
//
//   acquire(n)  acquire_for(n, d) -> bool  try_acquire(n) -> bool  release(n)  waiting()
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <utility>
#include <vector>

#include "model_scenarios.hpp"
#include "scenario_driver.hpp"
#include "weft/context.hpp"
#include "weft/semaphore.hpp"
#include "weft/sync.hpp"

namespace weft::scenarios {

// ---------------------------------------------------------------------------------------
// Mutants: a condition-variable semaphore with one classic bug each.

enum class sem_bug {
  racy_check,      // checks for room and takes it in two critical sections: over-admits
  barging,         // wakes whoever fits, in any order: a small request passes a large head
  silent_timeout,  // a waiter that times out leaves the queue without waking the next one
};

template <sem_bug Bug>
class mutant_semaphore {
 public:
  explicit mutant_semaphore(std::int64_t size) : size_(size) {}

  void acquire(std::int64_t n) { (void)acquire_until(n, nullptr); }

  template <class Rep, class Period>
  bool acquire_for(std::int64_t n, const std::chrono::duration<Rep, Period>& d) {
    const auto deadline = weft::clock::now() + std::chrono::ceil<weft::clock::duration>(d);
    return acquire_until(n, &deadline);
  }

  bool try_acquire(std::int64_t n) {
    std::lock_guard<weft::mutex> g(m_);
    if (size_ - held_.load() < n || !queue_.get().empty()) return false;
    held_.store(held_.load() + n);
    return true;
  }

  void release(std::int64_t n) {
    std::lock_guard<weft::mutex> g(m_);
    held_.store(held_.load() - n);
    cv_.notify_all();
  }

  std::size_t waiting() const {
    std::lock_guard<weft::mutex> g(m_);
    return queue_.get().size();
  }

 private:
  bool acquire_until(std::int64_t n, const weft::clock::time_point* deadline) {
    if constexpr (Bug == sem_bug::racy_check) {
      {
        std::unique_lock<weft::mutex> lk(m_);
        cv_.wait(lk, [&] { return size_ - held_.load() >= n; });
      }
      std::lock_guard<weft::mutex> g(m_);  // BUG: the room seen above may be gone
      held_.store(held_.load() + n);
      return true;
    } else {
      std::unique_lock<weft::mutex> lk(m_);
      const std::uint64_t me = next_ticket_++;
      queue_.get_mut().push_back(me);
      auto my_turn = [&] {
        if constexpr (Bug == sem_bug::barging) {
          return size_ - held_.load() >= n;  // BUG: ignores who came first
        } else {
          return queue_.get().front() == me && size_ - held_.load() >= n;
        }
      };
      while (!my_turn()) {
        if (deadline == nullptr) {
          cv_.wait(lk);
        } else if (cv_.wait_until(lk, *deadline) == std::cv_status::timeout && !my_turn()) {
          erase(me);
          // BUG (silent_timeout): no notify — if this waiter was the head, the next one
          // may now fit but nobody tells it.
          if constexpr (Bug != sem_bug::silent_timeout) cv_.notify_all();
          return false;
        }
      }
      erase(me);
      held_.store(held_.load() + n);
      cv_.notify_all();
      return true;
    }
  }

  void erase(std::uint64_t ticket) {
    auto& q = queue_.get_mut();
    for (auto it = q.begin(); it != q.end(); ++it) {
      if (*it == ticket) {
        q.erase(it);
        return;
      }
    }
  }

  const std::int64_t size_;
  mutable weft::mutex m_;
  weft::condition_variable cv_;
  weft::var<std::int64_t> held_{0};
  weft::var<std::deque<std::uint64_t>> queue_;
  std::uint64_t next_ticket_ = 0;  // [m_]
};

template <class>
using racy_semaphore = mutant_semaphore<sem_bug::racy_check>;
template <class>
using barging_semaphore = mutant_semaphore<sem_bug::barging>;
template <class>
using silent_timeout_semaphore = mutant_semaphore<sem_bug::silent_timeout>;

// A semaphore with a lock-free release that wakes a waiter only if one is registered —
// but an acquirer registers after it has seen no permits, and a release in between wakes
// nobody: the lost wake-up weft's waiters flag (kWaiters) exists to prevent.
template <class>
class flagless_semaphore {
 public:
  explicit flagless_semaphore(std::int64_t size) : free_(size) {}
  void acquire(std::int64_t n) {
    std::unique_lock<weft::mutex> lk(m_);
    while (!take(n)) {
      waiters_.fetch_add(1);  // BUG: registered after the check, and not re-checked
      cv_.wait(lk);
      waiters_.fetch_sub(1);
    }
  }
  void release(std::int64_t n) {
    free_.fetch_add(n);
    if (waiters_.load() > 0) {
      std::lock_guard<weft::mutex> g(m_);
      cv_.notify_all();
    }
  }
  std::int64_t available() const { return free_.load(); }

 private:
  bool take(std::int64_t n) {
    std::int64_t f = free_.load();
    while (f >= n) {
      if (free_.compare_exchange_weak(f, f - n)) return true;
    }
    return false;
  }
  weft::atomic<std::int64_t> free_;
  weft::atomic<int> waiters_{0};
  weft::mutex m_;
  weft::condition_variable cv_;
};

// ---------------------------------------------------------------------------------------
// Scenarios

// Three acquirers of 2, 1 and 1 permits on a semaphore of 2: never more than 2 permits
// are in use at once, and every permit comes back.
template <class Sem>
void semaphore_never_over_admits() {
  Sem s(2);
  weft::atomic<int> inside{0};
  auto user = [&](std::int64_t n) {
    s.acquire(n);
    const int now = inside.fetch_add(static_cast<int>(n)) + static_cast<int>(n);
    WEFT_ASSERT(now <= 2);
    inside.fetch_sub(static_cast<int>(n));
    s.release(n);
  };
  weft::thread a(user, 2), b(user, 1);
  user(1);
  a.join();
  b.join();
  WEFT_ASSERT(s.try_acquire(2));
}

// Arrival order without spinning: virtual time moves only when every thread is blocked,
// so after sleep_for(k) every thread that was going to block has blocked.
inline void after(int ms) {
  weft::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

// The body holds all 2 permits; `big` queues for 2, then `small` for 1. The body gives
// back one permit and then the other: FIFO grants both to `big` first, so `small` runs
// only after `big` has released.
template <class Sem>
void semaphore_fifo_large_head_first() {
  Sem s(2);
  s.acquire(2);
  weft::atomic<bool> big_released{false};
  weft::thread big([&] {
    s.acquire(2);
    big_released.store(true);
    s.release(2);
  });
  weft::thread small([&] {
    after(1);  // `big` is queued by now
    s.acquire(1);
    WEFT_ASSERT(big_released.load());  // nobody passes the head
    s.release(1);
  });
  after(2);  // both are queued
  s.release(1);
  s.release(1);
  big.join();
  small.join();
}

// The body holds 2 of 3 permits. The head (`big`, 2 permits) times out; `small` (1 permit),
// queued behind it, fits as soon as the head leaves and must be woken then — nobody else
// will release anything until it is done.
template <class Sem>
void semaphore_timed_out_head_wakes_followers() {
  Sem s(3);
  s.acquire(2);
  weft::thread big([&] { WEFT_ASSERT(!s.acquire_for(2, std::chrono::seconds(1))); });
  weft::thread small([&] {
    after(1);  // queue behind `big`
    s.acquire(1);
    s.release(1);
  });
  big.join();
  small.join();
  s.release(2);
}

// The same with a context cancelled by another thread, on weft's semaphore.
inline void semaphore_cancelled_head_wakes_followers() {
  weft::weighted_semaphore s(3);
  s.acquire(2);
  const auto pair = weft::with_cancel(weft::background());
  const weft::context ctx = pair.first;
  weft::thread big([&s, ctx] { WEFT_ASSERT(!s.acquire(2, ctx)); });
  weft::thread small([&] {
    after(1);  // queue behind `big`
    s.acquire(1);
    s.release(1);
  });
  after(2);  // both are queued
  pair.second();
  big.join();
  small.join();
  s.release(2);
  WEFT_ASSERT(s.available() == 3);  // big could never fit: it took nothing
}

// A release races a cancellation for the same waiter: the permit goes to the waiter
// (which then owns it) or stays free — it is never lost or given twice.
inline void semaphore_release_races_cancel() {
  weft::weighted_semaphore s(1);
  s.acquire(1);
  const auto pair = weft::with_cancel(weft::background());
  const weft::context ctx = pair.first;
  weft::atomic<bool> got{false};
  weft::thread waiter([&, ctx] { got.store(s.acquire(1, ctx)); });
  weft::thread canceller([cancel = pair.second] { cancel(); });
  s.release(1);
  waiter.join();
  canceller.join();
  WEFT_ASSERT(s.available() == (got.load() ? 0 : 1));
  if (got.load()) s.release(1);
  WEFT_ASSERT(s.available() == 1 && s.waiting() == 0);
}

// A release racing an acquirer on its way to sleep: whatever the interleaving the
// acquirer gets the permit (a lost wake-up leaves it asleep: deadlock).
template <class Sem>
void semaphore_release_races_enqueue() {
  Sem s(2);
  s.acquire(2);
  weft::thread a([&] {
    s.acquire(1);
    s.release(1);
  });
  weft::thread b([&] {
    s.acquire(2);
    s.release(2);
  });
  s.release(1);
  s.release(1);
  a.join();
  b.join();
  WEFT_ASSERT(s.available() == 2);
}

inline std::vector<scenario> semaphore_scenarios() {
  using weft::model::failure;
  std::vector<scenario> out;
  out.push_back({"semaphore", "never over-admits (dfs)",
                 [] { semaphore_never_over_admits<weft::weighted_semaphore>(); }, failure::none,
                 bounded_dfs(bound(2), budget(200000))});
  out.push_back({"semaphore", "never over-admits (pct)",
                 [] { semaphore_never_over_admits<weft::weighted_semaphore>(); }, failure::none,
                 pct_search(budget(3000))});
  out.push_back({"semaphore", "FIFO: a large head is served before smaller later requests",
                 [] { semaphore_fifo_large_head_first<weft::weighted_semaphore>(); }, failure::none,
                 bounded_dfs(bound(2), budget(200000))});
  out.push_back({"semaphore", "FIFO (pct)",
                 [] { semaphore_fifo_large_head_first<weft::weighted_semaphore>(); }, failure::none,
                 pct_search(budget(3000))});
  out.push_back({"semaphore", "a timed-out head wakes the followers that fit",
                 [] { semaphore_timed_out_head_wakes_followers<weft::weighted_semaphore>(); },
                 failure::none, bounded_dfs(bound(2), budget(200000))});
  out.push_back({"semaphore", "a cancelled head wakes the followers that fit",
                 semaphore_cancelled_head_wakes_followers, failure::none,
                 bounded_dfs(bound(2), budget(200000))});
  out.push_back({"semaphore", "release racing a cancellation loses no permit",
                 semaphore_release_races_cancel, failure::none,
                 bounded_dfs(bound(2), budget(200000))});
  out.push_back({"semaphore", "a release racing an acquirer going to sleep (dfs)",
                 [] { semaphore_release_races_enqueue<weft::weighted_semaphore>(); }, failure::none,
                 bounded_dfs(bound(2), budget(200000))});
  out.push_back({"semaphore mutant", "a lock-free release that misses a sleeper is caught",
                 [] { semaphore_release_races_enqueue<flagless_semaphore<void>>(); },
                 failure::deadlock, bounded_dfs(2, budget(200000))});
  out.push_back({"semaphore mutant", "check-then-take in two critical sections is caught",
                 [] { semaphore_never_over_admits<racy_semaphore<void>>(); }, failure::assertion,
                 bounded_dfs(bound(2), budget(200000))});
  out.push_back({"semaphore mutant", "barging past a large head is caught",
                 [] { semaphore_fifo_large_head_first<barging_semaphore<void>>(); },
                 failure::assertion, bounded_dfs(bound(2), budget(200000))});
  out.push_back({"semaphore mutant", "a timeout that wakes nobody is caught",
                 [] { semaphore_timed_out_head_wakes_followers<silent_timeout_semaphore<void>>(); },
                 failure::deadlock, bounded_dfs(bound(2), budget(200000))});
  return out;
}

}  // namespace weft::scenarios
