// Model-checking scenarios of weft::worker_pool, written against the small pool
// interface below so that each also runs on a deliberately broken pool (a mutant) that it
// must catch:
//
//   Pool(min, max, capacity, block)   block: the block policy, else reject
//   submit(f)            throws weft::task_rejected when refused
//   shutdown()           stop accepting, drain, join
//   shutdown_now()       -> std::vector<std::function<void()>>: the unstarted tasks
//   resize(min, max)     workers()
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "model_scenarios.hpp"
#include "scenario_driver.hpp"
#include "weft/errors.hpp"
#include "weft/sync.hpp"
#include "weft/worker_pool.hpp"

namespace weft::scenarios {

// weft::worker_pool behind the scenario interface.
class weft_pool {
 public:
  weft_pool(std::size_t min, std::size_t max, std::size_t capacity, bool block)
      : pool_(options(min, max, capacity, block)) {}

  void submit(std::function<void()> f) { (void)pool_.submit(std::move(f)); }
  void shutdown() { pool_.shutdown(); }
  std::vector<std::function<void()>> shutdown_now() {
    std::vector<std::function<void()>> out;
    for (auto& p : pool_.shutdown_now()) {
      auto shared = std::make_shared<weft::pending_task>(std::move(p));
      out.emplace_back([shared] { (*shared)(); });
    }
    return out;
  }
  void resize(std::size_t min, std::size_t max) { pool_.resize(min, max); }
  std::size_t workers() const { return pool_.stats().workers; }

 private:
  static weft::worker_pool_options options(std::size_t min, std::size_t max, std::size_t capacity,
                                           bool block) {
    weft::worker_pool_options o;
    o.name = "model";
    o.min_workers = min;
    o.max_workers = max;
    o.queue_capacity = capacity;
    o.overflow = block ? weft::overflow_policy::block : weft::overflow_policy::reject;
    o.idle_timeout = std::chrono::milliseconds(1);  // retirement happens within a scenario
    return o;
  }
  weft::worker_pool pool_;
};

// ---------------------------------------------------------------------------------------
// Mutants: a condition-variable pool with one classic bug each.

enum class pool_bug {
  no_drain,          // shutdown() lets the workers quit with tasks still queued
  reject_leaks,      // a rejected task is left in the queue (it runs after all)
  lost_on_stop,      // a worker that sees shutdown_now() after taking a task drops it
  unbounded_growth,  // grows while workers <= max: one worker too many
  join_under_lock,   // shutdown() joins the workers while holding the pool's mutex
};

template <pool_bug Bug>
class mutant_pool {
 public:
  mutant_pool(std::size_t min, std::size_t max, std::size_t capacity, bool block)
      : max_(max), capacity_(capacity), block_(block) {
    std::lock_guard<weft::mutex> g(m_);
    for (std::size_t i = 0; i < min; ++i)
      spawn_locked();
  }
  ~mutant_pool() { shutdown(); }

  void submit(std::function<void()> f) {
    std::unique_lock<weft::mutex> lk(m_);
    if (block_) {
      room_.wait(lk, [&] { return q_.get().size() < capacity_ || stopping_; });
    }
    if (stopping_) throw weft::task_rejected(weft::reject_reason::shut_down);
    if (q_.get().size() >= capacity_) {
      if constexpr (Bug == pool_bug::reject_leaks) q_.get_mut().push_back(std::move(f));  // BUG
      throw weft::task_rejected(weft::reject_reason::queue_full);
    }
    q_.get_mut().push_back(std::move(f));
    const bool grow = Bug == pool_bug::unbounded_growth ? workers_ <= max_ : workers_ < max_;
    if (q_.get().size() > idle_ && grow) spawn_locked();  // BUG (unbounded_growth): <=
    work_.notify_one();
  }

  void shutdown() {
    std::vector<weft::thread> ts;
    {
      std::unique_lock<weft::mutex> lk(m_);
      stopping_ = true;
      work_.notify_all();
      room_.notify_all();
      if constexpr (Bug == pool_bug::join_under_lock) {
        for (auto& t : threads_)
          t.join();  // BUG: the workers need m_ to finish
        threads_.clear();
        return;
      }
      ts = std::move(threads_);
      threads_.clear();
    }
    for (auto& t : ts)
      t.join();
  }

  std::vector<std::function<void()>> shutdown_now() {
    std::vector<std::function<void()>> out;
    {
      std::lock_guard<weft::mutex> g(m_);
      stopping_ = stopped_now_ = true;
      out.assign(q_.get().begin(), q_.get().end());
      q_.get_mut().clear();
    }
    shutdown();
    return out;
  }

