// worker_pool_misuse_fuzzer.cpp — weft::worker_pool's error contract: a sequential
// program of valid and invalid calls (inconsistent options, submit / try_submit after
// shutdown or shutdown_now, repeated shutdowns, empty and throwing tasks, a full queue
// under every overflow policy, done contexts, handles of cancelled tasks, handles used
// after get(), pending tasks run twice or dropped, timeouts at the edges of their types),
// checked against an exact model (misuse_util.hpp).
//
// One driver thread makes every call; the pool's workers are the only other threads.
// After each call the driver settles (sleeps on virtual time until the workers are idle
// or blocked), so the pool is in a state the model predicts exactly: tasks start in FIFO
// order while fewer than max_workers run; a "blocking" task runs until the driver opens
// its gate (or the pool's context is cancelled); every other task ends at once. Where a
// call would wait for ever (a blocked submit, get of a blocked task, shutdown with tasks
// at the gate, caller_runs of a blocking task), the driver opens the gate first, or uses
// a timed wait.
//
// Documented outcomes (worker_pool.hpp, task_handle.hpp, errors.hpp): the constructor
// and resize() throw std::invalid_argument for max_workers == 0, min_workers >
// max_workers or queue_capacity == 0, and change nothing; submit throws task_rejected
// (queue_full under `reject`, shut_down after a shutdown); try_submit returns nullopt
// instead; a submit with a done context returns a handle that reports task_cancelled
// (sequence number 0); caller_runs runs the task on the caller; drop_oldest cancels the
// oldest queued task; get() returns the value, rethrows the task's exception (an empty
// std::function: std::bad_function_call) or throws task_cancelled, and consumes the
// handle: later calls throw std::future_error (no_state); timed waits with a NaN timeout
// throw std::invalid_argument; shutdown() runs what is queued and may be repeated;
// shutdown_now() returns the queued tasks in order, with the handles' ids, and cancels
// context(); a pending task runs once, and cancels its handle if destroyed unrun; stats()
// counts exactly what happened.
#include <fuzzer/FuzzedDataProvider.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "misuse_util.hpp"
#include "target_util.hpp"
#include "weft/context.hpp"
#include "weft/errors.hpp"
#include "weft/fuzz.hpp"
#include "weft/sync.hpp"
#include "weft/task_handle.hpp"
#include "weft/worker_pool.hpp"

namespace {

using weft::fuzz::require;
using weft::fuzz_targets::any_duration;
constexpr std::size_t kMax = std::numeric_limits<std::size_t>::max();

enum class opk : std::uint8_t {
  submit,
  submit_ctx,
  try_submit,
  try_submit_ctx,
  cancel_ctx,
  open_gate,
  get,
  wait_for,
  ready,
  resize,
  shutdown,
  shutdown_now,
  run_pending,
  drop_pending,
  stats,
  count_
};
constexpr const char* kOpNames[] = {"submit",      "submit(ctx)",  "try_submit", "try_submit(ctx)",
                                    "cancel_ctx",  "open_gate",    "get",        "wait_for",
                                    "ready",       "resize",       "shutdown",   "shutdown_now",
                                    "run_pending", "drop_pending", "stats"};
enum class task_kind : std::uint8_t { value, throws, empty, blocking, count_ };
constexpr const char* kTaskNames[] = {"value", "throws", "empty", "blocking"};
constexpr const char* kPolicyNames[] = {"block", "reject", "caller_runs", "drop_oldest"};

struct op {
  opk kind;
  task_kind task;
  std::size_t which;  // handle / pending task index
  std::size_t a;      // resize: min
  std::size_t b;      // resize: max
  any_duration d;
};

std::size_t decode_size(FuzzedDataProvider& in) {
  return in.ConsumeIntegralInRange<int>(0, 5) == 0 ? kMax
                                                   : in.ConsumeIntegralInRange<std::size_t>(0, 3);
}

struct program {
  bool count_ctor = false;  // worker_pool(n)
  std::size_t min_workers = 1;
  std::size_t max_workers = 1;
  std::size_t capacity = 1;
  weft::overflow_policy policy = weft::overflow_policy::block;
  bool idle_timeout = false;  // 1 ms, else zero (never)
  std::vector<op> ops;

