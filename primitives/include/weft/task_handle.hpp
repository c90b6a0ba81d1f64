// weft/task_handle.hpp — weft::task_handle<T>, the result of a task submitted to a
// weft::worker_pool, and weft::pending_task, a task taken back out of a pool's queue.
//
//   weft::task_handle<int> h = pool.submit([] { return 6 * 7; });
//   if (h.wait_for(1s) == std::future_status::ready) use(h.get());
//   int v = h.get();          // waits; returns 42, rethrows the task's exception, or
//                             // throws weft::task_cancelled if the task never ran
//
// Why not std::future: its waits block on std:: primitives the model checker cannot see
// or schedule (a model test waiting on one would hang the execution). task_handle waits
// on weft::mutex / weft::condition_variable, so model mode explores it and its timed
// waits run on virtual time. The API follows std::future: get() consumes the handle
// (valid() is false afterwards), wait_for / wait_until return std::future_status
// (ready or timeout; never deferred).
//
// Outcomes: a task completes exactly once, with its return value, the exception it
// threw, or "cancelled" — it never ran because its context was done before it started,
// the drop_oldest policy dropped it, or shutdown_now() took it out of the queue and the
// pending_task was destroyed without being run.
//
// Thread-safety: one handle is used by one thread at a time (like std::future); the
// shared state is completed by the pool's worker and read by the handle's owner.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>

#include "weft/context.hpp"
#include "weft/detail/deadline.hpp"
#include "weft/detail/parker.hpp"
#include "weft/errors.hpp"
#include "weft/sync.hpp"

namespace weft {

class worker_pool;

namespace detail {

// The shared state of one task: the function until it has run, then its outcome.
// Owned jointly (std::shared_ptr) by the pool's queue, or a pending_task, and the handle.
//
// Completion is a one-shot event on state_, which holds kPending, kDone, or the address
// of the parker (parker.hpp) of the one thread waiting for it:
//   * the outcome (outcome_, error_, the value) is written first, by run() or cancel();
//   * publish() swaps in kDone (acq_rel) and, if it took a parker's address out, unparks
//     that waiter — exactly once per task;
//   * a waiter CASes kPending -> its parker and parks; on timeout it CASes its parker back
//     to kPending, and if that fails publish() has taken it and an unpark is on its way,
//     so it parks again (the parker's contract) before returning.
// A reader of the outcome has seen kDone (acquire) or was unparked after the swap, so the
// outcome happens-before its read. No mutex or condition variable per task.
class task_base {
 public:
  enum class outcome : std::uint8_t { succeeded, failed, cancelled };

  explicit task_base(weft::context ctx) noexcept : ctx_(std::move(ctx)) {}
  task_base(const task_base&) = delete;
  task_base& operator=(const task_base&) = delete;
  virtual ~task_base() = default;

  // Runs the task on the calling thread — unless its context is done, then it is
  // cancelled without running — and records the outcome without publishing it. Never
  // throws: the task's exception is kept for the handle.
  outcome run() noexcept {
    try {
      if (is_done(ctx_)) {
        drop_function();
        outcome_ = outcome::cancelled;
      } else {
        invoke();  // stores the value
        outcome_ = outcome::succeeded;
      }
    } catch (...) {
      error_ = std::current_exception();
      outcome_ = outcome::failed;
    }
    return outcome_;
  }

  // Makes the recorded outcome visible to the handle and wakes its waiter. Once per task.
  void publish() noexcept {
    const std::uintptr_t prev = state_.exchange(kDone, std::memory_order_acq_rel);
    if (prev != kPending) {
      reinterpret_cast<parker*>(prev)->unpark();
    }
  }

  // run(), then on_done(outcome) — the pool counts the task there, so its stats never
  // lag behind what a handle shows — then publish().
  template <class OnDone>
  outcome execute(OnDone&& on_done) noexcept {
    const outcome o = run();
    on_done(o);
    publish();
    return o;
  }
  outcome execute() noexcept {
    return execute([](outcome) noexcept {});
  }

  // Completes as cancelled without running. For a task that has not run or been
  // published (dropped from a queue, refused, or never started).
  void cancel() noexcept {
    drop_function();
    outcome_ = outcome::cancelled;
    publish();
  }

  bool ready() const { return state_.load(std::memory_order_acquire) == kDone; }

  void wait() const { (void)wait_until_impl(nullptr); }
  bool wait_until(weft::clock::time_point deadline) const { return wait_until_impl(&deadline); }

  std::uint64_t id() const noexcept { return id_; }
  const weft::context& ctx() const noexcept { return ctx_; }
  // Set by the pool when it accepts the task, before the handle is returned.
  void set_id(std::uint64_t id) noexcept { id_ = id; }

