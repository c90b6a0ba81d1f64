#include "stress/stress_runtime.hpp"

#include <sys/prctl.h>

#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <thread>
#include <typeinfo>

#include "model/trace.hpp"

namespace weft::stress::detail {

namespace {

using weft::detail::object_slot;
using weft::detail::op_desc;

// Blocking operations wait at most this long before checking for abandonment.
constexpr auto poll_slice = std::chrono::milliseconds(10);
// Unwinding. When a round is abandoned (a thread failed it, or the watchdog saw a hang),
// the other threads are unwound by an `aborted` exception from a facade operation, so
// the round ends instead of waiting for the failed thread. An operation may run in a
// noexcept function or a destructor (a flight's completion, a channel's close, a
// context's timer join), where a throw terminates the process — so operations unwind
// only where a thread could otherwise not end:
//   * now: yield, sleep, choose, spawn, condition-variable waits — scheduling points and
//     waits for an event that may never come;
//   * if stuck: mutex locks and joins, which end by themselves once the other threads
//     unwind (releasing their locks, finishing) — they throw only after a grace period;
//   * atomics: after kSpinBudget operations since the thread first saw the abandonment
//     (a spinner), so the few in a noexcept completion path do not throw;
//   * never: weft::var accesses, try_lock, unlock, notify, detach — they cannot block.
constexpr auto stuck_grace = std::chrono::milliseconds(200);
constexpr std::uint32_t kSpinBudget = 1000;
// A thread held at a start gate whose creator never moves on goes after this long.
constexpr auto max_gate_wait = std::chrono::milliseconds(100);

// Completion signal of a stress thread, so join can wait in bounded slices.
struct completion {
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
};

struct local_state {
  stress_runtime* rt = nullptr;
  thread_info* info = nullptr;
  weft::model::detail::rng gen;
  std::shared_ptr<start_gate> children_gate;  // gate of threads this one just started
  std::uint64_t ops = 0;
  std::uint64_t delays = 0;
  std::uint32_t atomics_while_aborting = 0;  // see kSpinBudget
};

thread_local local_state tl;

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

std::string exception_text(std::exception_ptr e) {
  try {
    std::rethrow_exception(std::move(e));
  } catch (const std::exception& ex) {
    return std::string(typeid(ex).name()) + ": " + ex.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  std::uint64_t z = a ^ (b + 0x9E3779B97F4A7C15ULL + (a << 6) + (a >> 2));
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  return z ^ (z >> 27);
}

}  // namespace

stress_runtime::stress_runtime(const options& opts) : opts_(opts), seed_(opts.seed) {}

void stress_runtime::begin_round(std::uint64_t round) {
  round_ = round;
  aborting_.store(false, std::memory_order_release);
  std::lock_guard<std::mutex> g(mu_);
  threads_.remove_if([](const thread_info& t) { return !t.running.load(); });
  next_index_.store(1, std::memory_order_relaxed);
  if (tl.info != nullptr) tl.gen.reseed(mix(mix(seed_, round_), 0));
  tl.atomics_while_aborting = 0;
}

void stress_runtime::fail(failure kind, std::string message) {
  {
    std::lock_guard<std::mutex> g(mu_);
    if (failure_.load(std::memory_order_relaxed) != failure::none) return;
    message_ = std::move(message);
    failure_.store(kind, std::memory_order_release);
  }
  abort_round();  // the other threads would only wait for the failed one
}

std::string stress_runtime::failure_message() {
  std::lock_guard<std::mutex> g(mu_);
  return message_;
}

std::string stress_runtime::describe_threads() {
  std::lock_guard<std::mutex> g(mu_);
  std::string out;
  for (const thread_info& t : threads_) {
    if (!t.running.load()) continue;
    out += "\n    thread " + std::to_string(t.index) + " in " + t.op.load() + " at " +
           weft::model::detail::short_location(source_loc{t.file.load(), t.line.load()});
  }
  return out;
}

void stress_runtime::enter_thread(std::uint32_t index, const std::shared_ptr<start_gate>& gate) {
  thread_info* info = nullptr;
  {
    std::lock_guard<std::mutex> g(mu_);
    info = &threads_.emplace_back();
    info->index = index;
  }
  tl.rt = this;
  tl.info = info;
  tl.gen.reseed(mix(mix(seed_, round_), index));
  tl.children_gate.reset();
  tl.ops = tl.delays = 0;
  tl.atomics_while_aborting = 0;
  // Sleeps of a few microseconds need fine timer slack (the default is 50 us).
  ::prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  if (gate) {
    const auto until = std::chrono::steady_clock::now() + max_gate_wait;
    while (!gate->open.load(std::memory_order_acquire) && !aborting() &&
           std::chrono::steady_clock::now() < until) {
      std::this_thread::yield();
    }
  }
}

void stress_runtime::leave_thread() {
  ops_.fetch_add(tl.ops, std::memory_order_relaxed);
  delays_.fetch_add(tl.delays, std::memory_order_relaxed);
  if (tl.children_gate) tl.children_gate->open.store(true, std::memory_order_release);
  if (tl.info != nullptr) tl.info->running.store(false);
  tl = local_state{};
}

void stress_runtime::check_abort() {
  if (aborting() && std::uncaught_exceptions() == 0) throw aborted{};
}

void stress_runtime::check_abort_if_stuck(std::chrono::steady_clock::time_point& since) {
  if (!aborting()) return;
  const auto t = std::chrono::steady_clock::now();
  if (since == std::chrono::steady_clock::time_point{}) since = t;
  if (t - since >= stuck_grace) check_abort();
}

void stress_runtime::enter_op(const char* what, source_loc loc, unwind how) {
  ++tl.ops;
  if (tl.info != nullptr) {
    tl.info->op.store(what, std::memory_order_relaxed);
    tl.info->file.store(loc.file, std::memory_order_relaxed);
    tl.info->line.store(loc.line, std::memory_order_relaxed);
  }
  if (tl.children_gate) {
    tl.children_gate->open.store(true, std::memory_order_release);
    tl.children_gate.reset();
  }
  if (how == unwind::now) check_abort();
  inject();
}

void stress_runtime::inject() {
  if (!opts_.inject) return;
  const delay_profile& d = opts_.delays;
  if (tl.gen.unit() >= d.probability) return;
  ++tl.delays;
  const double total = d.yield_weight + d.spin_weight + d.sleep_weight;
  const double pick = tl.gen.unit() * total;
  if (pick < d.yield_weight) {
    std::this_thread::yield();
  } else if (pick < d.yield_weight + d.spin_weight) {
    const auto spin = std::chrono::nanoseconds(tl.gen.below(d.max_spin.count() + 1));
    const auto until = std::chrono::steady_clock::now() + spin;
    while (std::chrono::steady_clock::now() < until) {
      cpu_relax();
    }
  } else {
    std::this_thread::sleep_for(std::chrono::microseconds(tl.gen.below(d.max_sleep.count() + 1)));
  }
}

void stress_runtime::backoff(unsigned& attempt, std::chrono::steady_clock::time_point& since) {
  check_abort_if_stuck(since);
  ++attempt;
  if (attempt < 32) {
    cpu_relax();
  } else if (attempt < 128) {
    std::this_thread::yield();
  } else {
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
}

void stress_runtime::before(const op_desc& op) {
  ++tl.ops;
  if (tl.children_gate) {
    tl.children_gate->open.store(true, std::memory_order_release);
    tl.children_gate.reset();
  }
  // A weft::var access never unwinds an abandoned round: it cannot block, and code
  // often touches plain data in noexcept functions or between two steps that must both
  // happen. An atomic unwinds only a thread that spins (see kSpinBudget).
  if (op.kind != weft::detail::op_kind::var_read && op.kind != weft::detail::op_kind::var_write &&
      aborting() && ++tl.atomics_while_aborting > kSpinBudget) {
    check_abort();
  }
  inject();
}

void stress_runtime::after(const op_desc& /*op*/, bool /*wrote*/, std::uint64_t /*value*/) {
  inject();
}

void stress_runtime::mutex_lock(object_slot& /*m*/, std::mutex& native, source_loc loc) {
  enter_op("mutex.lock", loc, unwind::if_stuck);
  // Polling rather than blocking, so that a deadlocked round can be abandoned.
  unsigned attempt = 0;
  std::chrono::steady_clock::time_point stuck_since{};
  while (!native.try_lock()) {
    backoff(attempt, stuck_since);
  }
  inject();
}

bool stress_runtime::mutex_try_lock(object_slot& /*m*/, std::mutex& native, source_loc loc) {
  enter_op("mutex.try_lock", loc, unwind::never);
  const bool ok = native.try_lock();
  inject();
  return ok;
}

void stress_runtime::mutex_unlock(object_slot& /*m*/, std::mutex& native, source_loc loc) {
  ++tl.ops;
  if (tl.info != nullptr) tl.info->op.store("mutex.unlock", std::memory_order_relaxed);
  (void)loc;
  inject();
  native.unlock();  // never throws: unlock runs in destructors
  inject();
}

void stress_runtime::shared_mutex_lock(object_slot& /*m*/, std::shared_mutex& native, bool shared,
                                       source_loc loc) {
  enter_op(shared ? "shared_mutex.lock_shared" : "shared_mutex.lock", loc, unwind::if_stuck);
  unsigned attempt = 0;
  std::chrono::steady_clock::time_point stuck_since{};
  while (!(shared ? native.try_lock_shared() : native.try_lock())) {
    backoff(attempt, stuck_since);
  }
  inject();
}

bool stress_runtime::shared_mutex_try_lock(object_slot& /*m*/, std::shared_mutex& native,
                                           bool shared, source_loc loc) {
  enter_op("shared_mutex.try_lock", loc, unwind::never);
  const bool ok = shared ? native.try_lock_shared() : native.try_lock();
  inject();
  return ok;
}

void stress_runtime::shared_mutex_unlock(object_slot& /*m*/, std::shared_mutex& native, bool shared,
                                         source_loc /*loc*/) {
  ++tl.ops;
  inject();
  shared ? native.unlock_shared() : native.unlock();
  inject();
}

// Notifications of a condition variable so far, kept in its slot's `index` (the stress
// backend has no other use for the slot). A waiter polls in slices (so an abandoned round
// can unwind it), and a notify that races the end of a slice may be consumed by a
// wait_for() that still reports a timeout: the count tells the waiter it was notified.
static std::atomic_ref<std::uint32_t> notifications(object_slot& cv) {
  return std::atomic_ref<std::uint32_t>(cv.index);
}

std::cv_status stress_runtime::cv_wait(object_slot& cv, std::condition_variable& native,
                                       object_slot& /*m*/, std::mutex& native_m,
                                       const weft::detail::time_point* deadline, source_loc loc) {
  enter_op(deadline != nullptr ? "cv.wait_until" : "cv.wait", loc);
  std::unique_lock<std::mutex> lk(native_m, std::adopt_lock);
  std::cv_status status = std::cv_status::no_timeout;
  const std::uint32_t notified_before = notifications(cv).load();
  for (;;) {
    auto slice = std::chrono::duration_cast<std::chrono::nanoseconds>(poll_slice);
    if (deadline != nullptr) {
      const auto remaining = *deadline - now();
      if (remaining <= std::chrono::nanoseconds::zero()) {
        status = std::cv_status::timeout;
        break;
      }
      slice = std::min(slice, remaining);
    }
    // A slice that ends without a notify is not reported (it is not a wake-up); a
    // notify, or a spurious wake-up of the real condition variable, is: passing it on is
    // this wait's job, and the caller's own loop re-checks its predicate.
    // NOLINTNEXTLINE(bugprone-spuriously-wake-up-functions)
    if (native.wait_for(lk, slice) == std::cv_status::no_timeout) break;
    if (notifications(cv).load() != notified_before) break;  // a notify the slice swallowed
    if (aborting()) {
      lk.release();  // the caller's unique_lock<weft::mutex> unlocks while unwinding
      check_abort();
      return std::cv_status::no_timeout;
    }
  }
  lk.release();
  inject();
  return status;
}

void stress_runtime::cv_notify(object_slot& cv, std::condition_variable& native, bool all,
                               source_loc loc) {
  enter_op(all ? "cv.notify_all" : "cv.notify_one", loc, unwind::never);
  notifications(cv).fetch_add(1);
  all ? native.notify_all() : native.notify_one();
  inject();
}

void stress_runtime::thread_spawn(weft::detail::thread_state& state,
                                  std::unique_ptr<weft::detail::thread_body> body, source_loc loc) {
  ++tl.ops;
  if (tl.info != nullptr) tl.info->op.store("thread.spawn", std::memory_order_relaxed);
  (void)loc;
  check_abort();
  // Threads started back to back share one gate, opened by the creator's next operation.
  if (!tl.children_gate) tl.children_gate = std::make_shared<start_gate>();
  auto done = std::make_shared<completion>();
  const std::uint32_t index = next_index_.fetch_add(1, std::memory_order_relaxed);
  state.backend = done;
  state.native =
      std::thread([this, index, done, gate = tl.children_gate, b = std::move(body)]() mutable {
        weft::detail::runtime_scope scope(this);
        enter_thread(index, gate);
        gate.reset();  // only the start needed it
        try {
          b->run();
          b.reset();
        } catch (const aborted&) {
        } catch (...) {
          fail(failure::uncaught_exception, "thread " + std::to_string(index) +
                                                " ended with an uncaught exception: " +
                                                exception_text(std::current_exception()));
        }
        try {
          b.reset();
        } catch (...) {
        }
        leave_thread();
        std::lock_guard<std::mutex> g(done->m);
        done->done = true;
        done->cv.notify_all();
      });
}

void stress_runtime::thread_join(weft::detail::thread_state& state, source_loc loc) {
  enter_op("thread.join", loc, unwind::if_stuck);
  auto done = std::static_pointer_cast<completion>(state.backend);
  if (done) {
    std::unique_lock<std::mutex> lk(done->m);
    std::chrono::steady_clock::time_point stuck_since{};
    while (!done->done) {
      done->cv.wait_for(lk, poll_slice);
      if (aborting() && !done->done) {
        lk.unlock();
        // The joined thread unwinds too (and ~weft::thread collects it if this throws).
        check_abort_if_stuck(stuck_since);
        lk.lock();
      }
    }
  }
  state.native.join();
  state.backend.reset();
  inject();
}

void stress_runtime::thread_detach(weft::detail::thread_state& state, source_loc loc) {
  enter_op("thread.detach", loc, unwind::never);
  state.native.detach();
  state.backend.reset();
}

void stress_runtime::thread_abandoned(weft::detail::thread_state& state, source_loc /*loc*/) {
  if (!aborting()) {
    fail(failure::leaked_thread,
         "a weft::thread was destroyed while joinable (neither joined nor detached)");
  }
  // The round is abandoned now, so the thread unwinds at its next facade operation;
  // collect it so the process does not terminate.
  auto done = std::static_pointer_cast<completion>(state.backend);
  bool finished = true;
  if (done) {
    std::unique_lock<std::mutex> lk(done->m);
    finished = done->cv.wait_for(lk, std::chrono::seconds(5), [&] { return done->done; });
  }
  if (finished) {
    state.native.join();
  } else {
    state.native.detach();
  }
  state.backend.reset();
}

std::uint64_t stress_runtime::thread_id() {
  return tl.info != nullptr ? tl.info->index
                            : std::hash<std::thread::id>{}(std::this_thread::get_id());
}

void stress_runtime::yield(source_loc loc) {
  enter_op("yield", loc);
  std::this_thread::yield();
}

void stress_runtime::sleep_until(weft::detail::time_point deadline, source_loc loc) {
  enter_op("sleep", loc);
  for (;;) {
    const auto remaining = deadline - now();
    if (remaining <= std::chrono::nanoseconds::zero()) break;
    std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(remaining, poll_slice));
    check_abort();
  }
  inject();
}

weft::detail::time_point stress_runtime::now() {
  return weft::detail::time_point(std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::steady_clock::now().time_since_epoch()));
}

std::size_t stress_runtime::choose(std::size_t n, source_loc loc) {
  enter_op("choose", loc);
  return static_cast<std::size_t>(tl.gen.below(n));
}

void stress_runtime::report_failure(const char* message, source_loc loc, bool fatal) {
  const std::uint32_t index = tl.info != nullptr ? tl.info->index : 0;
  std::string text = "thread " + std::to_string(index) + ": ";
  text += fatal ? "WEFT_ASSERT(" + std::string(message) + ") failed" : std::string(message);
  if (loc.line != 0) text += " at " + weft::model::detail::short_location(loc);
  fail(failure::assertion, std::move(text));
  if (fatal && std::uncaught_exceptions() == 0) throw aborted{};
}

}  // namespace weft::stress::detail