  std::string describe() const {
    std::ostringstream os;
    if (count_ctor) {
      os << "  worker_pool(" << max_workers << ")\n";
    } else {
      os << "  worker_pool(min " << min_workers << ", max " << max_workers << ", queue " << capacity
         << ", " << kPolicyNames[static_cast<int>(policy)]
         << (idle_timeout ? ", idle_timeout 1ms" : "") << ")\n";
    }
    os << "  ops:";
    for (const op& o : ops) {
      os << " " << kOpNames[static_cast<int>(o.kind)];
      switch (o.kind) {
        case opk::submit:
        case opk::submit_ctx:
        case opk::try_submit:
        case opk::try_submit_ctx:
          os << "[" << kTaskNames[static_cast<int>(o.task)] << "]";
          break;
        case opk::get:
        case opk::ready:
        case opk::run_pending:
        case opk::drop_pending:
          os << "(" << o.which << ")";
          break;
        case opk::wait_for:
          os << "(" << o.which << "," << o.d.describe() << ")";
          break;
        case opk::resize:
          os << "(" << o.a << "," << o.b << ")";
          break;
        default:
          break;
      }
    }
    os << "\n";
    return os.str();
  }
};

program decode(FuzzedDataProvider& in) {
  program p;
  p.count_ctor = in.ConsumeIntegralInRange<int>(0, 7) == 0;
  p.min_workers = decode_size(in);
  p.max_workers = decode_size(in);
  if (p.count_ctor) {
    p.max_workers = std::min<std::size_t>(p.max_workers, 3);  // n workers start at once
    p.min_workers = p.max_workers;
  } else if (p.min_workers == kMax) {
    p.max_workers = std::min<std::size_t>(p.max_workers, 3);  // never start 2^64 workers
  }
  p.capacity = in.ConsumeIntegralInRange<int>(0, 5) == 0
                   ? kMax
                   : in.ConsumeIntegralInRange<std::size_t>(0, 3);
  if (p.count_ctor) p.capacity = kMax;
  p.policy = weft::fuzz_targets::pick(in, weft::overflow_policy::drop_oldest);
  p.idle_timeout = in.ConsumeBool();
  const int n = in.ConsumeIntegralInRange<int>(1, 24);
  for (int i = 0; i < n; ++i) {
    op o{};
    o.kind = weft::fuzz_targets::pick<opk>(in);
    o.task = weft::fuzz_targets::pick<task_kind>(in);
    o.which = in.ConsumeIntegralInRange<std::size_t>(0, 7);
    o.a = decode_size(in);
    o.b = decode_size(in);
    if (o.a == kMax) o.b = std::min<std::size_t>(o.b, 3);
    o.d = weft::fuzz_targets::decode_duration(in);
    p.ops.push_back(o);
  }
  return p;
}

struct task_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class state : std::uint8_t { queued, running, value, failed, cancelled };

// The model of one task the driver made (accepted or not).
struct task_rec {
  task_kind kind = task_kind::value;
  bool with_ctx = false;
  bool caller_ran = false;
  state st = state::queued;
  std::uint64_t id = 0;  // the pool's sequence number; 0: never accepted
  std::optional<weft::task_handle<int>> handle;
  bool consumed = false;  // get() was called
};

class world {
 public:
  explicit world(const program& p) : p_(p) {
    auto pair = weft::with_cancel(weft::background());
    ctx_ = pair.first;
    cancel_ = pair.second;
    auto gate = weft::with_cancel(weft::background());
    gate_ = gate.first;
    open_ = gate.second;
    tasks_.reserve(32);
  }

  void run() {
    if (!construct()) return;
    settle();
    for (std::size_t i = 0; i < p_.ops.size(); ++i) {
      idx_ = static_cast<int>(i);
      run_op(p_.ops[i]);
      settle();
    }
    idx_ = -1;
    open_gate();
    pending_.clear();  // cancels what was not run
    for (auto& pt : pending_model_) {
      if (pt != nullptr && pt->st == state::queued) pt->st = state::cancelled;
    }
    pool_->shutdown();
    drain();
    check_stats();
    for (task_rec& t : tasks_) {
      get(t);
    }
    pool_.reset();
  }

 private:
  std::string at() const {
    return idx_ < 0 ? std::string("the end: ") : "op " + std::to_string(idx_) + ": ";
  }
  bool valid_sizes(std::size_t mn, std::size_t mx) const { return mx != 0 && mn <= mx; }

