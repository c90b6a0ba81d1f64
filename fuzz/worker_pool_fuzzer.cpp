// worker_pool_fuzzer.cpp — weft::worker_pool and weft::task_handle over fuzzer-chosen
// programs and schedules.
//
// Program (decoded from the end of the input): a pool (0..2 to 1..3 workers, a queue of
// 1..3 or unbounded, each overflow policy, idle retirement off or after 0..2 ms), a
// context for submissions, and 1..3 submitter threads with 1..4 operations each:
// submit / try_submit, with or without the context, of a task that records its run,
// maybe sleeps, maybe throws, maybe takes a context; cancel of the context; resize;
// stats(); a timed wait on an earlier handle. The body joins the submitters and ends
// the pool with shutdown() or shutdown_now() (running or dropping what it returns).
//
// Checked:
//   * every task runs at most once; a rejected one (task_rejected, or try_submit's
//     nullopt) never; a handle reports the task's value, its exception, or task_cancelled
//     — cancelled exactly when the task never ran;
//   * cancelled only for a documented reason: its context was done before it started,
//     drop_oldest dropped it, or shutdown_now took it out and it was not run;
//   * after shutdown() every other accepted task has run; a task that takes a context
//     gets the one it was submitted with, else the pool's; statuses and exceptions are
//     the documented ones; stats() agrees with itself and, at the end, with what ran;
//   * whatever the model checker detects (a blocked submitter never woken, a worker
//     left running: deadlock / leaked thread).
#include <fuzzer/FuzzedDataProvider.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "target_util.hpp"
#include "weft/context.hpp"
#include "weft/errors.hpp"
#include "weft/fuzz.hpp"
#include "weft/sync.hpp"
#include "weft/task_handle.hpp"
#include "weft/worker_pool.hpp"

namespace {

using weft::fuzz::require;
using weft::fuzz_targets::where;
using us = std::chrono::microseconds;

enum class opk : std::uint8_t {
  submit,
  submit_ctx,
  try_submit,
  try_submit_ctx,
  cancel,
  resize,
  stats,
  wait_handle,
  count_
};
constexpr const char* kOpNames[] = {"submit", "submit(ctx)", "try_submit", "try_submit(ctx)",
                                    "cancel", "resize",      "stats",      "wait_handle"};
constexpr const char* kPolicyNames[] = {"block", "reject", "caller_runs", "drop_oldest"};

struct op {
  opk kind;
  bool task_sleeps;
  bool task_throws;
  bool task_takes_ctx;
  us d;
  std::size_t a;  // resize: min; wait_handle: which
  std::size_t b;  // resize: max
};

struct program {
  bool spurious = false;
  std::size_t min_workers = 1;
  std::size_t max_workers = 1;
  std::size_t capacity = 1;  // 0: unbounded
  weft::overflow_policy policy = weft::overflow_policy::block;
  us idle_timeout{0};
  bool shutdown_now = false;
  bool run_pending = false;
  std::vector<std::vector<op>> submitters;