  void resize(std::size_t, std::size_t) {}

  std::size_t workers() const {
    std::lock_guard<weft::mutex> g(m_);
    return workers_;
  }

 private:
  void spawn_locked() {
    ++workers_;
    threads_.emplace_back([this] { work(); });
  }

  void work() {
    std::unique_lock<weft::mutex> lk(m_);
    for (;;) {
      ++idle_;
      work_.wait(lk, [&] { return !q_.get().empty() || stopping_; });
      --idle_;
      if (q_.get().empty()) break;
      if constexpr (Bug == pool_bug::no_drain) {
        if (stopping_) break;  // BUG: queued tasks were accepted and must still run
      }
      std::function<void()> f = std::move(q_.get_mut().front());
      q_.get_mut().pop_front();
      room_.notify_one();
      lk.unlock();
      if constexpr (Bug == pool_bug::lost_on_stop) {
        lk.lock();
        if (stopped_now_) continue;  // BUG: neither run nor returned by shutdown_now
        lk.unlock();
      }
      f();
      lk.lock();
    }
    --workers_;
  }

  const std::size_t max_, capacity_;
  const bool block_;
  mutable weft::mutex m_;
  weft::condition_variable work_, room_;
  weft::var<std::deque<std::function<void()>>> q_;
  bool stopping_ = false, stopped_now_ = false;  // [m_]
  std::size_t workers_ = 0, idle_ = 0;           // [m_]
  std::vector<weft::thread> threads_;            // [m_]
};

template <class>
using no_drain_pool = mutant_pool<pool_bug::no_drain>;
template <class>
using leaky_reject_pool = mutant_pool<pool_bug::reject_leaks>;
template <class>
using lossy_stop_pool = mutant_pool<pool_bug::lost_on_stop>;
template <class>
using overgrowing_pool = mutant_pool<pool_bug::unbounded_growth>;
template <class>
using join_under_lock_pool = mutant_pool<pool_bug::join_under_lock>;

// ---------------------------------------------------------------------------------------
// Scenarios

// Two threads submit two tasks each to one worker with a queue of one (reject policy),
// then the pool shuts down: every accepted task ran exactly once, every rejected one never
// (and shutdown ran what was queued before returning).
template <class Pool>
void pool_accepted_once_rejected_never() {
  std::array<weft::atomic<int>, 4> runs{};
  std::array<bool, 4> accepted{};
  Pool pool(1, 1, 1, false);
  auto try_one = [&](int i) {
    try {
      pool.submit([&runs, i] { runs[i].fetch_add(1); });
      accepted[i] = true;
    } catch (const weft::task_rejected&) {
      accepted[i] = false;
    }
  };
  weft::thread t([&] {
    try_one(0);
    try_one(1);
  });
  try_one(2);
  try_one(3);
  t.join();
  pool.shutdown();
  for (int i = 0; i < 4; ++i)
    WEFT_ASSERT(runs[i].load() == (accepted[i] ? 1 : 0));
}

// Three tasks queued for one worker, then shutdown_now() while the worker runs: the tasks
// it returns had not started, and with them run by the caller every task ran exactly once.
template <class Pool>
void pool_shutdown_now_returns_the_unstarted() {
  std::array<weft::atomic<int>, 3> runs{};
  Pool pool(1, 1, 3, false);
  for (int i = 0; i < 3; ++i)
    pool.submit([&runs, i] { runs[i].fetch_add(1); });
  auto pending = pool.shutdown_now();  // the running task, if any, has returned
  int started = 0;
  for (auto& r : runs)
    started += r.load();
  WEFT_ASSERT(started + static_cast<int>(pending.size()) == 3);
  for (auto& f : pending)
    f();
  for (auto& r : runs)
    WEFT_ASSERT(r.load() == 1);
}

// A pool of 1..2 workers under two submitting threads; every task and the submitters look
// at the worker count, which stays within [1, 2] — also after idle workers retire
// (virtual time) and the pool grows again.
template <class Pool>
void pool_workers_within_bounds() {
  Pool pool(1, 2, 4, true);
  weft::atomic<int> ran{0};
  auto in_bounds = [&] {
    const std::size_t w = pool.workers();
    WEFT_ASSERT(w >= 1 && w <= 2);
  };
  auto task = [&] {
    in_bounds();
    ran.fetch_add(1);
  };
  weft::thread t([&] {
    pool.submit(task);
    pool.submit(task);
    in_bounds();
  });
  pool.submit(task);
  in_bounds();
  weft::this_thread::sleep_for(std::chrono::milliseconds(5));  // idle workers may retire
  in_bounds();
  pool.submit(task);
  t.join();
  pool.shutdown();
  WEFT_ASSERT(ran.load() == 4);
}

// Submitters blocked on a full queue, a resize and a shutdown, all at once: nothing
// deadlocks, blocked submitters are refused by the shutdown, accepted tasks run once.
template <class Pool>
void pool_submit_resize_shutdown() {
  std::array<weft::atomic<int>, 3> runs{};
  std::array<bool, 3> accepted{};
  Pool pool(1, 1, 1, true);
  weft::thread submitter([&] {
    for (int i = 0; i < 3; ++i) {
      try {
        pool.submit([&runs, i] { runs[i].fetch_add(1); });
        accepted[i] = true;
      } catch (const weft::task_rejected&) {
        accepted[i] = false;
      }
    }
  });
  weft::thread resizer([&] { pool.resize(1, 2); });
  pool.shutdown();
  submitter.join();
  resizer.join();
  pool.shutdown();  // the submitter may have been accepted after the first one began
  for (int i = 0; i < 3; ++i)
    WEFT_ASSERT(runs[i].load() == (accepted[i] ? 1 : 0));
}

inline std::vector<scenario> worker_pool_scenarios() {
  using weft::model::failure;
  std::vector<scenario> out;
  out.push_back({"worker pool", "accepted tasks run exactly once, rejected never (dfs)",
                 [] { pool_accepted_once_rejected_never<weft_pool>(); }, failure::none,
                 bounded_dfs(bound(2), budget(20000))});
  out.push_back({"worker pool", "accepted tasks run exactly once, rejected never (pct)",
                 [] { pool_accepted_once_rejected_never<weft_pool>(); }, failure::none,
                 pct_search(budget(3000))});
  out.push_back({"worker pool", "shutdown_now returns exactly the unstarted tasks (dfs)",
                 [] { pool_shutdown_now_returns_the_unstarted<weft_pool>(); }, failure::none,
                 bounded_dfs(bound(2), budget(20000))});
  out.push_back({"worker pool", "shutdown_now returns exactly the unstarted tasks (pct)",
                 [] { pool_shutdown_now_returns_the_unstarted<weft_pool>(); }, failure::none,
                 pct_search(budget(3000))});
  out.push_back({"worker pool", "worker count stays within [min, max] (dfs)",
                 [] { pool_workers_within_bounds<weft_pool>(); }, failure::none,
                 bounded_dfs(bound(2), budget(20000))});
  out.push_back({"worker pool", "worker count stays within [min, max] (pct)",
                 [] { pool_workers_within_bounds<weft_pool>(); }, failure::none,
                 pct_search(budget(3000))});
  out.push_back({"worker pool", "submit, resize and shutdown together never deadlock (dfs)",
                 [] { pool_submit_resize_shutdown<weft_pool>(); }, failure::none,
                 bounded_dfs(bound(2), budget(20000))});
  out.push_back({"worker pool", "submit, resize and shutdown together never deadlock (pct)",
                 [] { pool_submit_resize_shutdown<weft_pool>(); }, failure::none,
                 pct_search(budget(3000))});
  out.push_back({"worker pool mutant", "shutdown that does not drain is caught",
                 [] { pool_accepted_once_rejected_never<no_drain_pool<void>>(); },
                 failure::assertion, bounded_dfs(bound(2), budget(20000))});
  out.push_back({"worker pool mutant", "a rejected task that still runs is caught",
                 [] { pool_accepted_once_rejected_never<leaky_reject_pool<void>>(); },
                 failure::assertion, bounded_dfs(bound(2), budget(20000))});
  out.push_back({"worker pool mutant", "a task lost between queue and shutdown_now is caught",
                 [] { pool_shutdown_now_returns_the_unstarted<lossy_stop_pool<void>>(); },
                 failure::assertion, bounded_dfs(bound(2), budget(20000))});
  out.push_back({"worker pool mutant", "growing past max_workers is caught",
                 [] { pool_workers_within_bounds<overgrowing_pool<void>>(); }, failure::assertion,
                 bounded_dfs(bound(2), budget(20000))});
  out.push_back({"worker pool mutant", "joining the workers under the pool's lock is caught",
                 [] { pool_submit_resize_shutdown<join_under_lock_pool<void>>(); },
                 failure::deadlock, bounded_dfs(bound(2), budget(20000))});
  return out;
}

}  // namespace weft::scenarios
