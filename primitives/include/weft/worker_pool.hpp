// weft/worker_pool.hpp — weft::worker_pool: a named pool of worker threads with a
// bounded queue, back-pressure, dynamic sizing and graceful or immediate shutdown (Java's
// ThreadPoolExecutor, folly's CPUThreadPoolExecutor).
//
//   weft::worker_pool pool({.name = "thumbnails", .min_workers = 2, .max_workers = 8,
//                           .queue_capacity = 64,
//                           .overflow = weft::overflow_policy::caller_runs});
//   weft::task_handle<image> h = pool.submit([&] { return render(page); });
//   ...
//   image img = h.get();              // rethrows what render threw
//   pool.shutdown();                  // stop accepting, run what is queued, join
//
// Tasks are callables f() or f(const weft::context&) returning anything; submit returns
// a task_handle for the result. A task that takes a context gets the one passed to
// submit(ctx, f), or else the pool's context(), which shutdown_now() cancels. Whatever
// context a task was submitted with: if it is done by the time a worker picks the task
// up, the task does not start (its handle reports task_cancelled).
//
// Back-pressure — when queue_capacity tasks are already waiting:
//   block        submit waits for room (FIFO among blocked submitters; a submit with a
//                context gives up when it is done: the handle reports task_cancelled);
//   reject       submit throws weft::task_rejected (reason queue_full);
//   caller_runs  the submitting thread runs the task itself, then submit returns;
//   drop_oldest  the oldest queued task is dropped (its handle reports task_cancelled)
//                and the new one queued.
// try_submit never waits, never runs the task itself and never drops one: it returns
// std::nullopt when the queue is full or the pool is shut down.
//
// Sizing: min_workers threads start with the pool and stay; when tasks queue up faster
// than idle workers take them, up to max_workers run; a worker above min_workers that
// has been idle for idle_timeout (weft::clock: virtual in model mode) exits. resize()
// changes the bounds at any time; surplus workers exit after their current task. Exited
// workers are joined by the next growth, resize() or shutdown.
//
// Shutdown:
//   shutdown()      stops accepting (submit throws task_rejected, reason shut_down; blocked
//                   submitters too), lets the workers run everything already queued, and
//                   waits until every worker has exited and been joined;
//   shutdown_now()  stops accepting, takes every queued task out and returns them as
//                   pending_tasks (run them, or drop them to cancel their handles),
//                   cancels context(), and waits for the running tasks to return;
//   ~worker_pool()  shutdown().
// Called from one of the pool's own tasks, shutdown() and shutdown_now() do not wait (a
// worker cannot join itself); destroying the pool from its own task is a fatal error.
//
// Lifetimes: what a task captured is destroyed by its worker as soon as it has run. Its
// state (with the result, if the handle is gone) is freed by whoever drops the last
// reference: the handle's owner, or — handle gone — the next submit() on any thread, or
// the worker once the queue is empty; a pool keeps at most 256 such finished tasks.
//
// Errors never kill a worker: a task's exception goes to its handle. Bulkheads: give each
// dependency its own small pool (name() shows in stats and model traces) so one slow
// dependency fills its own queue, not everyone's.
//
// Thread-safety: every member may be called concurrently. Submitting to a full pool with
// the block policy from one of its own tasks can deadlock (as in any bounded pool).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <exception>
#include <limits>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "weft/context.hpp"
#include "weft/detail/grant_queue.hpp"
#include "weft/errors.hpp"
#include "weft/sync.hpp"
#include "weft/task_handle.hpp"

