// Model-checking scenarios of weft::errgroup, written against the small group interface
// below so that each also runs on a deliberately broken group (a mutant) it must catch:
//
//   Group()   go(f)   try_go(f) -> bool   set_limit(n)   context()
//   wait()    rethrows the first failure once every subtask has ended
//
// Subtasks are f(const weft::context&).
#pragma once

#include <exception>
#include <functional>
#include <list>
#include <mutex>
#include <utility>
#include <vector>

#include "model_scenarios.hpp"
#include "scenario_driver.hpp"
#include "weft/context.hpp"
#include "weft/errgroup.hpp"
#include "weft/sync.hpp"

namespace weft::scenarios {

// weft::errgroup behind the scenario interface.
class weft_group {
 public:
  template <class F>
  void go(F&& f) {
    g_.go(std::forward<F>(f));
  }
  template <class F>
  bool try_go(F&& f) {
    return g_.try_go(std::forward<F>(f));
  }
  void set_limit(int n) { g_.set_limit(n); }
  const weft::context& context() const { return g_.context(); }
  void wait() { (void)g_.wait(); }

 private:
  weft::errgroup g_;
};

// ---------------------------------------------------------------------------------------
// Mutants: a condition-variable group with one classic bug each.

enum class group_bug {
  last_error_wins,  // every failure overwrites the recorded one
  no_cancel,        // the first failure does not cancel the group's context
  early_return,     // wait() returns as soon as a failure is recorded
  racy_limit,       // go() checks for room and takes it in two critical sections
};

template <group_bug Bug>
class mutant_group {
 public:
  mutant_group() : ctx_(weft::with_cancel(weft::background())) {}
  ~mutant_group() {
    std::vector<weft::thread> ts;
    {
      std::unique_lock<weft::mutex> lk(m_);
      cv_.wait(lk, [&] { return active_ == 0; });
      ts = std::move(threads_);
    }
    for (auto& t : ts)
      t.join();
  }

  template <class F>
  void go(F f) {
    std::unique_lock<weft::mutex> lk(m_);
    cv_.wait(lk, [&] { return limit_ < 0 || active_ < limit_; });
    if constexpr (Bug == group_bug::racy_limit) {
      lk.unlock();
      lk.lock();  // BUG: the room seen above may be gone by now
    }
    start_locked(std::move(f));
  }

  template <class F>
  bool try_go(F f) {
    std::lock_guard<weft::mutex> g(m_);
    if (limit_ >= 0 && active_ >= limit_) return false;
    start_locked(std::move(f));
    return true;
  }

  void set_limit(int n) {
    std::lock_guard<weft::mutex> g(m_);
    limit_ = n;
  }

  const weft::context& context() const { return ctx_.first; }

  void wait() {
    std::unique_lock<weft::mutex> lk(m_);
    cv_.wait(lk, [&] {
      // BUG (early_return): a recorded failure is not the end of the other subtasks
      return active_ == 0 || (Bug == group_bug::early_return && error_ != nullptr);
    });
    if (error_ != nullptr) std::rethrow_exception(error_);
  }

 private:
  template <class F>
  void start_locked(F f) {
    ++active_;
    threads_.emplace_back([this, f = std::move(f)]() mutable {
      try {
        f(ctx_.first);
      } catch (...) {
        {
          std::lock_guard<weft::mutex> g(m_);
          // BUG (last_error_wins): must keep the first
          if (Bug == group_bug::last_error_wins || error_ == nullptr) {
            error_ = std::current_exception();
          }
        }
        if constexpr (Bug != group_bug::no_cancel) ctx_.second();  // BUG when missing
      }
      std::lock_guard<weft::mutex> g(m_);
      --active_;
      cv_.notify_all();
    });
  }

