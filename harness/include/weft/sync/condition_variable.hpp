// weft/sync/condition_variable.hpp — weft::condition_variable.
//
// Waits on std::unique_lock<weft::mutex>, with the std::condition_variable API (wait,
// wait_for, wait_until, with and without a predicate, on any clock). The plain path
// hands the underlying std::mutex to a std::condition_variable, so it costs what the
// std pair costs. Under the model backend waits may wake spuriously (explored unless
// switched off) and timed waits run on virtual time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "weft/sync/clock.hpp"
#include "weft/sync/mutex.hpp"

#if defined(WEFT_NATIVE)

namespace weft {
using condition_variable = std::condition_variable;
}

#elif defined(WEFT_RELACY)

// Relacy flavour: an rl::condvar with spurious wake-ups allowed (explored, as in model
// mode). Timed waits: Relacy decides nondeterministically whether a timed wait times
// out, so every order of a timeout and a notification is explored; a wait that times
// out moves the logical clock to its deadline (weft/relacy/session.hpp). A wait whose
// deadline has already passed releases the mutex, yields and returns timeout.
namespace weft {

class condition_variable {
 public:
  condition_variable() {
    cv_.init(/*allow_spurious_wakeups=*/true,
             relacy::detail::info(source_loc::current(), "weft::condition_variable"));
  }
  ~condition_variable() {
    cv_.deinit(relacy::detail::info(source_loc::current(), "weft::condition_variable"));
  }
  condition_variable(const condition_variable&) = delete;
  condition_variable& operator=(const condition_variable&) = delete;

  void notify_one(source_loc loc = source_loc::current()) {
    cv_.notify_one(relacy::detail::info(loc, "weft::condition_variable::notify_one"));
  }
  void notify_all(source_loc loc = source_loc::current()) {
    cv_.notify_all(relacy::detail::info(loc, "weft::condition_variable::notify_all"));
  }

  void wait(std::unique_lock<mutex>& lock, source_loc loc = source_loc::current()) {
    (void)cv_.wait(lock.mutex()->m_, /*is_timed=*/false,
                   relacy::detail::info(loc, "weft::condition_variable::wait"));
  }

  template <class Predicate>
  void wait(std::unique_lock<mutex>& lock, Predicate pred, source_loc loc = source_loc::current()) {
    while (!pred()) {
      wait(lock, loc);
    }
  }

  template <class Clock, class Duration>
  std::cv_status wait_until(std::unique_lock<mutex>& lock,
                            const std::chrono::time_point<Clock, Duration>& deadline,
                            source_loc loc = source_loc::current()) {
    const auto at = relacy::detail::info(loc, "weft::condition_variable::wait_until");
    const std::int64_t d = detail::to_weft_deadline(deadline).time_since_epoch().count();
    if (d <= relacy::detail::now_ns(loc)) {
      lock.mutex()->m_.unlock(at);
      rl::yield(1, at);
      lock.mutex()->m_.lock(at);
      return std::cv_status::timeout;
    }
    if (cv_.wait(lock.mutex()->m_, /*is_timed=*/true, at) == rl::sema_wakeup_reason_timeout) {
      relacy::detail::advance_to(d);
      return std::cv_status::timeout;
    }
    return std::cv_status::no_timeout;
  }

  template <class Clock, class Duration, class Predicate>
  bool wait_until(std::unique_lock<mutex>& lock,
                  const std::chrono::time_point<Clock, Duration>& deadline, Predicate pred,
                  source_loc loc = source_loc::current()) {
    while (!pred()) {
      if (wait_until(lock, deadline, loc) == std::cv_status::timeout) {
        return pred();
      }
    }
    return true;
  }

  template <class Rep, class Period>
  std::cv_status wait_for(std::unique_lock<mutex>& lock,
                          const std::chrono::duration<Rep, Period>& d,
                          source_loc loc = source_loc::current()) {
    return wait_until(lock, clock::now() + std::chrono::ceil<clock::duration>(d), loc);
  }