  std::string describe() const {
    std::ostringstream os;
    os << "  worker_pool(min " << min_workers << ", max " << max_workers << ", queue "
       << (capacity == 0 ? std::string("unbounded") : std::to_string(capacity)) << ", "
       << kPolicyNames[static_cast<int>(policy)] << ", idle_timeout " << idle_timeout.count()
       << "us), ends with "
       << (shutdown_now
               ? (run_pending ? "shutdown_now + run pending" : "shutdown_now + drop pending")
               : "shutdown")
       << (spurious ? ", spurious wake-ups" : "") << "\n";
    for (std::size_t s = 0; s < submitters.size(); ++s) {
      os << "  submitter " << s << ":";
      for (const op& o : submitters[s]) {
        os << " " << kOpNames[static_cast<int>(o.kind)];
        if (o.kind <= opk::try_submit_ctx) {
          os << "[" << (o.task_sleeps ? "sleep " + std::to_string(o.d.count()) + "us" : "")
             << (o.task_throws ? " throws" : "") << (o.task_takes_ctx ? " ctx" : "") << "]";
        } else if (o.kind == opk::resize) {
          os << "(" << o.a << "," << o.b << ")";
        }
      }
      os << "\n";
    }
    return os.str();
  }
};

program decode(FuzzedDataProvider& in) {
  program p;
  p.spurious = weft::fuzz_targets::decode_spurious(in);
  p.min_workers = in.ConsumeIntegralInRange<std::size_t>(0, 2);
  p.max_workers =
      in.ConsumeIntegralInRange<std::size_t>(std::max<std::size_t>(1, p.min_workers), 3);
  p.capacity = in.ConsumeIntegralInRange<std::size_t>(0, 3);
  p.policy = weft::fuzz_targets::pick(in, weft::overflow_policy::drop_oldest);
  p.idle_timeout = us(in.ConsumeBool() ? 0 : in.ConsumeIntegralInRange<int>(1, 2000));
  p.shutdown_now = in.ConsumeBool();
  p.run_pending = in.ConsumeBool();
  p.submitters.resize(in.ConsumeIntegralInRange<std::size_t>(1, 3));
  for (auto& ops : p.submitters) {
    const int n = in.ConsumeIntegralInRange<int>(1, 4);
    for (int i = 0; i < n; ++i) {
      op o{};
      o.kind = weft::fuzz_targets::pick<opk>(in);
      o.task_sleeps = in.ConsumeBool();
      o.task_throws = in.ConsumeIntegralInRange<int>(0, 3) == 0;
      o.task_takes_ctx = in.ConsumeBool();
      o.d = us(in.ConsumeIntegralInRange<int>(0, 1000));
      o.a = in.ConsumeIntegralInRange<std::size_t>(0, 2);
      o.b = in.ConsumeIntegralInRange<std::size_t>(std::max<std::size_t>(1, o.a), 3);
      ops.push_back(o);
    }
  }
  return p;
}

struct task_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What the oracle knows about one submitted task.
struct task_rec {
  int submitter = -1;
  bool with_ctx = false;
  bool throws = false;
  bool accepted = false;  // a handle was returned
  bool rejected = false;  // task_rejected, or try_submit's nullopt
  int runs = 0;
  bool ran_on_submitter = false;
  bool ran_outside_pool = false;  // from a pending_task after shutdown_now
  bool ctx_ok = true;             // the context it received was the right one
  std::optional<weft::task_handle<int>> handle;
};

class world {
 public:
  explicit world(const program& p) : p_(p) {
    weft::worker_pool_options o;
    o.name = "fuzzed";
    o.min_workers = p.min_workers;
    o.max_workers = p.max_workers;
    o.queue_capacity = p.capacity == 0 ? std::numeric_limits<std::size_t>::max() : p.capacity;
    o.overflow = p.policy;
    o.idle_timeout = p.idle_timeout;
    pool_ = std::make_unique<weft::worker_pool>(o);
    auto pair = weft::with_cancel(weft::background());
    ctx_ = pair.first;
    cancel_ = pair.second;
    tasks_.reserve(16);  // never reallocates: running tasks hold references into it
    ops_of_.reserve(16);
    submitter_thread_.assign(p.submitters.size(), 0xFFFFFFFFu);
  }

  void run() {
    std::vector<weft::thread> threads;
    for (std::size_t s = 0; s < p_.submitters.size(); ++s) {
      threads.emplace_back([this, s] { run_submitter(static_cast<int>(s)); });
    }
    for (auto& t : threads) {
      t.join();
    }
    std::vector<weft::pending_task> pending;
    if (p_.shutdown_now) {
      pending = pool_->shutdown_now();
      if (p_.run_pending) {
        outside_pool_ = true;  // stats() does not count tasks run from a pending_task
        for (auto& t : pending) {
          t();
        }
      }
      pending.clear();  // drops (cancels) whatever was not run
    } else {
      pool_->shutdown();
    }
    check_end();
  }