namespace weft {

// What submit does when the queue is full (see the header comment).
enum class overflow_policy : std::uint8_t { block, reject, caller_runs, drop_oldest };

struct worker_pool_options {
  std::string name = "worker_pool";
  std::size_t min_workers = 1;  // started with the pool, never retired for idleness
  std::size_t max_workers = 1;  // >= 1 and >= min_workers
  // Tasks waiting to start (running ones do not count); >= 1. Default: unbounded.
  std::size_t queue_capacity = std::numeric_limits<std::size_t>::max();
  overflow_policy overflow = overflow_policy::block;
  // A worker above min_workers idle this long exits; zero: never.
  weft::clock::duration idle_timeout = std::chrono::seconds(60);
};

// A snapshot (taken under the pool's lock, so the fields agree with each other).
struct worker_pool_stats {
  std::size_t queued = 0;              // tasks waiting to start
  std::size_t active = 0;              // tasks running on workers
  std::size_t workers = 0;             // worker threads started and not yet exited
  std::size_t idle_workers = 0;        // of which waiting for work
  std::size_t peak_workers = 0;        // most workers at once
  std::size_t blocked_submitters = 0;  // submit calls waiting for room (block policy)
  std::uint64_t submitted = 0;         // tasks accepted into the queue
  std::uint64_t completed = 0;         // tasks that ran to the end (on a worker or caller)
  std::uint64_t failed = 0;            // of which ended with an exception
  std::uint64_t rejected = 0;          // task_rejected thrown or try_submit's nullopt
  std::uint64_t cancelled = 0;         // never started: their context was done
  std::uint64_t dropped = 0;           // removed from the queue by drop_oldest
  std::uint64_t ran_on_caller = 0;     // run by the submitter (caller_runs)
};

class worker_pool {
 public:
  // A fixed pool of `workers` threads with an unbounded queue.
  explicit worker_pool(std::size_t workers)
      : worker_pool(worker_pool_options{.min_workers = workers, .max_workers = workers}) {}

  // Throws std::invalid_argument for inconsistent options and std::system_error if a
  // worker thread cannot be started.
  explicit worker_pool(worker_pool_options opts)
      : name_(std::move(opts.name)),
        capacity_(opts.queue_capacity),
        overflow_(opts.overflow),
        idle_timeout_(opts.idle_timeout),
        ctx_(with_cancel(background())) {
    check_sizes(opts.min_workers, opts.max_workers);
    if (capacity_ == 0) {
      throw std::invalid_argument("weft::worker_pool: queue_capacity must be at least 1");
    }
    min_ = opts.min_workers;
    max_ = opts.max_workers;
    try {
      start_workers(min_);
    } catch (...) {
      shutdown();
      throw;
    }
  }

  worker_pool(const worker_pool&) = delete;
  worker_pool& operator=(const worker_pool&) = delete;

  ~worker_pool() {
    if (called_from_worker()) {
      std::fputs("weft::worker_pool destroyed by one of its own tasks\n", stderr);
      std::terminate();
    }
    shutdown();
    ctx_.second();
  }

  // Submits f (see the header comment for the overflow policies). Throws task_rejected.
  template <class F>
  task_handle<detail::task_result_t<F>> submit(F&& f) {
    return submit_with(nullptr, std::forward<F>(f));
  }
  // Submits f under ctx: f is not started if ctx is done first; a blocked submit gives up
  // when ctx is done. Either way the handle reports task_cancelled. A ctx already done
  // when submit is called wins over everything else: the handle is cancelled at once,
  // also on a full queue or a shut-down pool (no task_rejected, no waiting, no
  // caller_runs); try_submit(ctx, f) likewise returns a cancelled handle.
  template <class F>
  task_handle<detail::task_result_t<F>> submit(const weft::context& ctx, F&& f) {
    return submit_with(&ctx, std::forward<F>(f));
  }

  // Queues f if there is room now; std::nullopt if the queue is full or the pool shut
  // down. Never blocks, never runs f on the caller, never drops a task.
  template <class F>
  std::optional<task_handle<detail::task_result_t<F>>> try_submit(F&& f) {
    return try_submit_with(nullptr, std::forward<F>(f));
  }
  template <class F>
  std::optional<task_handle<detail::task_result_t<F>>> try_submit(const weft::context& ctx, F&& f) {
    return try_submit_with(&ctx, std::forward<F>(f));
  }