  bool construct() {
    const bool valid = valid_sizes(p_.min_workers, p_.max_workers) && p_.capacity != 0;
    try {
      if (p_.count_ctor) {
        pool_ = std::make_unique<weft::worker_pool>(p_.max_workers);
      } else {
        weft::worker_pool_options o;
        o.name = "misuse";
        o.min_workers = p_.min_workers;
        o.max_workers = p_.max_workers;
        o.queue_capacity = p_.capacity;
        o.overflow = p_.policy;
        o.idle_timeout = p_.idle_timeout ? weft::clock::duration(std::chrono::milliseconds(1))
                                         : weft::clock::duration::zero();
        pool_ = std::make_unique<weft::worker_pool>(o);
      }
    } catch (const std::invalid_argument&) {
      require(!valid, "the constructor rejected valid options");
      return false;
    }
    require(valid, "the constructor accepted invalid options");
    max_ = p_.max_workers;
    require(
        pool_->queue_capacity() == p_.capacity && (p_.count_ctor || pool_->overflow() == p_.policy),
        "the pool's options differ from the ones given");
    return true;
  }

  // Lets the workers run until they are idle or at the gate (virtual time).
  void settle() { weft::this_thread::sleep_for(weft::fuzz_targets::kSettle); }

  // ---- the model ----

  std::size_t running() const {
    std::size_t n = 0;
    for (const task_rec& t : tasks_) {
      n += t.st == state::running ? 1 : 0;
    }
    return n;
  }

  // Ends a task that starts now (on a worker, the caller, or as a pending task).
  void finish(task_rec& t, bool counted) {
    const bool ctx_done = (t.with_ctx && ctx_cancelled_) ||
                          (t.kind == task_kind::blocking && !t.with_ctx && pool_ctx_cancelled_);
    if (ctx_done) {
      t.st = state::cancelled;
      if (counted) ++model_.cancelled;
      return;
    }
    if (t.kind == task_kind::blocking && !gate_open_ && counted) {
      t.st = state::running;
      return;
    }
    t.st =
        t.kind == task_kind::value || t.kind == task_kind::blocking ? state::value : state::failed;
    if (counted) {
      ++model_.completed;
      if (t.st == state::failed) ++model_.failed;
    }
  }

  // What the workers do until they are idle or at the gate.
  void drain() {
    while (!queue_.empty() && running() < max_) {
      task_rec& t = *queue_.front();
      queue_.pop_front();
      finish(t, true);
    }
  }

  void open_gate() {
    if (gate_open_) return;
    open_();
    gate_open_ = true;
    settle();
    for (task_rec& t : tasks_) {
      if (t.st == state::running) {
        t.st = state::value;
        ++model_.completed;
      }
    }
    drain();
  }

  bool blocking_pending() const {
    for (const task_rec* t : queue_) {
      if (t->kind == task_kind::blocking) return true;
    }
    return running() > 0;
  }

  // ---- the tasks ----

  int body(std::size_t k) {
    const task_rec& t = tasks_[k];
    if (t.kind == task_kind::throws) throw task_failure("task " + std::to_string(k));
    return static_cast<int>(k) * 10;
  }

  template <class Submit>
  void make_and_submit(task_rec& t, std::size_t k, Submit&& s) {
    switch (t.kind) {
      case task_kind::empty:
        s(std::function<int()>{});
        break;
      case task_kind::blocking:
        // Waits for the gate or the context it gets (the pool's: shutdown_now cancels it).
        s([this, k](const weft::context& ctx) {
          auto local = weft::with_cancel(gate_);
          weft::after_cancel_handle h = ctx.after_cancel(local.second);
          local.first.wait();
          (void)h.stop();
          return body(k);
        });
        break;
      default:
        s([this, k] { return body(k); });
        break;
    }
  }

  // ---- operations ----

