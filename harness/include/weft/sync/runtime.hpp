// weft/sync/runtime.hpp — the hook interface between the sync facade and its backends.
//
// Every facade operation (weft::atomic, weft::mutex, ...) first reads one thread-local
// pointer. When it is null — ordinary code — the plain std:: operation runs and nothing
// else happens. When a backend is active on the calling OS thread, the operation is
// handed to it:
//
//   * the model backend (weft::model::check) runs logical threads as fibers and makes
//     every operation a scheduling point; it implements blocking operations itself;
//   * the stress backend (weft::stress) runs real threads and injects delays around the
//     real std:: operation.
//
// Backends derive from `runtime`. The interface is deliberately small: non-blocking
// operations are bracketed by before()/after() and the facade performs the std::
// operation in between; blocking operations are delegated whole because a model backend
// must never block the OS thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include "weft/sync/source_loc.hpp"

namespace weft {

// weft::clock — the facade's steady clock. It reads std::chrono::steady_clock, except
// under the model backend, where it is virtual: it starts at zero in every execution
// and jumps to the next deadline when every logical thread is blocked.
struct clock {
  using rep = std::int64_t;
  using period = std::nano;
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<clock, duration>;
  static constexpr bool is_steady = true;
  static time_point now();  // defined in weft/sync/clock.hpp
};

}  // namespace weft

namespace weft::detail {

// Per-object handle a backend uses to find its state for a facade object without a hash
// lookup. `epoch` names the backend session (e.g. one model execution) that assigned
// `index`; a slot from another epoch is stale and is re-registered on first use. Facade
// objects reset it on construction, so a new object at a reused address is a new object.
struct object_slot {
  std::uint32_t epoch = 0;
  std::uint32_t index = 0;
};

// What a non-blocking operation does, as far as scheduling and race detection care.
enum class op_kind : std::uint8_t {
  atomic_load,
  atomic_store,
  atomic_rmw,  // exchange, fetch_*, successful compare_exchange
  atomic_cas,  // compare_exchange: after() says whether it wrote
  atomic_notify,
  var_read,
  var_write,
  fence,
};

struct op_desc {
  op_kind kind;
  object_slot* slot;        // null for fences
  const void* object;       // address of the facade object, for traces and names
  std::memory_order order;  // success order for CAS
  std::memory_order failure_order;
  source_loc loc;
};

// The callable a weft::thread runs (move-only, so std::function will not do).
class thread_body {
 public:
  virtual ~thread_body() = default;
  virtual void run() = 0;
};

// State of a weft::thread as the backend that spawned it sees it.
struct thread_state {
  std::thread native;             // real thread (plain and stress modes)
  std::uint32_t id = 0;           // logical thread id (model mode), 0 = none
  std::uint32_t epoch = 0;        // model execution that owns `id`
  std::shared_ptr<void> backend;  // backend's bookkeeping (stress: completion signal)
};

using time_point = weft::clock::time_point;

class runtime {
 public:
  runtime() = default;
  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;
  virtual ~runtime() = default;

  // Non-blocking operations. before() may switch to another logical thread; after()
  // reports what happened: for compare_exchange whether it wrote, and the value read or
  // written (as 64 bits where it fits, for traces and spin detection).
  virtual void before(const op_desc& op) = 0;
  virtual void after(const op_desc& op, bool wrote, std::uint64_t value) = 0;

  // weft::mutex
  virtual void mutex_lock(object_slot& m, std::mutex& native, source_loc loc) = 0;
  virtual bool mutex_try_lock(object_slot& m, std::mutex& native, source_loc loc) = 0;
  virtual void mutex_unlock(object_slot& m, std::mutex& native, source_loc loc) = 0;

  // weft::shared_mutex; `shared` selects lock_shared/try_lock_shared/unlock_shared.
  virtual void shared_mutex_lock(object_slot& m, std::shared_mutex& native, bool shared,
                                 source_loc loc) = 0;
  virtual bool shared_mutex_try_lock(object_slot& m, std::shared_mutex& native, bool shared,
                                     source_loc loc) = 0;
  virtual void shared_mutex_unlock(object_slot& m, std::shared_mutex& native, bool shared,
                                   source_loc loc) = 0;

  // weft::condition_variable. `lock` is held on entry and on return. A null deadline
  // waits without a timeout. Returns cv_status::timeout only if the deadline passed.
  virtual std::cv_status cv_wait(object_slot& cv, std::condition_variable& native, object_slot& m,
                                 std::mutex& native_m, const time_point* deadline,
                                 source_loc loc) = 0;
  virtual void cv_notify(object_slot& cv, std::condition_variable& native, bool all,
                         source_loc loc) = 0;

  // weft::thread
  virtual void thread_spawn(thread_state& t, std::unique_ptr<thread_body> body, source_loc loc) = 0;
  virtual void thread_join(thread_state& t, source_loc loc) = 0;
  virtual void thread_detach(thread_state& t, source_loc loc) = 0;
  // Called by ~weft::thread while still joinable (std::thread would terminate).
  virtual void thread_abandoned(thread_state& t, source_loc loc) = 0;
  virtual std::uint64_t thread_id() = 0;

  // weft::this_thread and weft::clock
  virtual void yield(source_loc loc) = 0;
  virtual void sleep_until(time_point deadline, source_loc loc) = 0;
  virtual time_point now() = 0;

  // weft::model::choose
  virtual std::size_t choose(std::size_t n, source_loc loc) = 0;

  // A failed WEFT_ASSERT (or a test framework's failure) in the calling thread. A backend
  // that handles it records it and throws to unwind the calling thread; `fatal` says the
  // caller cannot continue (a failed assertion), as opposed to a failed expectation.
  // If it returns for a fatal failure, the caller aborts the process.
  virtual void report_failure(const char* message, source_loc loc, bool fatal) = 0;
};

// The backend active on this OS thread, or null. constinit keeps the access a plain
// thread-local load, without a TLS init wrapper; the initial-exec model keeps it one in
// -fPIC code too (a GOT load and a %fs-relative load instead of a call to
// __tls_get_addr, which cost 2-2.5 ns per facade operation in a shared library:
// docs/benchmarks.md, section 1). The price: a shared library holding it must not be
// dlopen()ed after start-up when the static TLS block has no room left for 8 bytes
// (glibc reserves room for this).
constinit inline thread_local runtime* tls_runtime [[gnu::tls_model("initial-exec")]] = nullptr;

[[gnu::always_inline]] inline runtime* active_runtime() noexcept {
  return tls_runtime;
}

// Installs `rt` on the calling OS thread for the lifetime of the guard.
class runtime_scope {
 public:
  explicit runtime_scope(runtime* rt) noexcept : saved_(tls_runtime) { tls_runtime = rt; }
  runtime_scope(const runtime_scope&) = delete;
  runtime_scope& operator=(const runtime_scope&) = delete;
  ~runtime_scope() { tls_runtime = saved_; }

 private:
  runtime* saved_;
};

}  // namespace weft::detail