  // Stops accepting, runs what is queued, waits for the workers to exit and joins them.
  void shutdown() {
    std::vector<std::shared_ptr<detail::task_base>> orphans;
    detail::wake_list wake;
    {
      std::lock_guard<weft::mutex> g(m_);
      if (state_.load() == run_state::running) {
        state_.store(run_state::draining);
      }
      dispatch(wake);  // blocked submitters are refused now
      work_cv_.notify_all();
      if (workers_ == 0) {
        orphans = take_queue();  // nobody left to run them (a pool of min 0 never grew)
      }
    }
    wake.wake_all();
    for (auto& t : orphans) {
      t->execute(counter{this});
    }
    if (!called_from_worker()) {
      wait_terminated();
    }
  }

  // Stops accepting, takes out and returns every task that has not started, cancels
  // context(), and waits for the running tasks to return.
  std::vector<pending_task> shutdown_now() {
    std::vector<std::shared_ptr<detail::task_base>> taken;
    detail::wake_list wake;
    {
      std::lock_guard<weft::mutex> g(m_);
      state_.store(run_state::stopped);
      taken = take_queue();
      dispatch(wake);
      work_cv_.notify_all();
    }
    wake.wake_all();
    ctx_.second();
    std::vector<pending_task> out;
    out.reserve(taken.size());
    for (auto& t : taken) {
      out.push_back(pending_task(std::move(t)));
    }
    if (!called_from_worker()) {
      wait_terminated();
    }
    return out;
  }

  // New bounds for the number of workers. Starts workers up to the new minimum (and
  // more, up to the maximum, if tasks are waiting); surplus workers exit after their
  // current task. Throws std::invalid_argument, or std::system_error if a thread cannot
  // be started.
  void resize(std::size_t min_workers, std::size_t max_workers) {
    check_sizes(min_workers, max_workers);
    std::size_t spawn = 0;
    {
      std::lock_guard<weft::mutex> g(m_);
      min_ = min_workers;
      max_ = max_workers;
      if (state_.load() == run_state::running) {
        spawn = growth_locked(true);
      }
      work_cv_.notify_all();  // idle workers re-read the bounds
    }
    reap();
    start_reserved(spawn);
  }

  worker_pool_stats stats() const {
    std::lock_guard<weft::mutex> g(m_);
    worker_pool_stats s = counters_;
    s.queued = queue_.get().size();
    s.active = active_;
    s.workers = workers_;
    s.idle_workers = idle_;
    s.peak_workers = peak_;
    s.blocked_submitters = blocked_.count_live();
    return s;
  }

  const std::string& name() const noexcept { return name_; }
  // The context tasks without one of their own receive; cancelled by shutdown_now().
  const weft::context& context() const noexcept { return ctx_.first; }
  std::size_t queue_capacity() const noexcept { return capacity_; }
  overflow_policy overflow() const noexcept { return overflow_; }

 private:
  template <class Owner, class Request>
  friend class detail::grant_case;

  enum class run_state : std::uint8_t { running, draining, stopped };
  enum class admit : std::uint8_t { queued, ran_here, full, shut_down, cancelled };

  struct worker {
    weft::thread thread;
    std::uint64_t tid = 0;   // weft::this_thread::get_id() of the worker, once started
    bool started = false;    // tid is set
    bool installed = false;  // `thread` holds the handle (set by the spawner)
    bool exited = false;     // the worker has left its loop
  };
  using worker_iter = std::list<worker>::iterator;

  static void check_sizes(std::size_t min_workers, std::size_t max_workers) {
    if (max_workers == 0 || min_workers > max_workers) {
      throw std::invalid_argument(
          "weft::worker_pool: need 1 <= max_workers and min_workers <= max_workers");
    }
  }