 private:
  void run_submitter(int s) {
    const auto& ops = p_.submitters[static_cast<std::size_t>(s)];
    for (std::size_t i = 0; i < ops.size(); ++i) {
      run_op(s, static_cast<int>(i), ops[i]);
    }
  }

  // The task: records that it ran (and where, and with which context), maybe sleeps,
  // maybe throws. Returns its index * 10.
  template <bool TakesCtx>
  auto make_task(int k) {
    if constexpr (TakesCtx) {
      return [this, k](const weft::context& ctx) { return body(k, &ctx); };
    } else {
      return [this, k] { return body(k, nullptr); };
    }
  }
  int body(int k, const weft::context* got) {
    task_rec& t = tasks_[static_cast<std::size_t>(k)];
    ++t.runs;
    if (t.runs > 1) ran_twice_ = k;  // reported by check_end (tasks must not fail here)
    t.ran_on_submitter =
        weft::fuzz::thread_index() == submitter_thread_[static_cast<std::size_t>(t.submitter)];
    t.ran_outside_pool = outside_pool_;
    if (got != nullptr) {
      t.ctx_ok = t.with_ctx ? *got == ctx_ : *got == pool_->context();
    }
    weft::fuzz::observe(1, static_cast<std::uint64_t>(k), weft::fuzz::thread_index());
    const op& o = *ops_of_[static_cast<std::size_t>(k)];
    if (o.task_sleeps) weft::this_thread::sleep_for(o.d);
    if (t.throws) throw task_failure("task " + std::to_string(k));
    return k * 10;
  }

  void run_op(int s, int idx, const op& o) {
    const std::string at = where(s, idx);
    submitter_thread_[static_cast<std::size_t>(s)] = weft::fuzz::thread_index();
    switch (o.kind) {
      case opk::submit:
      case opk::submit_ctx:
      case opk::try_submit:
      case opk::try_submit_ctx:
        submit(s, idx, o);
        break;
      case opk::cancel:
        cancel_();
        break;
      case opk::resize:
        pool_->resize(o.a, o.b);
        break;
      case opk::stats: {
        const weft::worker_pool_stats st = pool_->stats();
        require(st.idle_workers <= st.workers && st.active <= st.workers &&
                    st.peak_workers >= st.workers,
                at + "stats() disagrees with itself");
        require(st.completed >= st.failed, at + "stats(): more failed than completed");
        weft::fuzz::observe(2, st.queued, st.active, st.workers);
        break;
      }
      case opk::wait_handle: {
        // A timed wait on one of this submitter's handles (get() could wait for a task
        // that only shutdown will run).
        for (auto& t : tasks_) {
          if (t.submitter != s || !t.handle || !t.handle->valid()) continue;
          const auto status = t.handle->wait_for(o.d);
          if (status == std::future_status::ready) {
            require(t.handle->ready(), at + "ready() after wait_for ready");
          }
          break;
        }
        break;
      }
      case opk::count_:
        break;
    }
  }

