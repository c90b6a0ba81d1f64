// weft/semaphore.hpp — weft::weighted_semaphore: a counting semaphore whose acquirers
// take any number of permits at once, served first come, first served (Go's
// golang.org/x/sync/semaphore.Weighted).
//
//   weft::weighted_semaphore memory(64);          // 64 MiB of decode buffers, say
//   if (memory.acquire(16, ctx)) {                 // 16 MiB, or give up when ctx is done
//     decode(...);
//     memory.release(16);
//   }
//
// Rules:
//   * FIFO: requests are granted in arrival order. A request that does not fit blocks
//     every later one, even smaller requests that would fit — so a large request is never
//     starved by a stream of small ones. try_acquire does not barge either: it fails
//     while anyone waits;
//   * acquire(n) with n > size() can never succeed: it throws weft::semaphore_misuse at
//     once instead of blocking forever (Go blocks until the context is done);
//     try_acquire(n) returns false;
//   * a context that is already done fails acquire(n, ctx) even if the permits are free
//     (golang/go#63615); a context done while waiting fails it, and the waiter leaves the
//     queue without taking anything. The timed forms are the same with a deadline;
//   * release(n) of more permits than are currently held throws weft::semaphore_misuse
//     and releases nothing (Go panics). The semaphore does not track which thread holds
//     what: any thread may release;
//   * n == 0 takes nothing but is still a request in line: it succeeds at once while
//     nobody waits, and otherwise waits its turn (try_acquire(0) is then false), as in
//     Go; a negative n throws weft::semaphore_misuse.
//
// Thread-safety: every member may be called concurrently. While nobody waits, acquire and
// release are one compare-and-swap each; blocked acquirers sleep (no busy waiting) and
// each release wakes exactly the requests it completes. Written on the sync facade:
// model mode explores it and runs its timeouts on virtual time.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>

#include "weft/context.hpp"
#include "weft/detail/deadline.hpp"
#include "weft/detail/grant_queue.hpp"
#include "weft/errors.hpp"
#include "weft/sync.hpp"

namespace weft {

class weighted_semaphore {
 public:
  // A semaphore with `size` permits (0 <= size < 2^62), all free. Throws semaphore_misuse
  // for a size out of that range.
  explicit weighted_semaphore(std::int64_t size) : size_(check_size(size)), state_(size_ * kUnit) {}
  weighted_semaphore(const weighted_semaphore&) = delete;
  weighted_semaphore& operator=(const weighted_semaphore&) = delete;

  // Blocks until n permits are granted.
  void acquire(std::int64_t n = 1) { (void)acquire_impl(n, nullptr, nullptr); }

  // Blocks until n permits are granted (true) or ctx is done (false, nothing taken).
  bool acquire(std::int64_t n, const context& ctx) {
    check_request(n);
    if (detail::is_done(ctx)) {
      return false;
    }
    return acquire_impl(n, &ctx, nullptr);
  }

  // Blocks until n permits are granted (true) or the time runs out (false).
  template <class Rep, class Period>
  bool acquire_for(std::int64_t n, const std::chrono::duration<Rep, Period>& d) {
    const auto deadline = detail::deadline_after(d);
    return acquire_impl(n, nullptr, &deadline);
  }
  template <class Clock, class Duration>
  bool acquire_until(std::int64_t n, const std::chrono::time_point<Clock, Duration>& tp) {
    const auto deadline = detail::to_deadline(tp);
    return acquire_impl(n, nullptr, &deadline);
  }

  // Takes n permits if they are free and nobody is waiting; never blocks.
  bool try_acquire(std::int64_t n = 1) {
    if (n < 0) {
      throw semaphore_misuse("weft::weighted_semaphore: negative permit count");
    }
    return n <= size_ && take_fast(n);
  }

  // Returns n permits and grants them to the waiters at the head of the queue.
  void release(std::int64_t n = 1) {
    if (n < 0) {
      throw semaphore_misuse("weft::weighted_semaphore: negative permit count");
    }
    if (give_fast(n)) {
      return;
    }
    detail::wake_list wake;
    {
      detail::lock_spinning(m_);
      std::lock_guard<weft::mutex> g(m_, std::adopt_lock);
      std::int64_t s = state_.load(std::memory_order_acquire);
      do {
        check_release(s, n);
      } while (!state_.compare_exchange_weak(s, s + n * kUnit, std::memory_order_acq_rel,
                                             std::memory_order_acquire));
      dispatch(wake);
    }
    wake.wake_all();
  }

  std::int64_t size() const noexcept { return size_; }
  // Permits not held right now (a snapshot).
  std::int64_t available() const { return state_.load(std::memory_order_acquire) / kUnit; }
  // Acquirers blocked right now (a snapshot).
  std::size_t waiting() const {
    std::lock_guard<weft::mutex> g(m_);
    return waiters_.count_live();
  }

 private:
  template <class Owner, class Request>
  friend class detail::grant_case;

  // state_ = free permits x kUnit + kWaiters. The fast paths CAS the free count only while
  // kWaiters is clear; kWaiters is set and cleared only under m_, and is set whenever the
  // waiter queue is non-empty when m_ is released — so with waiters queued every change
  // of the count happens under m_ (a fast CAS that read the word before kWaiters was set
  // fails), and a release can never miss a waiter it should serve.
  static constexpr std::int64_t kWaiters = 1;
  static constexpr std::int64_t kUnit = 2;