 protected:
  // Calls the function and stores its result; lets the task's exception through.
  virtual void invoke() = 0;
  virtual void drop_function() noexcept = 0;

  // The outcome, once ready(): rethrows the task's exception, throws task_cancelled.
  // Call once. The exception_ptr is moved out, so the exception object is owned by the
  // handle's thread alone from here on: when the worker later drops the last reference to
  // this state it must not be the one to free the exception, because that free happens in
  // libsupc++, whose reference count ThreadSanitizer cannot see, and would be reported as
  // racing with the catcher's reads of the exception.
  void rethrow_unless_value() {
    switch (outcome_) {
      case outcome::failed:
        std::rethrow_exception(std::exchange(error_, nullptr));
      case outcome::cancelled:
        throw task_cancelled();
      case outcome::succeeded:
        return;
    }
  }

 private:
  static constexpr std::uintptr_t kPending = 0;
  static constexpr std::uintptr_t kDone = 1;

  // True once published; false when the deadline passed first.
  bool wait_until_impl(const weft::clock::time_point* deadline) const {
    if (ready()) {
      return true;
    }
    parker p;
    const auto mine = reinterpret_cast<std::uintptr_t>(&p);
    std::uintptr_t seen = kPending;
    if (!state_.compare_exchange_strong(seen, mine, std::memory_order_acq_rel,
                                        std::memory_order_acquire)) {
      if (seen == kDone) {
        return true;
      }
      return poll_until(deadline);  // another thread waits on this handle (misuse)
    }
    {
      // The wait may be abandoned (a stress round unwinding): withdraw the parker, or
      // wait for the unpark publish() has already started.
      on_unwind withdraw([&] {
        std::uintptr_t expected = mine;
        if (!state_.compare_exchange_strong(expected, kPending, std::memory_order_acq_rel,
                                            std::memory_order_acquire)) {
          p.park(nullptr);
        }
      });
      if (p.park(deadline)) {
        return true;
      }
    }
    seen = mine;
    if (state_.compare_exchange_strong(seen, kPending, std::memory_order_acq_rel,
                                       std::memory_order_acquire)) {
      return false;  // timed out and withdrawn
    }
    p.park(nullptr);  // publish() took the parker: its unpark is on the way
    return true;
  }

  // Concurrent waits on one handle break its contract; stay correct, if slow.
  bool poll_until(const weft::clock::time_point* deadline) const {
    while (!ready()) {
      if (deadline != nullptr && weft::clock::now() >= *deadline) {
        return false;
      }
      weft::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    return true;
  }

  friend class retired_chain;
  std::shared_ptr<task_base> next_retired_;  // see retired_chain

  const weft::context ctx_;
  std::uint64_t id_ = 0;
  mutable weft::atomic<std::uintptr_t> state_{kPending};
  outcome outcome_ = outcome::succeeded;  // written before publish()
  std::exception_ptr error_;              // with outcome::failed
};

// References to finished tasks, linked through the tasks themselves (no allocation).
// A pool's workers hand the tasks they ran to the next submitter this way, so that a task
// whose handle is gone is freed on the thread that allocated it: glibc's per-thread cache
// then serves the next submit, where a free on the worker would take the allocating
// arena's lock and leave the submitter's cache empty (2x the cost per empty task).
// Destroying a chain drops its references one by one, without recursion.
class retired_chain {
 public:
  retired_chain() = default;
  retired_chain(retired_chain&& other) noexcept
      : head_(std::move(other.head_)), size_(std::exchange(other.size_, 0)) {}
  retired_chain& operator=(retired_chain&& other) noexcept {
    if (this != &other) {
      clear();
      head_ = std::move(other.head_);
      size_ = std::exchange(other.size_, 0);
    }
    return *this;
  }
  retired_chain(const retired_chain&) = delete;
  retired_chain& operator=(const retired_chain&) = delete;
  ~retired_chain() { clear(); }

  void push(std::shared_ptr<task_base> t) noexcept {
    t->next_retired_ = std::move(head_);
    head_ = std::move(t);
    ++size_;
  }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

  void clear() noexcept {
    while (head_ != nullptr) {
      head_ = std::exchange(head_->next_retired_, nullptr);
    }
    size_ = 0;
  }

 private:
  std::shared_ptr<task_base> head_;
  std::size_t size_ = 0;
};

// The state of a task returning R: where the value goes.
template <class R>
class task_state : public task_base {
 public:
  using task_base::task_base;

  // The outcome, once ready(); moves the value out (call once).
  R take() {
    rethrow_unless_value();
    if constexpr (!std::is_void_v<R>) {
      return std::move(*value_);
    }
  }

 protected:
  template <class F>
  void store(F& f) {
    if constexpr (std::is_void_v<R>) {
      f();
    } else {
      value_.emplace(f());
    }
  }