  // ---- submission ----

  template <class F>
  std::shared_ptr<detail::task_state<detail::task_result_t<F>>> make(const weft::context* ctx,
                                                                     F&& f) {
    weft::context c = ctx != nullptr                                        ? *ctx
                      : detail::task_traits<std::decay_t<F>>::takes_context ? ctx_.first
                                                                            : weft::context();
    return detail::make_task(std::move(c), std::forward<F>(f));
  }

  template <class F>
  task_handle<detail::task_result_t<F>> submit_with(const weft::context* ctx, F&& f) {
    auto st = make(ctx, std::forward<F>(f));
    task_handle<detail::task_result_t<F>> h(st);
    const admit a = enqueue(std::move(st), ctx, false);
    if (a == admit::full) {
      throw task_rejected(reject_reason::queue_full);
    }
    if (a == admit::shut_down) {
      throw task_rejected(reject_reason::shut_down);
    }
    return h;
  }

  template <class F>
  std::optional<task_handle<detail::task_result_t<F>>> try_submit_with(const weft::context* ctx,
                                                                       F&& f) {
    auto st = make(ctx, std::forward<F>(f));
    task_handle<detail::task_result_t<F>> h(st);
    const admit a = enqueue(std::move(st), ctx, true);
    if (a == admit::full || a == admit::shut_down) {
      return std::nullopt;
    }
    return h;
  }

  // The one way into the pool. `ctx` is the submit's own context (null: none).
  admit enqueue(std::shared_ptr<detail::task_base> task, const weft::context* ctx, bool try_only) {
    // Checked before taking m_: a context check may cancel the context, which takes its
    // locks, and those come before m_ in the lock order (grant_queue.hpp).
    if (ctx != nullptr && detail::is_done(*ctx)) {
      task->cancel();
      std::lock_guard<weft::mutex> g(m_);
      ++counters_.cancelled;
      return admit::cancelled;
    }
    // Where the task goes, decided under m_: the queue (it is moved there), the caller's
    // own thread (run_here), or the block policy's wait for room (blocked).
    std::shared_ptr<detail::task_base> victim;
    std::shared_ptr<detail::task_base> run_here;
    std::shared_ptr<detail::task_base> blocked;
    detail::retired_chain retired;  // the tasks workers ran, freed here outside m_
    std::size_t spawn = 0;
    {
      detail::lock_spinning(m_);
      std::lock_guard<weft::mutex> g(m_, std::adopt_lock);
      retired = std::move(retired_);
      if (state_.load() != run_state::running) {
        ++counters_.rejected;
        return admit::shut_down;
      }
      if (has_room()) {
        push_locked(std::move(task));
        spawn = growth_locked(false);
      } else if (try_only || overflow_ == overflow_policy::reject) {
        ++counters_.rejected;
        return admit::full;
      } else if (overflow_ == overflow_policy::caller_runs) {
        task->set_id(++next_id_);
        ++counters_.ran_on_caller;
        run_here = std::move(task);
      } else if (overflow_ == overflow_policy::drop_oldest) {
        victim = std::move(queue_.get_mut().front());
        queue_.get_mut().pop_front();
        ++counters_.dropped;
        push_locked(std::move(task));
      } else {
        blocked = std::move(task);
      }
    }
    retired.clear();
    if (victim != nullptr) {
      victim->cancel();
      return admit::queued;
    }
    if (run_here != nullptr) {
      run_here->execute(counter{this});
      return admit::ran_here;
    }
    if (blocked != nullptr) {
      return block_for_room(blocked, ctx);
    }
    start_reserved(spawn);
    return admit::queued;
  }