  static std::int64_t free_in(std::int64_t s) noexcept { return s / kUnit; }

  // Lock-free acquire: only while nobody waits (FIFO: no barging past a waiter).
  bool take_fast(std::int64_t n) {
    // The first CAS guesses the word (all free, nobody waiting) instead of loading it: a
    // load would fetch the cache line shared and the CAS then fetch it again exclusive;
    // a wrong guess costs one failed CAS, which returns the word. Checks run on the
    // value the CAS compares against, so a guess is never acted on unless it was right.
    std::int64_t s = size_ * kUnit;
    while ((s & kWaiters) == 0 && free_in(s) >= n) {
      if (state_.compare_exchange_weak(s, s - n * kUnit, std::memory_order_acq_rel,
                                       std::memory_order_acquire)) {
        return true;
      }
    }
    return false;
  }

  // Lock-free release while nobody waits; false: there are waiters to serve (take m_).
  bool give_fast(std::int64_t n) {
    // Guess as in take_fast: nobody else holds a permit (n > size_ cannot be valid).
    std::int64_t s = n <= size_ ? (size_ - n) * kUnit : state_.load(std::memory_order_acquire);
    while ((s & kWaiters) == 0) {
      check_release(s, n);
      if (state_.compare_exchange_weak(s, s + n * kUnit, std::memory_order_acq_rel,
                                       std::memory_order_acquire)) {
        return true;
      }
    }
    return false;
  }

  void check_release(std::int64_t s, std::int64_t n) const {
    if (n > size_ - free_in(s)) {  // not free_in(s) + n > size_: that overflows for huge n
      throw semaphore_misuse("weft::weighted_semaphore: released more permits than held");
    }
  }

  // ---- the grant protocol (detail/grant_queue.hpp); m_ held ----
  struct request {
    std::int64_t n;
  };
  weft::mutex& grant_mutex() noexcept { return m_; }
  detail::grant_queue& waiters() noexcept { return waiters_; }
  bool grant_ready(const request& r) {
    return !waiters_.has_live() && free_in(state_.load(std::memory_order_acquire)) >= r.n;
  }
  bool try_grant(const request& r) {
    if (waiters_.has_live()) {
      return false;
    }
    // Nobody queued: fast paths may run concurrently, so take by CAS.
    std::int64_t s = state_.load(std::memory_order_acquire);
    while (free_in(s) >= r.n) {
      if (state_.compare_exchange_weak(s, s - r.n * kUnit, std::memory_order_acq_rel,
                                       std::memory_order_acquire)) {
        return true;
      }
    }
    return false;
  }
  // Serves the queue from its head; keeps kWaiters equal to "the queue is non-empty".
  void dispatch(detail::wake_list& wake) {
    if (!waiters_.has_live()) {
      state_.fetch_and(~kWaiters, std::memory_order_acq_rel);
      return;
    }
    state_.fetch_or(kWaiters, std::memory_order_acq_rel);  // from now on, all under m_
    while (detail::wait_node* w = waiters_.front()) {
      const std::int64_t n = static_cast<request*>(w->slot)->n;
      if (free_in(state_.load(std::memory_order_acquire)) < n) {
        break;  // FIFO: the head does not fit, so nobody behind it is served
      }
      if (waiters_.claim(w)) {
        state_.fetch_sub(n * kUnit, std::memory_order_acq_rel);
        wake.add(w);
      }
    }
    if (!waiters_.has_live()) {
      state_.fetch_and(~kWaiters, std::memory_order_acq_rel);
    }
  }

  static std::int64_t check_size(std::int64_t size) {
    if (size < 0 || size >= (std::int64_t{1} << 62)) {
      throw semaphore_misuse("weft::weighted_semaphore: size out of range");
    }
    return size;
  }
  void check_request(std::int64_t n) const {
    if (n < 0) {
      throw semaphore_misuse("weft::weighted_semaphore: negative permit count");
    }
    if (n > size_) {
      throw semaphore_misuse("weft::weighted_semaphore: acquire(" + std::to_string(n) +
                             ") exceeds the size " + std::to_string(size_));
    }
  }

  bool acquire_impl(std::int64_t n, const context* ctx, const detail::time_point* deadline) {
    check_request(n);
    if (take_fast(n)) {
      return true;
    }
    request r{n};
    {
      detail::lock_spinning(m_);
      std::lock_guard<weft::mutex> g(m_, std::adopt_lock);
      if (try_grant(r)) {
        return true;
      }
      if (deadline != nullptr && weft::clock::now() >= *deadline) {
        return false;
      }
    }
    return detail::wait_granted(*this, r, ctx, deadline);
  }

  const std::int64_t size_;
  mutable weft::mutex m_;
  detail::grant_queue waiters_;  // blocked acquirers, oldest first              [m_]
  // Free permits and the waiters flag (see kWaiters); 0 <= free <= size_. On a cache line
  // of its own: the fast paths read size_, and sharing the line with the word every
  // acquire and release CASes made each of those reads a cache miss under contention.
  // Last and 64-aligned, so the object's own tail padding fills the rest of the line.
  alignas(64) weft::atomic<std::int64_t> state_;
};

}  // namespace weft