  void submit(const op& o) {
    const bool is_try = o.kind == opk::try_submit || o.kind == opk::try_submit_ctx;
    const bool with_ctx = o.kind == opk::submit_ctx || o.kind == opk::try_submit_ctx;
    if (tasks_.size() >= tasks_.capacity()) return;
    const bool full = queue_.size() >= p_.capacity;
    // Calls that would wait for ever (a blocked submit) or run a blocked task on the
    // driver (caller_runs): the gate opens first.
    if (accepting_ && full && !is_try && !(with_ctx && ctx_cancelled_) &&
        (p_.policy == weft::overflow_policy::block ||
         (p_.policy == weft::overflow_policy::caller_runs && o.task == task_kind::blocking))) {
      open_gate();
    }
    const bool now_full = queue_.size() >= p_.capacity;
    const std::size_t k = tasks_.size();
    tasks_.push_back(task_rec{});
    task_rec& t = tasks_.back();
    t.kind = o.task;
    t.with_ctx = with_ctx;
    // The predicted outcome.
    enum class expect : std::uint8_t { queued, cancelled, caller, dropped, full, shut_down };
    expect e = expect::queued;
    if (with_ctx && ctx_cancelled_) {
      e = expect::cancelled;
    } else if (!accepting_) {
      e = expect::shut_down;
    } else if (!now_full) {
      e = expect::queued;
    } else if (is_try || p_.policy == weft::overflow_policy::reject) {
      e = expect::full;
    } else if (p_.policy == weft::overflow_policy::caller_runs) {
      e = expect::caller;
    } else {
      e = expect::dropped;
    }
    bool refused = false;
    make_and_submit(t, k, [&](auto task) {
      if (is_try) {
        auto h = with_ctx ? pool_->try_submit(ctx_, std::move(task))
                          : pool_->try_submit(std::move(task));
        if (h) {
          t.handle = std::move(*h);
        } else {
          refused = true;
        }
        return;
      }
      try {
        t.handle = with_ctx ? pool_->submit(ctx_, std::move(task)) : pool_->submit(std::move(task));
      } catch (const weft::task_rejected& r) {
        refused = true;
        require(r.reason() == (e == expect::full ? weft::reject_reason::queue_full
                                                 : weft::reject_reason::shut_down),
                at() + "task_rejected with the wrong reason");
      }
    });
    const bool want_refused = e == expect::full || e == expect::shut_down;
    weft::fuzz::observe(1, static_cast<std::uint64_t>(e), is_try ? 1 : 0);
    require(refused == want_refused, at() + (refused ? "refused a task the model accepts"
                                                     : "accepted a task the model refuses"));
    if (refused) {
      ++model_.rejected;
      t.st = state::cancelled;
      t.consumed = true;  // no handle
      return;
    }
    switch (e) {
      case expect::cancelled:
        ++model_.cancelled;
        t.st = state::cancelled;
        break;
      case expect::caller:
        t.id = ++next_id_;
        ++model_.ran_on_caller;
        t.caller_ran = true;
        finish(t, true);
        break;
      case expect::dropped: {
        task_rec* victim = queue_.front();
        queue_.pop_front();
        victim->st = state::cancelled;
        ++model_.dropped;
        [[fallthrough]];
      }
      case expect::queued:
        t.id = ++next_id_;
        ++model_.submitted;
        queue_.push_back(&t);
        drain();
        break;
      default:
        break;
    }
    require(t.handle->id() == t.id, at() + "the handle's id " + std::to_string(t.handle->id()) +
                                        ", the model's " + std::to_string(t.id));
    if (e == expect::caller) {
      require(t.handle->ready(), at() + "caller_runs returned before the task completed");
    }
  }

  task_rec* handle_of(std::size_t which) {
    if (tasks_.empty()) return nullptr;
    return &tasks_[which % tasks_.size()];
  }

  // Whether the task's outcome is final (get would not wait).
  static bool done(const task_rec& t) { return t.st != state::queued && t.st != state::running; }

  // Runs f on t's handle, which must throw std::future_error (no_state) if consumed.
  template <class F>
  bool on_handle(task_rec& t, const char* what, F&& f) {
    if (!t.consumed) {
      f();
      return true;
    }
    if (!t.handle) return false;  // refused: there never was a handle
    bool threw = false;
    try {
      f();
    } catch (const std::future_error& e) {
      threw = e.code() == std::make_error_code(std::future_errc::no_state);
    }
    require(threw, at() + what + " on a handle consumed by get() did not throw no_state");
    return false;
  }