  // The block policy: wait in FIFO order for room (or the context, or shutdown).
  admit block_for_room(const std::shared_ptr<detail::task_base>& task, const weft::context* ctx) {
    submit_request r{task, false};
    if (!detail::wait_granted(*this, r, ctx, nullptr)) {
      task->cancel();  // ctx is done: the task was never accepted
      std::lock_guard<weft::mutex> g(m_);
      ++counters_.cancelled;
      return admit::cancelled;
    }
    if (r.shut_down) {
      return admit::shut_down;
    }
    std::size_t spawn = 0;
    {
      std::lock_guard<weft::mutex> g(m_);
      if (state_.load() == run_state::running) {
        spawn = growth_locked(false);
      }
    }
    start_reserved(spawn);
    return admit::queued;
  }

  // m_ held.
  bool has_room() { return queue_.get().size() < capacity_ && !blocked_.has_live(); }

  // m_ held.
  void push_locked(std::shared_ptr<detail::task_base> task) {
    task->set_id(++next_id_);
    queue_.get_mut().push_back(std::move(task));
    ++counters_.submitted;
    if (idle_ > 0) {
      work_cv_.notify_one();
    }
  }

  // m_ held.
  std::vector<std::shared_ptr<detail::task_base>> take_queue() {
    auto& q = queue_.get_mut();
    std::vector<std::shared_ptr<detail::task_base>> out(std::make_move_iterator(q.begin()),
                                                        std::make_move_iterator(q.end()));
    q.clear();
    return out;
  }

  // ---- the grant protocol for blocked submitters (detail/grant_queue.hpp); m_ held ----
  struct submit_request {
    std::shared_ptr<detail::task_base> task;
    bool shut_down;  // refused: the pool shut down while it waited
  };
  weft::mutex& grant_mutex() noexcept { return m_; }
  detail::grant_queue& waiters() noexcept { return blocked_; }
  bool grant_ready(submit_request&) { return state_.load() != run_state::running || has_room(); }
  bool try_grant(submit_request& r) {
    if (!grant_ready(r)) {
      return false;
    }
    admit_blocked(r);
    return true;
  }
  void dispatch(detail::wake_list& wake) {
    while (detail::wait_node* n = blocked_.front()) {
      if (state_.load() == run_state::running && queue_.get().size() >= capacity_) {
        break;
      }
      if (blocked_.claim(n)) {
        admit_blocked(*static_cast<submit_request*>(n->slot));
        wake.add(n);
      }
    }
  }
  void admit_blocked(submit_request& r) {
    if (state_.load() != run_state::running) {
      r.shut_down = true;
      ++counters_.rejected;
      return;
    }
    push_locked(std::move(r.task));
  }

  // ---- workers ----

  // How many workers to start now; reserves them (workers_, installing_). m_ held.
  // Grows while more tasks wait than idle workers can take, up to max_; with
  // `to_minimum`, also up to min_.
  std::size_t growth_locked(bool to_minimum) {
    std::size_t want = 0;
    if (to_minimum && workers_ < min_) {
      want = min_ - workers_;
    }
    const std::size_t waiting = queue_.get().size();
    while (workers_ + want < max_ && waiting > idle_ + want) {
      ++want;
    }
    workers_ += want;
    installing_ += want;
    if (workers_ > peak_) {
      peak_ = workers_;
    }
    return want;
  }

  void start_workers(std::size_t n) {
    {
      std::lock_guard<weft::mutex> g(m_);
      workers_ += n;
      installing_ += n;
      if (workers_ > peak_) {
        peak_ = workers_;
      }
    }
    start_reserved(n);
  }

