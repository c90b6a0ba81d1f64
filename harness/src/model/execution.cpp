#include "model/execution.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <typeinfo>

namespace weft::model::detail {

namespace {

using weft::detail::object_slot;
using weft::detail::op_desc;
using weft::detail::op_kind;

constinit thread_local execution* tls_execution = nullptr;
std::atomic<std::uint32_t> next_epoch{1};

// After a failure the execution winds down for at most this many more steps.
constexpr std::uint64_t wind_down_steps = 20000;
// Short traces show this many of the last steps.
constexpr std::size_t short_trace_steps = 40;
// Pending-operation keys of threads that have not started: unique, so independent.
constexpr std::uint32_t start_key_base = 0x80000000u;

bool is_acquire(std::memory_order mo) {
  return mo == std::memory_order_acquire || mo == std::memory_order_acq_rel ||
         mo == std::memory_order_seq_cst || mo == std::memory_order_consume;
}
bool is_release(std::memory_order mo) {
  return mo == std::memory_order_release || mo == std::memory_order_acq_rel ||
         mo == std::memory_order_seq_cst;
}

const char* op_name(op_kind k) {
  static constexpr const char* names[] = {"atomic.load", "atomic.store",  "atomic.rmw",
                                          "atomic.cas",  "atomic.notify", "var.read",
                                          "var.write",   "fence"};
  return names[static_cast<std::size_t>(k)];
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

}  // namespace

execution::execution(stack_pool& stacks, const execution_limits& limits)
    : stacks_(stacks), limits_(limits) {}

execution::~execution() {
  // Every record, not only the last execution's threads(): records of threads that only
  // earlier executions started keep their stacks too.
  for (const auto& t : threads_) {
    if (t->has_stack) stacks_.release(t->stk);
  }
}

execution* execution::current() noexcept {
  return tls_execution;
}

void execution::set_name(const void* object, std::string name) {
  names_[object] = std::move(name);
}

// ---------------------------------------------------------------------------------------
// Running an execution

execution_result execution::run(const std::function<void()>& body, strategy& strat, bool tracing) {
  tracing_ = tracing;
  epoch_ = next_epoch.fetch_add(1, std::memory_order_relaxed);
  if (epoch_ == 0) epoch_ = next_epoch.fetch_add(1, std::memory_order_relaxed);
  strategy_ = &strat;
  wants_ops_ = strat.wants_pending_ops();
  thread_count_ = 0;
  live_.clear();
  object_count_ = 0;
  if (!names_.empty()) names_.clear();  // clear() zeroes every bucket even when empty
  trace_.clear();
  steps_ = 0;
  write_epoch_ = 0;
  now_ = 0;
  spurious_used_ = 0;
  winding_down_ = false;
  pruned_ = false;
  failure_ = failure::none;
  failure_message_.clear();
  sched_.decisions.clear();
  sched_.steps = 0;
  sched_.hash = 0;

  thread_rec& main = add_thread();
  main.main_body = &body;
  main.clock.set(0, 1);
  main.pending = op_key{start_key_base, true};
  main.fib.prepare(main.stk, &execution::fiber_main, &main);
  strategy_->thread_created(0);
  current_ = 0;

  {
    weft::detail::runtime_scope scope(this);
    execution* saved = tls_execution;
    tls_execution = this;
    threads_[0]->fib.switch_from(os_fiber_);
    tls_execution = saved;
  }

  for (const auto& t : threads()) {
    // A finished thread's record keeps its stack for the next execution. One stuck in a
    // wound-down execution was never resumed, never unwound: its stack may still hold the
    // only references to some objects, so it is kept out of use for good.
    if (t->state == run_state::finished) continue;
    stacks_.quarantine(t->stk);
    t->has_stack = false;
  }
  strategy_->end_execution(steps_);

  execution_result result;
  result.kind = failure_;
  result.message = failure_message_;
  result.steps = steps_;
  result.pruned = pruned_;
  // Steps and hash are what a replay is checked against; the decisions only matter for a
  // failure (its token and its traced re-run), so a passing execution does not copy them.
  result.sched.steps = steps_;
  result.sched.hash = sched_.hash;
  if (failure_ != failure::none) {
    result.sched.decisions = sched_.decisions;
    result.trace = format_trace();
  }
  return result;
}

execution::thread_rec& execution::add_thread() {
  const std::uint32_t id = thread_count_;
  if (id == threads_.size()) {
    threads_.push_back(std::make_unique<thread_rec>());
    candidates_.resize(threads_.size());
    candidate_ops_.resize(threads_.size());
  } else {
    threads_[id]->reset();
  }
  thread_rec& t = *threads_[id];
  t.id = id;
  if (!t.has_stack) {
    t.stk = stacks_.acquire();
    t.has_stack = true;
  }
  live_.push_back(&t);
  ++thread_count_;
  return t;
}

void execution::fiber_main(fiber* /*self*/, void* arg) {
  auto* t = static_cast<thread_rec*>(arg);
  t->started = true;
  execution* ex = tls_execution;
  ex->run_thread(*t);
}

void execution::run_thread(thread_rec& t) {
  try {
    if (t.main_body != nullptr) {
      (*t.main_body)();
    } else {
      t.body->run();
      t.body.reset();  // captured state dies on this thread, as with std::thread
    }
  } catch (const execution_aborted&) {
  } catch (...) {
    fail(failure::uncaught_exception, thread_name(t.id) + " ended with an uncaught exception: " +
                                          exception_text(std::current_exception()));
  }
  try {
    t.body.reset();
  } catch (...) {
    fail(failure::uncaught_exception, thread_name(t.id) + ": destroying its callable threw " +
                                          exception_text(std::current_exception()));
  }
  finish_thread(t);
}

void execution::finish_thread(thread_rec& t) {
  t.state = run_state::finished;
  live_.erase(std::find(live_.begin(), live_.end(), &t));
  if (!winding_down_) {
    wrote_shared_state();
    record("thread.exit", trace_event::no_object, t.pending_loc);
    if (t.id == 0) {
      // The body returned: every thread it started must have been joined or detached.
      for (const auto& other : threads()) {
        if (other->id != 0 && other->state != run_state::finished && !other->detached &&
            !other->joined) {
          fail(failure::leaked_thread,
               thread_name(other->id) + " (started at " + short_location(other->spawn_loc) +
                   ") was neither joined nor detached when the test body returned");
          break;
        }
      }
    }
  }
  // No live thread left: the execution is over (nothing to pick, no time to advance).
  const std::uint32_t next = live_.empty() ? no_thread : pick_next();
  if (next == no_thread) os_fiber_.exit_from(t.fib);
  current_ = next;
  threads_[next]->fib.exit_from(t.fib);
}

// ---------------------------------------------------------------------------------------
// Scheduling

[[gnu::always_inline]] inline bool execution::is_enabled(const thread_rec& t) const {
  switch (t.state) {
    case run_state::runnable:
      return true;
    case run_state::finished:
      return false;
    case run_state::waiting:
      break;
  }
  const auto free = [&](std::uint32_t m) { return objects_[m].owner < 0; };
  switch (t.waiting) {
    case wait_kind::none:
      return true;
    case wait_kind::mutex:
      return free(t.wait_object);
    case wait_kind::shared_excl:
      return free(t.wait_object) && objects_[t.wait_object].readers == 0;
    case wait_kind::shared_shared:
      return free(t.wait_object);
    case wait_kind::cv:
      return (t.notified || t.timed_out) && free(t.cv_mutex);
    case wait_kind::join:
      return threads_[t.wait_object]->state == run_state::finished;
    case wait_kind::sleep:
      return t.timed_out;
  }
  return false;
}

bool execution::advance_time() {
  bool found = false;
  std::int64_t earliest = 0;
  for (const auto& t : threads()) {
    if (t->state == run_state::waiting && t->has_deadline && !t->timed_out && !t->notified) {
      if (!found || t->deadline < earliest) earliest = t->deadline;
      found = true;
    }
  }
  if (!found) return false;
  now_ = std::max(now_, earliest);
  for (const auto& t : threads()) {
    if (t->state == run_state::waiting && t->has_deadline && !t->notified && t->deadline <= now_) {
      t->timed_out = true;
    }
  }
  return true;
}

// The scheduling hot path: collect the enabled threads and, when there is a choice, ask
// the strategy. Whatever is rare (no candidate, time to advance, spinners only, winding
// down, the strategy pruning or diverging) is out of line, so the common path stays a
// short loop without exception handling.
std::uint32_t execution::pick_next() {
  // candidates_ (and candidate_ops_) hold a slot per thread (sized at spawn), so filling
  // them is a plain store per enabled thread.
  std::uint32_t* const out = candidates_.data();
  for (;;) {
    std::size_t n = 0;
    bool any_deprioritised = false;
    bool current_runs = false;
    for (const thread_rec* t : live_) {
      if (t->state != run_state::runnable && !is_enabled(*t)) continue;
      if (is_deprioritised(*t)) {
        any_deprioritised = true;
        continue;
      }
      if (wants_ops_) candidate_ops_[n] = t->pending;
      out[n++] = t->id;
      current_runs |= t->id == current_;
    }
    if (n == 0) {
      // Spinners wait for something to change; a pending deadline is that change.
      if (advance_time()) continue;
      if (!any_deprioritised || (n = collect_spinners(current_runs)) == 0) return no_candidate();
    }
    candidate_count_ = n;
    std::uint32_t chosen = out[0];
    if (n > 1) chosen = choose_thread(current_runs);
    if (!winding_down_) sched_.hash = sched_.hash * 16777619u ^ (chosen + 1);
    return chosen;
  }
}

// Only deprioritised threads can run, and no deadline is pending: they run after all.
// Returns how many there are.
std::size_t execution::collect_spinners(bool& current_runs) {
  std::size_t n = 0;
  for (const thread_rec* t : live_) {
    if (is_enabled(*t)) {
      if (wants_ops_) candidate_ops_[n] = t->pending;
      candidates_[n++] = t->id;
      current_runs |= t->id == current_;
    }
  }
  return n;
}

// Nothing can run: the execution is over, or deadlocked.
std::uint32_t execution::no_candidate() {
  if (!live_.empty() && !winding_down_) fail(failure::deadlock, deadlock_message());
  return no_thread;
}

std::uint32_t execution::choose_thread(bool current_runs) {
  // Winding down: no more exploring; keep the running thread if it can run, else the first.
  if (winding_down_) return current_runs ? current_ : candidates_[0];
  const std::span<const std::uint32_t> candidates(candidates_.data(), candidate_count_);
  const std::span<const op_key> ops(candidate_ops_.data(), wants_ops_ ? candidate_count_ : 0);
  const thread_choice choice{candidates, ops, current_runs ? static_cast<int>(current_) : -1,
                             steps_};
  try {
    const std::uint32_t chosen = candidates_[strategy_->pick_thread(choice)];
    sched_.decisions.push_back(chosen);
    return chosen;
  } catch (const prune_execution&) {
    pruned_ = true;
    fail(failure::none, "");
  } catch (const replay_diverged& e) {
    fail(failure::nondeterminism, nondeterminism_message(e.what));
  }
  return current_runs ? current_ : candidates_[0];
}

void execution::schedule(const char* what, op_key key, source_loc loc) {
  thread_rec& t = cur();
  t.pending = key;
  t.pending_what = what;
  t.pending_loc = loc;
  count_step();
  // The only live thread, about to run a non-blocking step: nothing to scan or decide
  // (single-threaded phases — before the first spawn, after the last join — are common).
  if (live_.size() == 1 && t.state == run_state::runnable) {
    if (!winding_down_) sched_.hash = sched_.hash * 16777619u ^ (current_ + 1);
    return;
  }
  const std::uint32_t next = pick_next();
  if (next == no_thread) give_up();  // nothing can run: this thread is stuck for good
  switch_to(next);
}

void execution::step_bound_reached() {
  if (!winding_down_ && steps_ > limits_.max_steps) {
    fail(failure::livelock, livelock_message());
  }
  if (winding_down_ && ++wind_down_steps_ > wind_down_steps) {
    give_up();  // still running long after the failure: leave every thread where it is
  }
}

void execution::fail(failure kind, std::string message) {
  if (winding_down_) return;  // the first failure is the one reported
  winding_down_ = true;
  wind_down_steps_ = 0;
  if (kind != failure::none) {
    failure_ = kind;
    failure_message_ = std::move(message);
  }
}

void execution::give_up() {
  // Ends the execution now: control returns to check(); unfinished threads stay
  // suspended where they are (their stacks are quarantined by run()).
  winding_down_ = true;
  os_fiber_.switch_from(cur().fib);
  __builtin_unreachable();  // a given-up thread is never resumed
}

// Operations reached through std:: wrappers (lock_guard, unique_lock) or facade operators
// carry a location inside a header. Reports show the thread's last location in user code
// instead, marked approximate; it is worked out from the trace, only when reporting.
bool execution::is_user_file(const char* file) {
  if (file == nullptr) return false;
  const std::string_view f(file);
  return !f.empty() && f.find("/include/c++/") == std::string_view::npos &&
         f.find("/weft/sync/") == std::string_view::npos;
}

source_loc execution::user_location(std::uint32_t thread, std::size_t trace_end, source_loc loc,
                                    bool& approximate) const {
  approximate = false;
  if (is_user_file(loc.file)) return loc;
  for (std::size_t i = std::min(trace_end, trace_.size()); i-- > 0;) {
    const trace_event& e = trace_[i];
    if (e.thread == thread && is_user_file(e.loc.file)) {
      approximate = true;
      return e.loc;
    }
  }
  return loc;
}

std::size_t execution::decide(std::size_t n, value_kind kind) {
  if (n <= 1 || winding_down_) return 0;
  std::size_t v = 0;
  try {
    v = strategy_->pick_value(n, kind);
  } catch (const prune_execution&) {
    pruned_ = true;
    fail(failure::none, "");
    return 0;
  } catch (const replay_diverged& e) {
    fail(failure::nondeterminism, nondeterminism_message(e.what));
    return 0;
  }
  sched_.decisions.push_back(static_cast<std::uint32_t>(v));
  return v;
}

// ---------------------------------------------------------------------------------------
// Objects

std::uint32_t execution::register_object(object_slot& slot, const void* address, obj_kind kind) {
  const auto index = static_cast<std::uint32_t>(object_count_++);
  if (index >= objects_.size()) objects_.emplace_back();
  object_rec& o = objects_[index];
  o.kind = kind;
  o.address = address;
  o.version = 0;
  o.owner = -1;
  o.readers = 0;
  o.clock.clear();
  o.has_write = false;
  o.reads.clear();
  slot.epoch = epoch_;
  slot.index = index;
  return index;
}

void execution::check_race(object_rec& o, std::uint32_t index, bool write, source_loc loc) {
  thread_rec& t = cur();
  auto unordered = [&](const access& a) {
    return a.thread != t.id && a.clock > t.clock.get(a.thread);
  };
  const access* other = nullptr;
  bool other_wrote = false;
  if (o.has_write && unordered(o.last_write)) {
    other = &o.last_write;
    other_wrote = true;
  } else if (write) {
    for (const access& r : o.reads) {
      if (unordered(r)) {
        other = &r;
        break;
      }
    }
  }
  if (other != nullptr) {
    bool approximate = false;
    const source_loc mine_loc = user_location(t.id, trace_.size(), loc, approximate);
    const source_loc other_loc =
        user_location(other->thread, other->trace_index, other->loc, approximate);
    std::ostringstream msg;
    msg << "data race on " << describe_object(index) << ": " << thread_name(other->thread)
        << (other_wrote ? " writes" : " reads") << " it at " << short_location(other_loc)
        << " (step " << other->step << ") and " << thread_name(t.id)
        << (write ? " writes" : " reads") << " it at " << short_location(mine_loc) << " (step "
        << steps_ << "), with no happens-before between them";
    fail(failure::data_race, msg.str());
    return;
  }
  const access mine{t.id, t.clock.get(t.id), steps_, trace_.size(), loc};
  if (write) {
    o.last_write = mine;
    o.has_write = true;
    o.reads.clear();
  } else {
    for (access& r : o.reads) {
      if (r.thread == t.id) {
        r = mine;
        return;
      }
    }
    o.reads.push_back(mine);
  }
}

void execution::acquire_mutex(thread_rec& t, object_rec& m) {
  m.owner = static_cast<int>(t.id);
  t.clock.join(m.clock);
}

void execution::release_to(object_rec& m, thread_rec& t) {
  m.owner = -1;
  m.clock = t.clock;
  t.clock.tick(t.id);
  wrote_shared_state();
}

// ---------------------------------------------------------------------------------------
// Atomics, vars, fences

void execution::before(const op_desc& op) {
  op_key key;
  if (op.slot != nullptr) {
    const bool is_var = op.kind == op_kind::var_read || op.kind == op_kind::var_write;
    key.object = resolve(*op.slot, op.object, is_var ? obj_kind::var : obj_kind::atomic);
    if (is_var && !limits_.var_scheduling_points) {
      // Not a scheduling point, but a step: a thread spinning on a var is a livelock (and
      // its report names the var access as where the thread was last).
      thread_rec& t = cur();
      t.pending_what = op_name(op.kind);
      t.pending_loc = op.loc;
      count_step();
      return;
    }
    key.read_only = op.kind == op_kind::atomic_load || op.kind == op_kind::var_read;
  }
  schedule(op_name(op.kind), key, op.loc);
}

void execution::after(const op_desc& op, bool wrote, std::uint64_t value) {
  if (op.kind >= op_kind::atomic_notify) {
    after_non_atomic(op);
    return;
  }
  thread_rec& t = cur();
  const std::uint32_t index = op.slot->index;
  object_rec& o = objects_[index];
  // An atomic access. Loads (and failed compare-exchanges) read the release-sequence
  // clock; writes start (store) or extend (read-modify-write) it.
  const bool writes = op.kind == op_kind::atomic_store || op.kind == op_kind::atomic_rmw ||
                      (op.kind == op_kind::atomic_cas && wrote);
  const std::memory_order read_order =
      op.kind == op_kind::atomic_cas && !wrote ? op.failure_order : op.order;
  if (op.kind != op_kind::atomic_store) {
    if (is_acquire(read_order)) {
      t.clock.join(o.clock);
    } else {
      t.pending_acquire.join(o.clock);
    }
  }
  if (writes) {
    ++o.version;
    wrote_shared_state();
    if (op.kind == op_kind::atomic_store) {
      // A store starts a new release sequence; a relaxed one carries only what a
      // preceding release fence published.
      o.clock = is_release(op.order) ? t.clock : t.fence_release;
    } else {
      o.clock.join(is_release(op.order) ? t.clock : t.fence_release);
    }
    if (is_release(op.order)) t.clock.tick(t.id);
    t.last_load_object = trace_event::no_object;
  } else {
    // Spin detection: the same load, from the same line, of a value nobody has written
    // since this thread last read it, is an iteration of a wait loop.
    if (t.last_load_object == index && t.last_load_version == o.version &&
        t.last_load_loc.line == op.loc.line && t.last_load_loc.file == op.loc.file) {
      t.spin_epoch = write_epoch_ + 1;
    }
    t.last_load_object = index;
    t.last_load_version = o.version;
    t.last_load_loc = op.loc;
  }
  if (tracing_) {
    const char* what = op.kind == op_kind::atomic_cas ? (wrote ? "atomic.cas" : "atomic.cas-fail")
                                                      : op_name(op.kind);
    record(what, index, op.loc, true, value);
  }
}

// Fences, plain variables and notify_*: off the atomic hot path.
void execution::after_non_atomic(const op_desc& op) {
  thread_rec& t = cur();
  if (op.kind == op_kind::fence) {
    if (is_acquire(op.order)) t.clock.join(t.pending_acquire);
    if (is_release(op.order)) {
      t.fence_release = t.clock;
      t.clock.tick(t.id);
    }
    record("fence", trace_event::no_object, op.loc);
    return;
  }
  const std::uint32_t index = op.slot->index;
  record(op_name(op.kind), index, op.loc);
  if (op.kind == op_kind::atomic_notify) return;
  const bool write = op.kind == op_kind::var_write;
  object_rec& o = objects_[index];
  check_race(o, index, write, op.loc);
  if (write) {
    ++o.version;
    wrote_shared_state();
  }
}

// ---------------------------------------------------------------------------------------
// Mutexes

void execution::mutex_lock(object_slot& m, std::mutex& native, source_loc loc) {
  thread_rec& t = cur();
  const std::uint32_t index = resolve(m, &native, obj_kind::mutex);
  if (objects_[index].owner == static_cast<int>(t.id)) {
    fail(failure::deadlock, thread_name(t.id) + " locks " + describe_object(index) + " at " +
                                short_location(loc) +
                                ", which it already holds (weft::mutex is not recursive)");
    give_up();
  }
  t.state = run_state::waiting;
  t.waiting = wait_kind::mutex;
  t.wait_object = index;
  schedule("mutex.lock", op_key{index, false}, loc);  // returns once the mutex is free
  t.state = run_state::runnable;
  t.waiting = wait_kind::none;
  acquire_mutex(t, objects_[index]);
  record("mutex.lock", index, loc);
}

bool execution::mutex_try_lock(object_slot& m, std::mutex& native, source_loc loc) {
  thread_rec& t = cur();
  const std::uint32_t index = resolve(m, &native, obj_kind::mutex);
  schedule("mutex.try_lock", op_key{index, false}, loc);
  object_rec& o = objects_[index];
  const bool ok = o.owner < 0;
  if (ok) acquire_mutex(t, o);
  record("mutex.try_lock", index, loc, true, ok ? 1 : 0);
  return ok;
}

void execution::mutex_unlock(object_slot& m, std::mutex& native, source_loc loc) {
  thread_rec& t = cur();
  const std::uint32_t index = resolve(m, &native, obj_kind::mutex);
  object_rec& o = objects_[index];
  if (o.owner != static_cast<int>(t.id)) {
    // Not a scheduling point and never throws: unlock runs in destructors.
    fail(failure::assertion, thread_name(t.id) + " unlocks " + describe_object(index) + " at " +
                                 short_location(loc) + " without holding it");
    return;
  }
  release_to(o, t);
  record("mutex.unlock", index, loc);
}

void execution::shared_mutex_lock(object_slot& m, std::shared_mutex& native, bool shared,
                                  source_loc loc) {
  thread_rec& t = cur();
  const std::uint32_t index = resolve(m, &native, obj_kind::shared_mutex);
  if (objects_[index].owner == static_cast<int>(t.id)) {
    fail(failure::deadlock, thread_name(t.id) + " locks " + describe_object(index) + " at " +
                                short_location(loc) + ", which it already holds exclusively");
    give_up();
  }
  t.state = run_state::waiting;
  t.waiting = shared ? wait_kind::shared_shared : wait_kind::shared_excl;
  t.wait_object = index;
  schedule(shared ? "shared_mutex.lock_shared" : "shared_mutex.lock", op_key{index, false}, loc);
  t.state = run_state::runnable;
  t.waiting = wait_kind::none;
  object_rec& o = objects_[index];
  if (shared) {
    ++o.readers;
    t.clock.join(o.clock);
  } else {
    acquire_mutex(t, o);
  }
  record(shared ? "shared_mutex.lock_shared" : "shared_mutex.lock", index, loc);
}

bool execution::shared_mutex_try_lock(object_slot& m, std::shared_mutex& native, bool shared,
                                      source_loc loc) {
  thread_rec& t = cur();
  const std::uint32_t index = resolve(m, &native, obj_kind::shared_mutex);
  schedule("shared_mutex.try_lock", op_key{index, false}, loc);
  object_rec& o = objects_[index];
  const bool ok = o.owner < 0 && (shared || o.readers == 0);
  if (ok) {
    if (shared) {
      ++o.readers;
      t.clock.join(o.clock);
    } else {
      acquire_mutex(t, o);
    }
  }
  record("shared_mutex.try_lock", index, loc, true, ok ? 1 : 0);
  return ok;
}

void execution::shared_mutex_unlock(object_slot& m, std::shared_mutex& native, bool shared,
                                    source_loc loc) {
  thread_rec& t = cur();
  const std::uint32_t index = resolve(m, &native, obj_kind::shared_mutex);
  object_rec& o = objects_[index];
  const bool holds = shared ? o.readers > 0 : o.owner == static_cast<int>(t.id);
  if (!holds) {
    fail(failure::assertion, thread_name(t.id) + " unlocks " + describe_object(index) + " at " +
                                 short_location(loc) + " without holding it");
    return;
  }
  if (shared) {
    --o.readers;
    // Readers publish to the next writer; joining keeps every reader's history.
    o.clock.join(t.clock);
    t.clock.tick(t.id);
    wrote_shared_state();
  } else {
    release_to(o, t);
  }
  record(shared ? "shared_mutex.unlock_shared" : "shared_mutex.unlock", index, loc);
}

// ---------------------------------------------------------------------------------------
// Condition variables

std::cv_status execution::cv_wait(object_slot& cv, std::condition_variable& native, object_slot& m,
                                  std::mutex& native_m, const weft::detail::time_point* deadline,
                                  source_loc loc) {
  thread_rec& t = cur();
  const std::uint32_t mi = resolve(m, &native_m, obj_kind::mutex);
  const std::uint32_t ci = resolve(cv, &native, obj_kind::condvar);
  if (objects_[mi].owner != static_cast<int>(t.id)) {
    fail(failure::assertion, thread_name(t.id) + " waits on " + describe_object(ci) + " at " +
                                 short_location(loc) + " without holding " + describe_object(mi));
    give_up();
  }
  schedule("cv.wait", op_key{ci, false}, loc);
  // Releasing the mutex and starting to wait are one atomic step.
  release_to(objects_[mi], t);
  bool spurious = false;
  if (limits_.spurious_wakeups && spurious_used_ < limits_.max_spurious) {
    spurious = decide(2, value_kind::spurious) == 1;
    if (spurious) ++spurious_used_;
  }
  t.state = run_state::waiting;
  t.waiting = wait_kind::cv;
  t.wait_object = ci;
  t.cv_mutex = mi;
  t.notified = spurious;
  t.timed_out = false;
  t.has_deadline = deadline != nullptr;
  if (deadline != nullptr) {
    t.deadline = deadline->time_since_epoch().count();
    if (t.deadline <= now_) t.timed_out = true;
  }
  record(spurious ? "cv.wait (spurious wake-up)" : "cv.wait", ci, loc);
  // Returns once notified (or timed out) and the mutex is free again.
  schedule("cv.wake", op_key{mi, false}, loc);
  const bool timed_out = !t.notified && t.timed_out;
  t.state = run_state::runnable;
  t.waiting = wait_kind::none;
  t.notified = t.timed_out = t.has_deadline = false;
  acquire_mutex(t, objects_[mi]);
  record(timed_out ? "cv.wake (timeout)" : "cv.wake", ci, loc);
  return timed_out ? std::cv_status::timeout : std::cv_status::no_timeout;
}

void execution::cv_notify(object_slot& cv, std::condition_variable& native, bool all,
                          source_loc loc) {
  const std::uint32_t ci = resolve(cv, &native, obj_kind::condvar);
  schedule(all ? "cv.notify_all" : "cv.notify_one", op_key{ci, false}, loc);
  waiters_.clear();
  for (const auto& t : threads()) {
    if (t->state == run_state::waiting && t->waiting == wait_kind::cv && t->wait_object == ci &&
        !t->notified && !t->timed_out) {
      waiters_.push_back(t.get());
    }
  }
  std::size_t woken = 0;
  if (all) {
    for (thread_rec* w : waiters_) {
      w->notified = true;
    }
    woken = waiters_.size();
  } else if (!waiters_.empty()) {
    // Which waiter notify_one wakes is unspecified; every choice is explored.
    waiters_[decide(waiters_.size(), value_kind::waiter)]->notified = true;
    woken = 1;
  }
  wrote_shared_state();
  record(all ? "cv.notify_all" : "cv.notify_one", ci, loc, true, woken);
}

// ---------------------------------------------------------------------------------------
// Threads, time, choices

void execution::thread_spawn(weft::detail::thread_state& state,
                             std::unique_ptr<weft::detail::thread_body> body, source_loc loc) {
  // Starting a thread touches nothing another thread can see (the new thread is not
  // runnable before this step), so the step commutes with everything else.
  schedule("thread.spawn", op_key{start_key_base - 1 - current_, false}, loc);
  thread_rec& parent = cur();
  thread_rec& rec = add_thread();
  const std::uint32_t id = rec.id;
  rec.body = std::move(body);
  rec.clock = parent.clock;
  rec.clock.set(id, 1);
  rec.spawn_loc = loc;
  rec.pending = op_key{start_key_base + id, true};
  rec.pending_loc = loc;
  rec.fib.prepare(rec.stk, &execution::fiber_main, &rec);
  parent.clock.tick(parent.id);
  strategy_->thread_created(id);
  state.id = id;
  state.epoch = epoch_;
  wrote_shared_state();
  record("thread.spawn", trace_event::no_object, loc, true, id);
}

void execution::thread_join(weft::detail::thread_state& state, source_loc loc) {
  thread_rec& t = cur();
  if (state.epoch != epoch_ || state.id >= thread_count_) {
    throw std::logic_error("weft::thread::join: the thread belongs to another model execution");
  }
  if (state.id == t.id) {
    throw std::system_error(std::make_error_code(std::errc::resource_deadlock_would_occur),
                            "weft::thread::join: a thread cannot join itself");
  }
  thread_rec& target = *threads_[state.id];
  t.state = run_state::waiting;
  t.waiting = wait_kind::join;
  t.wait_object = state.id;
  // Conflicts only with the target's start; the join waits for the target's end anyway.
  schedule("thread.join", op_key{start_key_base + state.id, false}, loc);
  t.state = run_state::runnable;
  t.waiting = wait_kind::none;
  target.joined = true;
  t.clock.join(target.clock);
  record("thread.join", trace_event::no_object, loc, true, state.id);
}

void execution::thread_detach(weft::detail::thread_state& state, source_loc loc) {
  if (state.epoch != epoch_ || state.id >= thread_count_) {
    throw std::logic_error("weft::thread::detach: the thread belongs to another model execution");
  }
  threads_[state.id]->detached = true;
  record("thread.detach", trace_event::no_object, loc, true, state.id);
}

void execution::thread_abandoned(weft::detail::thread_state& state, source_loc /*loc*/) {
  if (state.epoch != epoch_ || state.id >= thread_count_) return;
  thread_rec& t = *threads_[state.id];
  // It can no longer be joined; treat it as detached so the end-of-body check does not
  // report it a second time.
  t.detached = true;
  fail(failure::leaked_thread, thread_name(t.id) + " (started at " + short_location(t.spawn_loc) +
                                   ") was destroyed while joinable: neither joined nor detached");
}

std::uint64_t execution::thread_id() {
  return current_;
}

void execution::yield(source_loc loc) {
  thread_rec& t = cur();
  t.spin_epoch = write_epoch_ + 1;
  schedule("yield", op_key{start_key_base - 1 - t.id, true}, loc);
  record("yield", trace_event::no_object, loc);
}

void execution::sleep_until(weft::detail::time_point deadline, source_loc loc) {
  thread_rec& t = cur();
  const std::int64_t when = deadline.time_since_epoch().count();
  if (when > now_) {
    t.state = run_state::waiting;
    t.waiting = wait_kind::sleep;
    t.has_deadline = true;
    t.deadline = when;
    t.timed_out = false;
  }
  schedule("sleep", op_key{start_key_base - 1 - t.id, true}, loc);
  t.state = run_state::runnable;
  t.waiting = wait_kind::none;
  t.has_deadline = t.timed_out = false;
  record("sleep", trace_event::no_object, loc, true, static_cast<std::uint64_t>(now_));
}

weft::detail::time_point execution::now() {
  return weft::detail::time_point(std::chrono::nanoseconds(now_));
}

std::size_t execution::choose(std::size_t n, source_loc loc) {
  const std::size_t v = decide(n, value_kind::choose);
  record("choose", trace_event::no_object, loc, true, v);
  return v;
}

void execution::report_failure(const char* message, source_loc loc, bool fatal) {
  std::string text = thread_name(current_) + ": ";
  text += fatal ? "WEFT_ASSERT(" + std::string(message) + ") failed" : std::string(message);
  if (loc.line != 0) text += " at " + short_location(loc);
  record(fatal ? "assert failed" : "check failed", trace_event::no_object, loc);
  fail(failure::assertion, std::move(text));
  if (!fatal) return;
  // A failed assertion ends the execution where it stands. Unwinding the failing thread
  // would destroy state that other threads may still use by reference (a child borrowing
  // its parent's locals), so nothing is unwound: every thread stays suspended on a
  // quarantined stack.
  give_up();
}

// ---------------------------------------------------------------------------------------
// Reports

std::string execution::describe_object(std::uint32_t index) const {
  if (index >= object_count_) return "?";
  const object_rec& o = objects_[index];
  static constexpr const char* kinds[] = {"atomic", "var", "mutex", "shared_mutex", "condvar"};
  std::string out = kinds[static_cast<int>(o.kind)];
  out += '#' + std::to_string(index);
  if (auto it = names_.find(o.address); it != names_.end()) out += " '" + it->second + "'";
  return out;
}

std::string execution::describe_wait(const thread_rec& t) {
  std::string out = thread_name(t.id);
  switch (t.waiting) {
    case wait_kind::mutex:
    case wait_kind::shared_excl:
    case wait_kind::shared_shared: {
      const object_rec& o = objects_[t.wait_object];
      out += " waits to lock " + describe_object(t.wait_object);
      if (o.owner >= 0) {
        out += ", held by " + thread_name(static_cast<std::uint32_t>(o.owner));
      } else if (o.readers > 0) {
        out += ", held shared by " + std::to_string(o.readers) + " reader(s)";
      }
      break;
    }
    case wait_kind::cv:
      out += " waits on " + describe_object(t.wait_object) + " (no notify will come)";
      break;
    case wait_kind::join:
      out += " waits to join " + thread_name(t.wait_object);
      break;
    case wait_kind::sleep:
      out += " sleeps";
      break;
    case wait_kind::none:
      out += " is runnable";
      break;
  }
  if (t.pending_loc.line != 0) {
    bool approximate = false;
    const source_loc where = user_location(t.id, trace_.size(), t.pending_loc, approximate);
    out += (approximate ? ", near " : ", at ") + short_location(where);
  }
  return out;
}

std::string execution::deadlock_message() {
  std::string out = "deadlock: no thread can run and no timer is pending";
  for (const auto& t : threads()) {
    if (t->state == run_state::finished) continue;
    out += "\n    " + describe_wait(*t);
  }
  return out;
}

std::string execution::livelock_message() const {
  std::string out = "livelock: the execution exceeded max_steps (" +
                    std::to_string(limits_.max_steps) + ") steps (facade operations)";
  for (const auto& t : threads()) {
    if (t->state == run_state::finished) continue;
    out += "\n    " + thread_name(t->id) + " last at " + t->pending_what + ", " +
           short_location(t->pending_loc);
  }
  return out;
}

std::string execution::nondeterminism_message(const std::string& what) const {
  return "nondeterministic test: " + what +
         ". The body must depend only on weft-controlled operations (facade, "
         "weft::model::choose); a replay token only fits the program that produced it, run "
         "with the same schedule_var_accesses and spurious_wakeups options";
}

std::string execution::format_trace() const {
  std::vector<trace_row> rows;
  std::size_t first = 0;
  if (!limits_.full_trace && trace_.size() > short_trace_steps) {
    first = trace_.size() - short_trace_steps;
  }
  // Last user-code location of each thread, carried forward through the whole trace.
  std::vector<source_loc> last_user(thread_count_);
  for (std::size_t i = 0; i < trace_.size(); ++i) {
    const trace_event& e = trace_[i];
    const bool user = is_user_file(e.loc.file);
    if (user) last_user[e.thread] = e.loc;
    if (i < first) continue;
    trace_row r;
    r.step = std::to_string(e.step);
    r.thread = thread_name(e.thread);
    r.operation = e.operation;
    if (e.object != trace_event::no_object) r.object = describe_object(e.object);
    if (e.has_value) r.value = std::to_string(e.value);
    if (user || last_user[e.thread].line == 0) {
      r.location = short_location(e.loc);
    } else {
      r.location = "~" + short_location(last_user[e.thread]);
    }
    rows.push_back(std::move(r));
  }
  std::string out;
  if (first > 0) {
    out += "  (" + std::to_string(first) +
           " earlier events omitted; set options.full_trace or WEFT_TRACE=full)\n";
  }
  return out + format_table(rows);
}

}  // namespace weft::model::detail
