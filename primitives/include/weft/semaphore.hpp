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
//   * n == 0 always succeeds at once; a negative n throws weft::semaphore_misuse.
//
// Thread-safety: every member may be called concurrently. Blocked acquirers sleep (no
// busy waiting) and each release wakes exactly the requests it completes. Written on the
// sync facade: model mode explores it and runs its timeouts on virtual time.
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
  // A semaphore with `size` permits, all free. Throws semaphore_misuse if size < 0.
  explicit weighted_semaphore(std::int64_t size) : size_(check_size(size)) {}
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
    detail::lock_spinning(m_);
    std::lock_guard<weft::mutex> g(m_, std::adopt_lock);
    request r{n};
    return n <= size_ && try_grant(r);
  }

  // Returns n permits and grants them to the waiters at the head of the queue.
  void release(std::int64_t n = 1) {
    if (n < 0) {
      throw semaphore_misuse("weft::weighted_semaphore: negative permit count");
    }
    detail::wake_list wake;
    {
      detail::lock_spinning(m_);
      std::lock_guard<weft::mutex> g(m_, std::adopt_lock);
      if (n > held_.load()) {
        throw semaphore_misuse("weft::weighted_semaphore: released more permits than held");
      }
      held_.store(held_.load() - n);
      dispatch(wake);
    }
    wake.wake_all();
  }

  std::int64_t size() const noexcept { return size_; }
  // Permits not held right now (a snapshot).
  std::int64_t available() const {
    std::lock_guard<weft::mutex> g(m_);
    return size_ - held_.load();
  }
  // Acquirers blocked right now (a snapshot).
  std::size_t waiting() const {
    std::lock_guard<weft::mutex> g(m_);
    return waiters_.count_live();
  }

 private:
  template <class Owner, class Request>
  friend class detail::grant_case;

  // ---- the grant protocol (detail/grant_queue.hpp); m_ held ----
  struct request {
    std::int64_t n;
  };
  weft::mutex& grant_mutex() noexcept { return m_; }
  detail::grant_queue& waiters() noexcept { return waiters_; }
  bool grant_ready(const request& r) { return size_ - held_.load() >= r.n && !waiters_.has_live(); }
  bool try_grant(const request& r) {
    if (!grant_ready(r)) {
      return false;
    }
    held_.store(held_.load() + r.n);
    return true;
  }
  void dispatch(detail::wake_list& wake) {
    while (detail::wait_node* w = waiters_.front()) {
      const std::int64_t n = static_cast<request*>(w->slot)->n;
      if (size_ - held_.load() < n) {
        break;  // FIFO: the head does not fit, so nobody behind it is served
      }
      if (waiters_.claim(w)) {
        held_.store(held_.load() + n);
        wake.add(w);
      }
    }
  }

  static std::int64_t check_size(std::int64_t size) {
    if (size < 0) {
      throw semaphore_misuse("weft::weighted_semaphore: negative size");
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
  weft::var<std::int64_t> held_{0};  // permits held; 0 <= held_ <= size_      [m_]
  detail::grant_queue waiters_;      // blocked acquirers, oldest first        [m_]
};

}  // namespace weft