  // Starts n reserved workers. If a thread cannot be started, gives its reservation
  // back; rethrows only if that leaves the pool without any worker for queued tasks.
  void start_reserved(std::size_t n) {
    if (n == 0) {
      return;
    }
    reap();
    std::exception_ptr failure;
    for (std::size_t i = 0; i < n; ++i) {
      worker_iter it;
      {
        std::lock_guard<weft::mutex> g(m_);
        it = workers_list_.emplace(workers_list_.end());
      }
      weft::thread t;
      bool started = true;
      try {
        t = weft::thread([this, it] { worker_main(it); });
      } catch (...) {
        failure = std::current_exception();
        started = false;
      }
      std::lock_guard<weft::mutex> g(m_);
      --installing_;
      if (started) {
        it->thread = std::move(t);
        it->installed = true;
      } else {
        workers_list_.erase(it);
        --workers_;
      }
      if (workers_ == 0 && installing_ == 0) {
        exit_cv_.notify_all();
      }
    }
    if (failure == nullptr) {
      return;
    }
    {
      std::lock_guard<weft::mutex> g(m_);
      if (workers_ > 0 || queue_.get().empty()) {
        return;  // the pool just did not grow; queued tasks still have workers
      }
    }
    std::rethrow_exception(failure);
  }

  // One critical section per task in steady state: count the task just run, retire the
  // one before it (its reference goes to the next submitter, see retired_), take the
  // next, admit a blocked submitter; then, outside the lock, publish the previous task's
  // outcome (so the stats have counted it first) and run the next one.
  void worker_main(worker_iter self) {
    detail::lock_spinning(m_);
    std::unique_lock<weft::mutex> lk(m_, std::adopt_lock);
    self->tid = weft::this_thread::get_id();
    self->started = true;
    std::shared_ptr<detail::task_base> ran;  // run and counted, not yet published
    while (wait_for_task(lk, ran)) {
      std::shared_ptr<detail::task_base> task = std::move(queue_.get_mut().front());
      queue_.get_mut().pop_front();
      ++active_;
      detail::wake_list wake;
      dispatch(wake);                 // a slot is free: admit the first blocked submitter
      detail::retired_chain surplus;  // too many retired tasks and no submitter took them
      if (retired_.size() >= kMaxRetired) {
        surplus = std::move(retired_);
      }
      lk.unlock();
      wake.wake_all();
      surplus.clear();
      if (ran != nullptr) {
        ran->publish();
      }
      const auto outcome = task->run();
      detail::lock_spinning(m_);
      lk = std::unique_lock<weft::mutex>(m_, std::adopt_lock);
      if (ran != nullptr) {
        retired_.push(std::move(ran));
      }
      ran = std::move(task);
      --active_;
      count_locked(outcome);
    }
    --workers_;
    self->exited = true;
    if (workers_ == 0 && installing_ == 0) {
      exit_cv_.notify_all();
    }
    // A worker leaving after resize() may have just retired a task while the others
    // sleep: it frees the list, so a pool that goes idle this way keeps none either.
    detail::retired_chain leftovers = std::move(retired_);
    lk.unlock();
    leftovers.clear();
    publish(ran);  // before the thread ends: shutdown() joins it, so it sees this
  }

  static void publish(std::shared_ptr<detail::task_base>& ran) noexcept {
    if (ran != nullptr) {
      ran->publish();
      ran.reset();  // the task's state may die here, outside the lock
    }
  }

  // Waits until a task is queued (true) or this worker should exit (false). m_ held.
  // Never sleeps on an unpublished outcome: it publishes `ran` first.
  bool wait_for_task(std::unique_lock<weft::mutex>& lk, std::shared_ptr<detail::task_base>& ran) {
    std::optional<weft::clock::time_point> idle_deadline;
    for (;;) {
      if (workers_ > max_) {
        return false;  // resized down: surplus workers leave
      }
      if (!queue_.get().empty()) {
        return true;
      }
      if (ran != nullptr || !retired_.empty()) {
        detail::retired_chain idle_frees = std::move(retired_);  // nobody submits: free them here
        lk.unlock();
        publish(ran);
        idle_frees.clear();
        lk.lock();
        continue;
      }
      if (state_.load() != run_state::running) {
        return false;  // drained (shutdown) or stopped (shutdown_now)
      }
      const bool may_retire = workers_ > min_ && idle_timeout_ > weft::clock::duration::zero();
      ++idle_;
      if (!may_retire) {
        work_cv_.wait(lk);
        --idle_;
        continue;
      }
      if (!idle_deadline) {
        idle_deadline = detail::deadline_after(idle_timeout_);
      }
      const bool timed_out = work_cv_.wait_until(lk, *idle_deadline) == std::cv_status::timeout;
      --idle_;
      if (timed_out && queue_.get().empty() && workers_ > min_ &&
          state_.load() == run_state::running) {
        return false;  // idle too long: retire
      }
    }
  }

