// weft/errors.hpp — the exception types and error codes of weft's primitives.
//
// Misuse of a primitive is an error the caller can see, never undefined behaviour
// (ARCHITECTURE.md, "Error contract"). Blocking and state-changing operations throw one
// of the types below; the try_ forms return a documented status instead. Every type
// derives from weft::error, so `catch (const weft::error&)` catches them all.
//
//   try {
//     ch.send(42);
//   } catch (const weft::channel_closed& e) {
//     // the channel was closed before (or while) the value could be delivered;
//     // the value was not accepted and is not in the channel
//   }
//
// Context errors are reported as std::error_code values (ctx.err()), not thrown:
//
//   if (ctx.err() == weft::context_errc::deadline_exceeded) { ... }
//
// Thread-safety: the types are ordinary exception objects; context_category() returns
// a reference to one immutable object and may be called from any thread.
#pragma once

#include <stdexcept>
#include <string>
#include <system_error>
#include <type_traits>

namespace weft {

// Base of every exception a weft primitive throws. Derives from std::runtime_error:
// most of the conditions (a channel closed by another thread, a pool shut down
// concurrently) are races the caller cannot rule out locally.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A channel operation met a closed channel where Go would panic:
//   * send (any blocking, timed or context-aware form) on a closed channel,
//   * a sender that was blocked when the channel got closed (its value is not accepted),
//   * a select send case chosen on a closed channel,
//   * close() of a channel that is already closed.
// Receiving from a closed channel is not an error: it drains, then reports "closed".
class channel_closed : public error {
 public:
  channel_closed();
  explicit channel_closed(const std::string& what);
};

// close() on a nil channel handle (default-constructed with nullptr, or moved-from).
// Go panics on close(nil); the other operations on a nil channel block forever, as in Go.
class nil_channel : public error {
 public:
  nil_channel();
};

// ---- pools, semaphores, rate limiters ----

// Why a worker_pool refused a task (task_rejected::reason()).
enum class reject_reason {
  queue_full,  // overflow policy `reject` and the queue was at capacity
  shut_down,   // shutdown() or shutdown_now() had been called (any policy)
};

// worker_pool::submit did not accept the task: the queue was full under the `reject`
// policy, or the pool is shut down. The task was not queued and will never run.
// (try_submit reports the same conditions by returning std::nullopt instead.)
class task_rejected : public error {
 public:
  explicit task_rejected(reject_reason reason);
  reject_reason reason() const noexcept { return reason_; }

 private:
  reject_reason reason_;
};

// task_handle::get() of a task that will never run: its context was done before it
// started, it was dropped by the `drop_oldest` policy, or shutdown_now() took it out of
// the queue and the returned task was destroyed without being run.
class task_cancelled : public error {
 public:
  task_cancelled();
};

// resource_pool::acquire (every form, try_acquire included) on a closed pool, or an
// acquirer that was waiting when close() was called.
class pool_closed : public error {
 public:
  pool_closed();
};

// Misuse of a weighted_semaphore: release(n) of more permits than are held, a negative
// n, or acquire(n) of more than the semaphore's size (which could never succeed, so it
// fails at once instead of blocking forever). Nothing was acquired or released.
class semaphore_misuse : public error {
 public:
  explicit semaphore_misuse(const std::string& what);
};

// rate_limiter::wait(n) with n greater than the burst at a finite rate — the bucket can
// never hold n tokens — or any rate_limiter operation with a negative n. Nothing was
// taken. (allow() and reserve() report too-large requests without throwing.)
class burst_exceeded : public error {
 public:
  burst_exceeded();
};

// ---- singleflight, caches ----

// A call of weft::singleflight::run (any form) — or a wait on a weft::flight — for a key
// whose flight is led by the calling thread itself: typically `fn` calling run() on its
// own key, directly or through a cache's loader. Waiting would never end (the leader
// would wait for itself), so the call fails at once. Nothing was run or joined.
class singleflight_recursion : public error {
 public:
  explicit singleflight_recursion(const std::string& what);
};

// Invalid options of a weft::cache (a maximum size of zero, a shard count that is not a
// power of two, a negative expiry or refresh interval): thrown by the constructor.
class cache_misuse : public error {
 public:
  explicit cache_misuse(const std::string& what);
};

// Why a context is done (weft::context::err()). A default (zero) std::error_code means
// "not done"; the codes compare equal to these enumerators:
//   ctx.err() == weft::context_errc::cancelled
enum class context_errc {
  cancelled = 1,          // cancelled by its cancel function, a parent, or a stop_token
  deadline_exceeded = 2,  // its deadline (or an ancestor's) passed
};

// The category of context_errc ("weft.context").
const std::error_category& context_category() noexcept;

inline std::error_code make_error_code(context_errc e) noexcept {
  return {static_cast<int>(e), context_category()};
}

}  // namespace weft

template <>
struct std::is_error_code_enum<weft::context_errc> : std::true_type {};