  void get(task_rec& t) {
    if (!t.handle) return;
    if (!t.consumed && !done(t)) {  // would wait for ever: a timed wait instead
      const auto t0 = weft::clock::now();
      const auto s = t.handle->wait_for(std::chrono::microseconds(1));
      require(s == std::future_status::timeout &&
                  weft::clock::now() == t0 + std::chrono::microseconds(1),
              at() + "wait_for on a task that cannot complete did not time out at its deadline");
      return;
    }
    (void)on_handle(t, "get", [&] {
      const std::size_t k = static_cast<std::size_t>(&t - tasks_.data());
      const state st = t.st;
      t.consumed = true;
      int got = 0;
      const char* outcome = "a value";
      try {
        got = t.handle->get();
      } catch (const task_failure&) {
        outcome = "the task's exception";
      } catch (const std::bad_function_call&) {
        outcome = "bad_function_call";
      } catch (const weft::task_cancelled&) {
        outcome = "task_cancelled";
      }
      const char* want = st == state::value           ? "a value"
                         : st == state::cancelled     ? "task_cancelled"
                         : t.kind == task_kind::empty ? "bad_function_call"
                                                      : "the task's exception";
      require(std::string(outcome) == want, at() + "get() of task " + std::to_string(k) + ": " +
                                                outcome + ", the model: " + want);
      if (st == state::value) {
        require(got == static_cast<int>(k) * 10, at() + "get() returned a wrong value");
      }
      require(!t.handle->valid(), at() + "the handle is still valid after get()");
    });
  }

  void wait_for(task_rec& t, const any_duration& d) {
    if (!t.handle) return;
    // A consumed handle has no state: every call throws no_state, a NaN timeout too.
    if (!t.consumed && rejects_nan(d, at() + "wait_for", [&] {
          (void)d.visit([&](auto dur) { return t.handle->wait_for(dur); });
        })) {
      return;
    }
    (void)on_handle(t, "wait_for", [&] {
      const bool fin = done(t);
      // A task that cannot complete: only ordinary or non-positive timeouts.
      const any_duration use = fin || d.ordinary() || d.not_positive() ? d : any_duration{};
      const auto t0 = weft::clock::now();
      const auto s = use.visit([&](auto dur) { return t.handle->wait_for(dur); });
      require((s == std::future_status::ready) == fin,
              at() + "wait_for returned " + (s == std::future_status::ready ? "ready" : "timeout") +
                  " for a task that is " + (fin ? "" : "not ") + "complete");
      if (!fin) {
        const auto want = use.not_positive() ? t0 : t0 + use.ordinary_ns();
        require(weft::clock::now() == want, at() + "wait_for timed out at the wrong time");
      }
    });
  }