  // Counts a task run outside a worker (caller_runs, orphans at shutdown).
  struct counter {
    worker_pool* pool;
    void operator()(detail::task_base::outcome o) const {
      std::lock_guard<weft::mutex> g(pool->m_);
      pool->count_locked(o);
    }
  };
  void count_locked(detail::task_base::outcome o) {
    switch (o) {
      case detail::task_base::outcome::succeeded:
        ++counters_.completed;
        break;
      case detail::task_base::outcome::failed:
        ++counters_.completed;
        ++counters_.failed;
        break;
      case detail::task_base::outcome::cancelled:
        ++counters_.cancelled;
        break;
    }
  }

  bool called_from_worker() const {
    const std::uint64_t me = weft::this_thread::get_id();
    std::lock_guard<weft::mutex> g(m_);
    for (const worker& w : workers_list_) {
      if (w.started && w.tid == me && !w.exited) {
        return true;
      }
    }
    return false;
  }

  // Joins the workers that have exited.
  void reap() {
    std::list<worker> done;
    {
      std::lock_guard<weft::mutex> g(m_);
      for (auto it = workers_list_.begin(); it != workers_list_.end();) {
        auto next = std::next(it);
        if (it->exited && it->installed) {
          done.splice(done.end(), workers_list_, it);
        }
        it = next;
      }
    }
    for (worker& w : done) {
      w.thread.join();
    }
  }

  // Waits until every worker has exited, then joins them all.
  void wait_terminated() {
    {
      std::unique_lock<weft::mutex> lk(m_);
      exit_cv_.wait(lk, [&] { return workers_ == 0 && installing_ == 0; });
    }
    reap();
  }

  const std::string name_;
  const std::size_t capacity_;
  const overflow_policy overflow_;
  const weft::clock::duration idle_timeout_;
  const std::pair<weft::context, cancel_func> ctx_;

  mutable weft::mutex m_;
  weft::condition_variable work_cv_;  // idle workers wait here for tasks        [m_]
  weft::condition_variable exit_cv_;  // shutdown waits here for workers to exit [m_]
  weft::var<std::deque<std::shared_ptr<detail::task_base>>> queue_;  // FIFO, <= capacity_ [m_]
  detail::grant_queue blocked_;  // submitters waiting for room (block policy)  [m_]
  weft::var<run_state> state_{run_state::running};  // running -> draining -> stopped [m_]
  // Worker accounting, all [m_]. workers_ counts threads reserved (being started) or
  // running their loop; installing_ those still being started; min_ <= workers_ <= max_
  // except transiently after resize() or while a pool of min 0 grows.
  std::size_t min_ = 0, max_ = 1;
  std::size_t workers_ = 0, installing_ = 0, idle_ = 0, active_ = 0, peak_ = 0;
  // Tasks run and published, whose references the next submitter drops (retired_chain:
  // freed on the allocating thread). At most kMaxRetired; a worker that finds the queue
  // empty drops them itself, so an idle pool holds none.
  static constexpr std::size_t kMaxRetired = 256;
  detail::retired_chain retired_;   // [m_]
  std::list<worker> workers_list_;  // [m_]; a worker's node is stable while it runs
  std::uint64_t next_id_ = 0;       // [m_]
  worker_pool_stats counters_;      // the monotonic counters                     [m_]
};

}  // namespace weft
