// weft/context.hpp — Go contexts: cancellation and deadlines that flow down a tree of
// operations.
//
//   auto [ctx, cancel] = weft::with_timeout(weft::background(), 2s);
//   weft::thread worker([ctx = ctx, jobs] {
//     while (auto job = jobs.recv(ctx)) handle(*job);   // stops when ctx is done
//   });
//   ...
//   cancel();                 // or let the 2 s pass
//   worker.join();
//   if (ctx.err() == weft::context_errc::deadline_exceeded) { ... }
//
// A context is done once it is cancelled — by its cancel function, by a parent, or by
// a stop_token (with_stop_token) — or once its deadline passes. Then:
//   * err() is context_errc::cancelled or context_errc::deadline_exceeded (before: an
//     empty std::error_code); it never changes again;
//   * its done() channel is closed, waking wait(), weft::done(ctx) select cases, and
//     channel operations that were given ctx (they return channel_status::cancelled);
//   * every descendant is done with the same reason (or deadline_exceeded if its own
//     deadline had passed); ancestors are unaffected;
//   * its after_cancel callbacks run, and its stop_token() is stop-requested.
// A child's deadline is the earlier of its own and its parent's.
//
// Ownership: context is a shared handle (copies are the same context). A context keeps
// its ancestors alive; a parent does not keep its children alive — a child that is
// destroyed, or cancelled, unlinks itself. background() is the never-done root and
// costs nothing.
//
// Timers: deadlines run on weft::clock (virtual in model mode) and are checked lazily by
// whoever looks — err(), wait_*(), weft::done cases and context-aware channel operations
// compute the deadline themselves, so they need no timer. Only the things that must
// happen at the deadline without anybody looking — the raw done() channel, after_cancel
// callbacks, stop_token() — start one helper weft::thread for that context, which exits
// when the context is done and is joined when the context is destroyed. No process-wide
// thread exists, so model executions leak no threads.
//
// Thread-safety: every member may be called concurrently from any thread.
// Error contract: nothing here throws except std::bad_alloc and std::system_error from
// starting a timer thread. after_cancel callbacks must not throw (std::terminate).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stop_token>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

#include "weft/channel.hpp"
#include "weft/detail/context_view.hpp"
#include "weft/detail/deadline.hpp"
#include "weft/errors.hpp"
#include "weft/sync.hpp"

namespace weft {

class after_cancel_handle;

namespace detail {

// A registered after_cancel callback. State moves registered -> running -> finished, or
// registered -> stopped; registered -> {running, stopped} happens under the owning
// context's mutex, running -> finished under `m` (which stop() waits on).
class ctx_callback {
 public:
  static constexpr int kRegistered = 0;
  static constexpr int kRunning = 1;
  static constexpr int kFinished = 2;
  static constexpr int kStopped = 3;

  ctx_callback() = default;
  ctx_callback(const ctx_callback&) = delete;
  ctx_callback& operator=(const ctx_callback&) = delete;
  virtual ~ctx_callback() = default;

  // Runs the callback on the calling thread and marks it finished.
  void run() noexcept;
  // Registered -> stopped without a context (background): true if it got there.
  bool stop_unowned();
  // Waits until a running callback has finished, unless the caller is running it.
  void wait_finished();

  weft::atomic<int> state{kRegistered};
  std::uint64_t runner = 0;  // weft::this_thread::get_id() of the thread that runs it

 private:
  virtual void invoke() noexcept = 0;
  weft::mutex m_;
  weft::condition_variable cv_;
};

template <class F>
class ctx_callback_fn final : public ctx_callback {
 public:
  explicit ctx_callback_fn(F f) : f_(std::move(f)) {}

 private:
  void invoke() noexcept override { f_(); }
  F f_;
};

struct ctx_access;
after_cancel_handle register_callback(const std::shared_ptr<ctx_node>& node,
                                      std::shared_ptr<ctx_callback> cb);

}  // namespace detail

// Returned by context::after_cancel; like the `stop` function of Go's AfterFunc.
class after_cancel_handle {
 public:
  after_cancel_handle() = default;

  // Unregisters the callback. True if that prevented it from running; false if it has
  // already run, is running, or was stopped before. When it is running on another
  // thread, waits for it to return first (like ~std::stop_callback), so afterwards the
  // callback is certainly not running — unless stop() is called from the callback.
  bool stop();

 private:
  friend after_cancel_handle detail::register_callback(const std::shared_ptr<detail::ctx_node>&,
                                                       std::shared_ptr<detail::ctx_callback>);
  after_cancel_handle(std::shared_ptr<detail::ctx_node> node,
                      std::shared_ptr<detail::ctx_callback> cb) noexcept
      : node_(std::move(node)), cb_(std::move(cb)) {}