  const std::pair<weft::context, weft::cancel_func> ctx_;
  weft::mutex m_;
  weft::condition_variable cv_;
  int limit_ = -1;                     // [m_]
  int active_ = 0;                     // [m_]
  std::exception_ptr error_;           // [m_]
  std::vector<weft::thread> threads_;  // [m_]
};

template <class>
using last_error_group = mutant_group<group_bug::last_error_wins>;
template <class>
using no_cancel_group = mutant_group<group_bug::no_cancel>;
template <class>
using early_return_group = mutant_group<group_bug::early_return>;
template <class>
using racy_limit_group = mutant_group<group_bug::racy_limit>;

// ---------------------------------------------------------------------------------------
// Scenarios

// What a failing subtask throws: whether it had already seen the group cancelled (then
// an earlier failure was recorded first, and this one must not be the one reported).
struct subtask_failure {
  int who;
  bool after_cancel;
};

// Two subtasks fail independently; a third waits for the group's context. The failure
// wait() reports is one that happened before the cancellation, the waiting subtask is
// woken by the first failure, and wait() returns only after all three have ended.
template <class Group>
void errgroup_first_error_wins() {
  weft::atomic<int> ended{0};
  Group g;
  auto failing = [&ended](int who) {
    return [&ended, who](const weft::context& ctx) {
      const bool after = static_cast<bool>(ctx.err());
      ended.fetch_add(1);
      throw subtask_failure{who, after};
    };
  };
  g.go([&ended](const weft::context& ctx) {
    ctx.wait();  // woken by the first failure (nobody else cancels it)
    ended.fetch_add(1);
  });
  g.go(failing(1));
  g.go(failing(2));
  try {
    g.wait();
    WEFT_ASSERT(false);  // two subtasks failed
  } catch (const subtask_failure& f) {
    WEFT_ASSERT(!f.after_cancel);
  }
  WEFT_ASSERT(ended.load() == 3);
}

// A limit of 2 with four subtasks — one started from inside a running subtask, one
// offered through try_go from another thread: never more than 2 are between their start
// and their end at once.
template <class Group>
void errgroup_limit_never_exceeded() {
  weft::atomic<int> inside{0};
  Group g;
  g.set_limit(2);
  auto body = [&inside](const weft::context&) {
    WEFT_ASSERT(inside.fetch_add(1) + 1 <= 2);
    inside.fetch_sub(1);
  };
  g.go([&](const weft::context&) {
    WEFT_ASSERT(inside.fetch_add(1) + 1 <= 2);
    g.go(body);  // waits for room while this subtask still counts
    inside.fetch_sub(1);
  });
  weft::thread other([&] { (void)g.try_go(body); });
  g.go(body);
  other.join();
  g.wait();
}

inline std::vector<scenario> errgroup_scenarios() {
  using weft::model::failure;
  std::vector<scenario> out;
  out.push_back({"errgroup", "the first error wins and cancels the rest (dfs)",
                 [] { errgroup_first_error_wins<weft_group>(); }, failure::none,
                 bounded_dfs(bound(2), budget(20000))});
  out.push_back({"errgroup", "the first error wins and cancels the rest (pct)",
                 [] { errgroup_first_error_wins<weft_group>(); }, failure::none,
                 pct_search(budget(3000))});
  out.push_back({"errgroup", "the limit is never exceeded (dfs)",
                 [] { errgroup_limit_never_exceeded<weft_group>(); }, failure::none,
                 bounded_dfs(bound(2), budget(20000))});
  out.push_back({"errgroup", "the limit is never exceeded (pct)",
                 [] { errgroup_limit_never_exceeded<weft_group>(); }, failure::none,
                 pct_search(budget(3000))});
  out.push_back({"errgroup mutant", "a later error overwriting the first is caught",
                 [] { errgroup_first_error_wins<last_error_group<void>>(); }, failure::assertion,
                 bounded_dfs(2, budget(20000))});
  out.push_back({"errgroup mutant", "a failure that does not cancel the group is caught",
                 [] { errgroup_first_error_wins<no_cancel_group<void>>(); }, failure::deadlock,
                 bounded_dfs(2, budget(20000))});
  out.push_back({"errgroup mutant", "wait() returning before every subtask ended is caught",
                 [] { errgroup_first_error_wins<early_return_group<void>>(); }, failure::assertion,
                 bounded_dfs(2, budget(20000))});
  out.push_back({"errgroup mutant", "check-then-take of a limit slot is caught",
                 [] { errgroup_limit_never_exceeded<racy_limit_group<void>>(); },
                 failure::assertion, pct_search(budget(20000))});
  return out;
}

}  // namespace weft::scenarios