 private:
  struct nothing {};
  std::conditional_t<std::is_void_v<R>, nothing, std::optional<R>> value_;
};

// What a task function returns: f(ctx) when f takes a context, else f().
template <class F>
struct task_traits {
  static constexpr bool takes_context = std::is_invocable_v<F&, const weft::context&>;
  static_assert(takes_context || std::is_invocable_v<F&>,
                "a weft task is callable as f() or f(const weft::context&)");
  using result =
      typename std::conditional_t<takes_context, std::invoke_result<F&, const weft::context&>,
                                  std::invoke_result<F&>>::type;
};

template <class F>
using task_result_t = typename task_traits<std::decay_t<F>>::result;

template <class R, class F>
class task_impl final : public task_state<R> {
 public:
  task_impl(weft::context ctx, F fn) : task_state<R>(std::move(ctx)), fn_(std::move(fn)) {}

 private:
  void invoke() override {
    auto call = [this]() -> R {
      if constexpr (task_traits<F>::takes_context) {
        return (*fn_)(this->ctx());
      } else {
        return (*fn_)();
      }
    };
    this->store(call);
    fn_.reset();  // release what the task captured as soon as it has run
  }
  void drop_function() noexcept override { fn_.reset(); }

  std::optional<F> fn_;
};

template <class F>
std::shared_ptr<task_state<task_result_t<F>>> make_task(weft::context ctx, F&& f) {
  using Fn = std::decay_t<F>;
  return std::make_shared<task_impl<task_result_t<F>, Fn>>(std::move(ctx), Fn(std::forward<F>(f)));
}

}  // namespace detail

template <class T>
class task_handle {
 public:
  // A handle without a task (valid() is false).
  task_handle() = default;

  bool valid() const noexcept { return st_ != nullptr; }

  // Waits for the task, then returns its value, rethrows its exception, or throws
  // weft::task_cancelled. Consumes the handle. Throws std::future_error (no_state) on an
  // invalid handle.
  T get() {
    const std::shared_ptr<detail::task_state<T>> st = state();
    st_.reset();
    st->wait();
    return st->take();
  }

  // Whether the task has completed (any outcome).
  bool ready() const { return state()->ready(); }

  void wait() const { state()->wait(); }

  template <class Rep, class Period>
  std::future_status wait_for(const std::chrono::duration<Rep, Period>& d) const {
    return status(state()->wait_until(detail::deadline_after(d)));
  }
  template <class Clock, class Duration>
  std::future_status wait_until(const std::chrono::time_point<Clock, Duration>& tp) const {
    return status(state()->wait_until(detail::to_deadline(tp)));
  }

  // The pool's sequence number of the task (0 if it was never accepted).
  std::uint64_t id() const { return state()->id(); }

 private:
  friend class worker_pool;
  explicit task_handle(std::shared_ptr<detail::task_state<T>> st) noexcept : st_(std::move(st)) {}

  static std::future_status status(bool ready) noexcept {
    return ready ? std::future_status::ready : std::future_status::timeout;
  }
  const std::shared_ptr<detail::task_state<T>>& state() const {
    if (st_ == nullptr) {
      throw std::future_error(std::future_errc::no_state);
    }
    return st_;
  }

  std::shared_ptr<detail::task_state<T>> st_;
};

// A task that shutdown_now() took out of a pool's queue before it started. Run it on the
// calling thread with operator() (its handle then gets the outcome); destroying it
// unrun completes its handle as cancelled. Move-only.
class pending_task {
 public:
  pending_task() = default;
  pending_task(pending_task&&) noexcept = default;
  pending_task& operator=(pending_task&& other) noexcept {
    if (this != &other) {
      reset();
      t_ = std::move(other.t_);
    }
    return *this;
  }
  pending_task(const pending_task&) = delete;
  pending_task& operator=(const pending_task&) = delete;
  ~pending_task() { reset(); }

  // Runs the task now (once; later calls do nothing). Never throws: the outcome goes to
  // the task's handle.
  void operator()() noexcept {
    if (auto t = std::move(t_)) {
      (void)t->execute();
    }
  }

  explicit operator bool() const noexcept { return t_ != nullptr; }
  // The pool's sequence number of the task (task_handle::id()).
  std::uint64_t id() const noexcept { return t_ != nullptr ? t_->id() : 0; }

 private:
  friend class worker_pool;
  explicit pending_task(std::shared_ptr<detail::task_base> t) noexcept : t_(std::move(t)) {}
  void reset() noexcept {
    if (auto t = std::move(t_)) {
      t->cancel();
    }
  }

  std::shared_ptr<detail::task_base> t_;
};

}  // namespace weft