  std::shared_ptr<detail::ctx_node> node_;
  std::shared_ptr<detail::ctx_callback> cb_;
};

class context {
 public:
  // background(): never done, no deadline.
  context() noexcept = default;

  // Empty while the context is live; context_errc::cancelled or
  // context_errc::deadline_exceeded once it is done.
  std::error_code err() const;

  // A channel that is closed when the context is done (never, for background()):
  // receiving from it blocks until then. Usable in weft::select via weft::recv; prefer
  // weft::done(ctx), which also needs no timer thread for a deadline.
  receiver<std::monostate> done() const;

  // Blocks until the context is done (forever for background()).
  void wait() const { (void)wait_until_deadline(detail::kNoDeadline); }
  // Blocks until the context is done (true) or the timeout passes (false).
  template <class Rep, class Period>
  bool wait_for(const std::chrono::duration<Rep, Period>& d) const {
    return wait_until_deadline(detail::deadline_after(d));
  }
  template <class Clock, class Duration>
  bool wait_until(const std::chrono::time_point<Clock, Duration>& tp) const {
    return wait_until_deadline(detail::to_deadline(tp));
  }

  // The effective deadline, if any (the earliest of its own and its ancestors').
  std::optional<weft::clock::time_point> deadline() const;

  // Arranges for f() to run once, when the context is done: on the thread that cancels
  // it (or the timer thread at the deadline), after every lock is released; at once on
  // the calling thread if the context is already done. Order among callbacks is
  // unspecified. f must not throw. Like Go's context.AfterFunc, except that f runs on
  // the cancelling thread rather than a new one — keep it short.
  template <class F>
  after_cancel_handle after_cancel(F&& f) const {
    using Fn = std::decay_t<F>;
    static_assert(std::is_invocable_v<Fn&>, "after_cancel: f() must be callable");
    return detail::register_callback(
        node_, std::make_shared<detail::ctx_callback_fn<Fn>>(std::forward<F>(f)));
  }

  // A std::stop_token that is stop-requested when the context is done (for APIs that
  // take std::stop_token, e.g. std::jthread, std::condition_variable_any). background()
  // gives a token that can never be stopped. std::stop_token is not part of the sync
  // facade: model mode does not see it.
  std::stop_token stop_token() const;

  friend bool operator==(const context& a, const context& b) noexcept { return a.node_ == b.node_; }

 private:
  friend struct detail::ctx_access;
  explicit context(std::shared_ptr<detail::ctx_node> node) noexcept : node_(std::move(node)) {}
  bool wait_until_deadline(detail::time_point deadline) const;

  std::shared_ptr<detail::ctx_node> node_;
};

// Cancels its context (with context_errc::cancelled) and releases its resources: the
// context unlinks from its parent and stops its timer. Idempotent; copies cancel the
// same context. Calling it when the work is done is good practice, as in Go.
class cancel_func {
 public:
  cancel_func() = default;
  void operator()() const;

 private:
  friend struct detail::ctx_access;
  explicit cancel_func(std::shared_ptr<detail::ctx_node> node) noexcept : node_(std::move(node)) {}
  std::shared_ptr<detail::ctx_node> node_;
};

// The root context: never done, no deadline.
inline context background() noexcept {
  return context();
}

// A child of `parent` that is also done when the returned cancel_func is called.
[[nodiscard]] std::pair<context, cancel_func> with_cancel(const context& parent);

// A child that is also done (deadline_exceeded) once `deadline` passes.
[[nodiscard]] std::pair<context, cancel_func> with_deadline(const context& parent,
                                                            weft::clock::time_point deadline);
template <class Clock, class Duration>
[[nodiscard]] std::pair<context, cancel_func> with_deadline(
    const context& parent, const std::chrono::time_point<Clock, Duration>& deadline) {
  return with_deadline(parent, detail::to_deadline(deadline));
}

// with_deadline(parent, now + timeout).
template <class Rep, class Period>
[[nodiscard]] std::pair<context, cancel_func> with_timeout(
    const context& parent, const std::chrono::duration<Rep, Period>& timeout) {
  return with_deadline(parent, detail::deadline_after(timeout));
}

// A child that is also cancelled (context_errc::cancelled) when a stop is requested on
// `token` — at once if it already is.
[[nodiscard]] std::pair<context, cancel_func> with_stop_token(const context& parent,
                                                              std::stop_token token);

}  // namespace weft