  void run_op(const op& o) {
    weft::fuzz::observe(2, static_cast<std::uint64_t>(o.kind), accepting_ ? 1 : 0, queue_.size());
    switch (o.kind) {
      case opk::submit:
      case opk::submit_ctx:
      case opk::try_submit:
      case opk::try_submit_ctx:
        submit(o);
        break;
      case opk::cancel_ctx:
        cancel_();
        ctx_cancelled_ = true;
        for (task_rec& t : tasks_) {  // blocked tasks that got ctx return now
          if (t.st == state::running && t.with_ctx) {
            t.st = state::value;
            ++model_.completed;
          }
        }
        drain();
        break;
      case opk::open_gate:
        open_gate();
        break;
      case opk::get:
        if (task_rec* t = handle_of(o.which)) get(*t);
        break;
      case opk::wait_for:
        if (task_rec* t = handle_of(o.which)) wait_for(*t, o.d);
        break;
      case opk::ready:
        if (task_rec* t = handle_of(o.which); t != nullptr && t->handle) {
          (void)on_handle(*t, "ready", [&] {
            require(t->handle->ready() == done(*t), at() + "ready() disagrees with the model");
          });
        }
        break;
      case opk::resize: {
        const bool valid = valid_sizes(o.a, o.b);
        if (valid && blocking_pending()) open_gate();  // the model then knows the workers
        try {
          pool_->resize(o.a, o.b);
          require(valid, at() + "resize accepted invalid bounds");
          max_ = o.b;
          drain();
        } catch (const std::invalid_argument&) {
          require(!valid, at() + "resize rejected valid bounds");
        }
        break;
      }
      case opk::shutdown:
        open_gate();  // shutdown waits for the running tasks
        pool_->shutdown();
        accepting_ = false;
        max_ = kMax;  // whatever is queued runs
        drain();
        break;
      case opk::shutdown_now: {
        // It waits for the running tasks: one that got ctx would not see the pool's
        // context cancelled.
        for (const task_rec& t : tasks_) {
          if (t.st == state::running && t.with_ctx) {
            open_gate();
            break;
          }
        }
        std::vector<weft::pending_task> out = pool_->shutdown_now();
        accepting_ = false;
        pool_ctx_cancelled_ = true;
        for (task_rec& t : tasks_) {  // the blocked tasks see the context cancelled
          if (t.st == state::running) {
            t.st = state::value;
            ++model_.completed;
          }
        }
        require(out.size() == queue_.size(),
                at() + "shutdown_now returned " + std::to_string(out.size()) +
                    " tasks, the model has " + std::to_string(queue_.size()) + " queued");
        for (std::size_t i = 0; i < out.size(); ++i) {
          require(static_cast<bool>(out[i]) && out[i].id() == queue_[i]->id,
                  at() + "shutdown_now's task " + std::to_string(i) + " is not the queue's");
          pending_.push_back(std::move(out[i]));
          pending_model_.push_back(queue_[i]);
        }
        queue_.clear();
        require(static_cast<bool>(pool_->context().err()),
                at() + "context() not cancelled by shutdown_now");
        break;
      }
      case opk::run_pending:
      case opk::drop_pending: {
        if (pending_.empty()) break;
        const std::size_t i = o.which % pending_.size();
        task_rec* t = pending_model_[i];
        const bool unrun = t != nullptr && t->st == state::queued;
        require(static_cast<bool>(pending_[i]) == unrun, at() + "pending task's bool is wrong");
        if (o.kind == opk::run_pending) {
          // A blocking task that would not see a done context would block the driver.
          if (unrun && t->kind == task_kind::blocking && t->with_ctx && !ctx_cancelled_) {
            open_gate();
          }
          pending_[i]();
          if (unrun) finish(*t, false);
        } else {
          pending_[i] = weft::pending_task();
          if (unrun) t->st = state::cancelled;
        }
        pending_model_[i] = nullptr;
        require(!pending_[i] && pending_[i].id() == 0, at() + "a used pending task is not empty");
        break;
      }
      case opk::stats:
        check_stats();
        break;
      case opk::count_:
        break;
    }
  }

  void check_stats() {
    const weft::worker_pool_stats s = pool_->stats();
    const auto eq = [&](std::uint64_t got, std::uint64_t want, const char* what) {
      require(got == want, at() + "stats()." + what + " == " + std::to_string(got) +
                               ", the model: " + std::to_string(want));
    };
    eq(s.queued, queue_.size(), "queued");
    eq(s.active, running(), "active");
    eq(s.blocked_submitters, 0, "blocked_submitters");
    eq(s.submitted, model_.submitted, "submitted");
    eq(s.completed, model_.completed, "completed");
    eq(s.failed, model_.failed, "failed");
    eq(s.rejected, model_.rejected, "rejected");
    eq(s.cancelled, model_.cancelled, "cancelled");
    eq(s.dropped, model_.dropped, "dropped");
    eq(s.ran_on_caller, model_.ran_on_caller, "ran_on_caller");
    require(s.idle_workers <= s.workers && s.active <= s.workers, at() + "stats(): workers");
    if (!accepting_) eq(s.workers, 0, "workers (after shutdown)");
  }

  const program& p_;
  std::unique_ptr<weft::worker_pool> pool_;
  weft::context ctx_;
  weft::cancel_func cancel_;
  weft::context gate_;
  weft::cancel_func open_;
  std::vector<task_rec> tasks_;
  std::deque<task_rec*> queue_;  // the model's queue
  std::vector<weft::pending_task> pending_;
  std::vector<task_rec*> pending_model_;  // null once run or dropped
  weft::worker_pool_stats model_;         // the model's counters
  std::size_t max_ = 1;
  std::uint64_t next_id_ = 0;
  bool accepting_ = true;
  bool gate_open_ = false;
  bool ctx_cancelled_ = false;
  bool pool_ctx_cancelled_ = false;
  int idx_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const program p = decode(in);
  const auto schedule = weft::fuzz::schedule_bytes(in);
  weft::fuzz::run(
      schedule, [&p] { weft::fuzz_targets::run_world<world>(p); },
      weft::fuzz::default_options("worker_pool_misuse_fuzzer"), [&p] { return p.describe(); });
  return 0;
}