  void submit(int s, int idx, const op& o) {
    const std::string at = where(s, idx);
    if (tasks_.size() >= tasks_.capacity()) return;
    const int k = static_cast<int>(tasks_.size());
    tasks_.push_back(task_rec{});
    ops_of_.push_back(&o);
    task_rec& t = tasks_.back();
    t.submitter = s;
    t.with_ctx = o.kind == opk::submit_ctx || o.kind == opk::try_submit_ctx;
    t.throws = o.task_throws;
    const bool is_try = o.kind == opk::try_submit || o.kind == opk::try_submit_ctx;
    auto go = [&](auto task) {
      if (is_try) {
        auto h = t.with_ctx ? pool_->try_submit(ctx_, std::move(task))
                            : pool_->try_submit(std::move(task));
        if (h) {
          t.handle = std::move(*h);
        } else {
          t.rejected = true;
        }
      } else {
        try {
          t.handle =
              t.with_ctx ? pool_->submit(ctx_, std::move(task)) : pool_->submit(std::move(task));
        } catch (const weft::task_rejected& e) {
          require(e.reason() == weft::reject_reason::queue_full
                      ? p_.policy == weft::overflow_policy::reject
                      : e.reason() == weft::reject_reason::shut_down,
                  at + "task_rejected for an undocumented reason");
          t.rejected = true;
        }
      }
    };
    if (o.task_takes_ctx) {
      go(make_task<true>(k));
    } else {
      go(make_task<false>(k));
    }
    t.accepted = !t.rejected;
    weft::fuzz::observe(3, weft::fuzz_targets::op_site(s, idx), t.accepted ? 1 : 0);
  }

  void check_end() {
    require(ran_twice_ < 0, "task " + std::to_string(ran_twice_) + " ran twice");
    std::uint64_t ran = 0;
    std::uint64_t threw = 0;
    for (std::size_t k = 0; k < tasks_.size(); ++k) {
      task_rec& t = tasks_[k];
      const std::string at = "task " + std::to_string(k) + ": ";
      if (!t.ran_outside_pool) {
        ran += static_cast<std::uint64_t>(t.runs);
        if (t.runs > 0 && t.throws) ++threw;
      }
      require(t.ctx_ok, at + "its function got the wrong context");
      require(!t.ran_on_submitter || p_.policy == weft::overflow_policy::caller_runs,
              at + "ran on its submitter's thread without the caller_runs policy");
      if (t.rejected) {
        require(t.runs == 0, at + "a rejected task ran");
        continue;
      }
      require(t.handle.has_value() && t.handle->valid(), at + "accepted without a handle");
      bool cancelled = false;
      try {
        const int v = t.handle->get();
        require(!t.throws && v == static_cast<int>(k) * 10, at + "get() returned a wrong value");
      } catch (const task_failure&) {
        require(t.throws, at + "get() threw the task's exception, but it does not throw");
      } catch (const weft::task_cancelled&) {
        cancelled = true;
      }
      require(cancelled == (t.runs == 0),
              at + (cancelled ? "cancelled, but it ran" : "never ran, but not cancelled"));
      if (cancelled) {
        const bool ctx_done = t.with_ctx && ctx_.err();
        require(ctx_done || p_.policy == weft::overflow_policy::drop_oldest || p_.shutdown_now,
                at + "cancelled for no documented reason (no done context, no drop_oldest, no "
                     "shutdown_now)");
      }
    }
    const weft::worker_pool_stats st = pool_->stats();
    require(st.queued == 0 && st.active == 0 && st.workers == 0 && st.blocked_submitters == 0,
            "stats() after shutdown: something still queued, running or waiting");
    require(st.completed == ran, "stats().completed " + std::to_string(st.completed) +
                                     ", tasks that ran " + std::to_string(ran));
    require(st.failed == threw, "stats().failed " + std::to_string(st.failed) +
                                    ", tasks that threw " + std::to_string(threw));
  }

  const program& p_;
  std::unique_ptr<weft::worker_pool> pool_;
  weft::context ctx_;
  weft::cancel_func cancel_;
  std::vector<task_rec> tasks_;
  std::vector<const op*> ops_of_;
  std::vector<std::uint32_t> submitter_thread_;  // logical thread index of each submitter
  int ran_twice_ = -1;
  bool outside_pool_ = false;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const program p = decode(in);
  const auto schedule = weft::fuzz::schedule_bytes(in);
  weft::fuzz::run(
      schedule, [&p] { weft::fuzz_targets::run_world<world>(p); },
      weft::fuzz_targets::options("worker_pool_fuzzer", p.spurious), [&p] { return p.describe(); });
  return 0;
}