  template <class Rep, class Period, class Predicate>
  bool wait_for(std::unique_lock<mutex>& lock, const std::chrono::duration<Rep, Period>& d,
                Predicate pred, source_loc loc = source_loc::current()) {
    return wait_until(lock, clock::now() + std::chrono::ceil<clock::duration>(d), std::move(pred),
                      loc);
  }

 private:
  struct tag;
  rl::condvar<tag> cv_;
};

}  // namespace weft

#else

namespace weft {

class condition_variable {
 public:
  condition_variable() = default;
  condition_variable(const condition_variable&) = delete;
  condition_variable& operator=(const condition_variable&) = delete;

  void notify_one(source_loc loc = source_loc::current()) {
    if (auto* rt = detail::active_runtime()) [[unlikely]] {
      rt->cv_notify(slot_, cv_, false, loc);
      return;
    }
    cv_.notify_one();
  }

  void notify_all(source_loc loc = source_loc::current()) {
    if (auto* rt = detail::active_runtime()) [[unlikely]] {
      rt->cv_notify(slot_, cv_, true, loc);
      return;
    }
    cv_.notify_all();
  }

  void wait(std::unique_lock<mutex>& lock, source_loc loc = source_loc::current()) {
    if (auto* rt = detail::active_runtime()) [[unlikely]] {
      rt->cv_wait(slot_, cv_, lock.mutex()->slot_, lock.mutex()->m_, nullptr, loc);
      return;
    }
    std::unique_lock<std::mutex> native(lock.mutex()->m_, std::adopt_lock);
    cv_.wait(native);
    native.release();
  }

  template <class Predicate>
  void wait(std::unique_lock<mutex>& lock, Predicate pred, source_loc loc = source_loc::current()) {
    while (!pred()) {
      wait(lock, loc);
    }
  }

  template <class Clock, class Duration>
  std::cv_status wait_until(std::unique_lock<mutex>& lock,
                            const std::chrono::time_point<Clock, Duration>& deadline,
                            source_loc loc = source_loc::current()) {
    if (auto* rt = detail::active_runtime()) [[unlikely]] {
      const auto d = detail::to_weft_deadline(deadline);
      return rt->cv_wait(slot_, cv_, lock.mutex()->slot_, lock.mutex()->m_, &d, loc);
    }
    std::unique_lock<std::mutex> native(lock.mutex()->m_, std::adopt_lock);
    std::cv_status status;
    if constexpr (std::is_same_v<Clock, weft::clock>) {
      status = cv_.wait_until(native, detail::to_steady(deadline));
    } else {
      status = cv_.wait_until(native, deadline);
    }
    native.release();
    return status;
  }

  template <class Clock, class Duration, class Predicate>
  bool wait_until(std::unique_lock<mutex>& lock,
                  const std::chrono::time_point<Clock, Duration>& deadline, Predicate pred,
                  source_loc loc = source_loc::current()) {
    while (!pred()) {
      if (wait_until(lock, deadline, loc) == std::cv_status::timeout) {
        return pred();
      }
    }
    return true;
  }

  template <class Rep, class Period>
  std::cv_status wait_for(std::unique_lock<mutex>& lock,
                          const std::chrono::duration<Rep, Period>& d,
                          source_loc loc = source_loc::current()) {
    return wait_until(lock, clock::now() + std::chrono::ceil<clock::duration>(d), loc);
  }

  template <class Rep, class Period, class Predicate>
  bool wait_for(std::unique_lock<mutex>& lock, const std::chrono::duration<Rep, Period>& d,
                Predicate pred, source_loc loc = source_loc::current()) {
    return wait_until(lock, clock::now() + std::chrono::ceil<clock::duration>(d), std::move(pred),
                      loc);
  }

 private:
  std::condition_variable cv_;
  detail::object_slot slot_;
};

}  // namespace weft

#endif  // WEFT_NATIVE
