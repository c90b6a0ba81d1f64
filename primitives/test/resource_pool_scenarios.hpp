// Model-checking scenarios of weft::resource_pool<int>, written against the small pool
// interface below so that each also runs on a deliberately broken pool (a mutant) that it
// must catch:
//
//   Pool(factory, destroyer, max_size)
//   acquire() -> lease      throws weft::pool_closed, or what the factory threw
//   close()
//   lease: *l (the resource), l.release(), l.discard(), ends by itself at scope exit
//
// The resources are ids; a probe counts, per id, how many leases hold it right now, and
// how many resources exist (factory returned, destroyer not yet).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <utility>
#include <vector>

#include "model_scenarios.hpp"
#include "scenario_driver.hpp"
#include "weft/errors.hpp"
#include "weft/resource_pool.hpp"
#include "weft/sync.hpp"

namespace weft::scenarios {

// weft::resource_pool<int> behind the scenario interface.
class weft_rpool {
 public:
  using lease = weft::resource_pool<int>::lease;
  weft_rpool(std::function<int()> factory, std::function<void(int&)> destroyer, std::size_t max)
      : pool_(std::move(factory), options(max), std::move(destroyer)) {}
  lease acquire() { return pool_.acquire(); }
  void close() { pool_.close(); }

 private:
  static weft::resource_pool_options options(std::size_t max) {
    weft::resource_pool_options o;
    o.name = "model";
    o.max_size = max;
    return o;
  }
  weft::resource_pool<int> pool_;
};

// ---------------------------------------------------------------------------------------
// Mutants: a condition-variable pool with one classic bug each.

enum class rpool_bug {
  racy_slot,        // checks for a free slot and takes it in two critical sections
  double_release,   // release() does not forget the resource: the lease's end returns it again
  leaky_factory,    // a factory that throws keeps its slot
  leaky_discard,    // discard() destroys the resource but keeps its slot
  close_wakes_one,  // close() wakes one waiter instead of all
};

template <rpool_bug Bug>
class mutant_rpool {
 public:
  class lease {
   public:
    lease(mutant_rpool* p, int id) : p_(p), id_(id) {}
    lease(lease&& o) noexcept : p_(std::exchange(o.p_, nullptr)), id_(o.id_) {}
    lease(const lease&) = delete;
    ~lease() { release(); }
    int operator*() const { return id_; }
    void release() {
      if (p_ == nullptr) return;
      p_->give_back(id_);
      if constexpr (Bug != rpool_bug::double_release) p_ = nullptr;  // BUG when missing
    }
    void discard() {
      if (p_ == nullptr) return;
      std::exchange(p_, nullptr)->discard(id_);
    }

   private:
    mutant_rpool* p_;
    int id_;
  };

  mutant_rpool(std::function<int()> factory, std::function<void(int&)> destroyer, std::size_t max)
      : factory_(std::move(factory)), destroyer_(std::move(destroyer)), max_(max) {}
  ~mutant_rpool() { close(); }

  lease acquire() {
    std::unique_lock<weft::mutex> lk(m_);
    if constexpr (Bug == rpool_bug::racy_slot) {
      cv_.wait(lk, [&] { return closed_ || !idle_.empty() || total_ < max_; });
      if (closed_) throw weft::pool_closed();
      if (!idle_.empty()) return take_idle();
      lk.unlock();
      lk.lock();  // BUG: the free slot seen above may be gone by now
      ++total_;
    } else {
      cv_.wait(lk, [&] { return closed_ || !idle_.empty() || total_ < max_; });
      if (closed_) throw weft::pool_closed();
      if (!idle_.empty()) return take_idle();
      ++total_;
    }
    lk.unlock();
    try {
      return lease(this, factory_());
    } catch (...) {
      if constexpr (Bug != rpool_bug::leaky_factory) {  // BUG when missing
        std::lock_guard<weft::mutex> g(m_);
        --total_;
        cv_.notify_one();
      }
      throw;
    }
  }

  void close() {
    std::deque<int> doomed;
    {
      std::lock_guard<weft::mutex> g(m_);
      closed_ = true;
      doomed.swap(idle_);
      total_ -= doomed.size();
      if constexpr (Bug == rpool_bug::close_wakes_one) {
        cv_.notify_one();  // BUG: every waiter must learn that the pool is closed
      } else {
        cv_.notify_all();
      }
    }
    for (int& id : doomed)
      destroyer_(id);
  }

 private:
  lease take_idle() {
    const int id = idle_.back();
    idle_.pop_back();
    return lease(this, id);
  }

  void give_back(int id) {
    std::lock_guard<weft::mutex> g(m_);
    idle_.push_back(id);
    cv_.notify_one();
  }

  void discard(int id) {
    destroyer_(id);
    std::lock_guard<weft::mutex> g(m_);
    if constexpr (Bug != rpool_bug::leaky_discard) --total_;  // BUG when missing
    cv_.notify_one();
  }

  const std::function<int()> factory_;
  const std::function<void(int&)> destroyer_;
  const std::size_t max_;
  weft::mutex m_;
  weft::condition_variable cv_;
  std::deque<int> idle_;   // [m_]
  std::size_t total_ = 0;  // [m_]
  bool closed_ = false;    // [m_]
};

template <class>
using racy_slot_rpool = mutant_rpool<rpool_bug::racy_slot>;
template <class>
using double_release_rpool = mutant_rpool<rpool_bug::double_release>;
template <class>
using leaky_factory_rpool = mutant_rpool<rpool_bug::leaky_factory>;
template <class>
using leaky_discard_rpool = mutant_rpool<rpool_bug::leaky_discard>;
template <class>
using close_wakes_one_rpool = mutant_rpool<rpool_bug::close_wakes_one>;

// ---------------------------------------------------------------------------------------
// The probe

struct rpool_probe {
  explicit rpool_probe(int max) : max(max) {}
  const int max;
  weft::atomic<int> next_id{0}, live{0};
  std::array<weft::atomic<int>, 16> holders{};
  weft::atomic<int> fail_factory{0};  // the next this-many factory calls throw

  std::function<int()> factory() {
    return [this] {
      if (fail_factory.load() > 0) {
        fail_factory.fetch_sub(1);
        throw std::runtime_error("factory failed");
      }
      WEFT_ASSERT(live.fetch_add(1) + 1 <= max);  // never more than max_size exist
      return next_id.fetch_add(1);
    };
  }
  std::function<void(int&)> destroyer() {
    return [this](int&) { live.fetch_sub(1); };
  }
  void hold(int id) { WEFT_ASSERT(holders[id].fetch_add(1) == 0); }  // one holder at a time
  void unhold(int id) { holders[id].fetch_sub(1); }
};

// ---------------------------------------------------------------------------------------
// Scenarios

// Three threads borrow from a pool of 2, returning explicitly, by scope, or discarding:
// never more than 2 resources exist and no resource is held by two leases at once.
template <class Pool>
void rpool_bounded_and_exclusive() {
  rpool_probe probe(2);
  Pool pool(probe.factory(), probe.destroyer(), 2);
  weft::thread releaser([&] {
    for (int i = 0; i < 2; ++i) {
      auto l = pool.acquire();
      probe.hold(*l);
      probe.unhold(*l);
      l.release();  // and the lease's end must not return it a second time
    }
  });
  weft::thread discarder([&] {
    auto l = pool.acquire();
    probe.hold(*l);
    probe.unhold(*l);
    l.discard();
  });
  for (int i = 0; i < 2; ++i) {
    auto l = pool.acquire();
    probe.hold(*l);
    probe.unhold(*l);
  }
  releaser.join();
  discarder.join();
}

// A pool of 1 whose first factory call throws; a borrower that discards; two more that
// must each still get a resource (neither failure may keep the only slot).
template <class Pool>
void rpool_failures_free_their_slot() {
  rpool_probe probe(1);
  probe.fail_factory.store(1);
  Pool pool(probe.factory(), probe.destroyer(), 1);
  weft::thread failing([&] {
    try {
      auto l = pool.acquire();
      probe.hold(*l);
      probe.unhold(*l);
    } catch (const std::runtime_error&) {
    }
  });
  weft::thread discarder([&] {
    try {
      auto l = pool.acquire();
      l.discard();
    } catch (const std::runtime_error&) {
    }
  });
  failing.join();
  discarder.join();
  for (int i = 0; i < 2; ++i) {
    auto l = pool.acquire();  // blocks forever if a slot leaked
    probe.hold(*l);
    probe.unhold(*l);
  }
}

// Two acquirers wait on an exhausted pool; close() wakes both with pool_closed.
template <class Pool>
void rpool_close_wakes_every_waiter() {
  rpool_probe probe(1);
  Pool pool(probe.factory(), probe.destroyer(), 1);
  weft::atomic<int> refused{0};
  auto held = pool.acquire();
  auto waiter = [&] {
    try {
      auto l = pool.acquire();
      WEFT_ASSERT(false);  // the only resource is held until after close()
    } catch (const weft::pool_closed&) {
      refused.fetch_add(1);
    }
  };
  weft::thread a(waiter), b(waiter);
  weft::this_thread::sleep_for(std::chrono::milliseconds(1));  // both are waiting
  pool.close();
  a.join();
  b.join();
  WEFT_ASSERT(refused.load() == 2);
}

inline std::vector<scenario> resource_pool_scenarios() {
  using weft::model::failure;
  std::vector<scenario> out;
  out.push_back({"resource pool", "never more than max_size, never two holders (dfs)",
                 [] { rpool_bounded_and_exclusive<weft_rpool>(); }, failure::none,
                 bounded_dfs(bound(2), budget(20000))});
  out.push_back({"resource pool", "never more than max_size, never two holders (pct)",
                 [] { rpool_bounded_and_exclusive<weft_rpool>(); }, failure::none,
                 pct_search(budget(3000))});
  out.push_back({"resource pool", "discard and factory failures free their slot (dfs)",
                 [] { rpool_failures_free_their_slot<weft_rpool>(); }, failure::none,
                 bounded_dfs(bound(2), budget(20000))});
  out.push_back({"resource pool", "discard and factory failures free their slot (pct)",
                 [] { rpool_failures_free_their_slot<weft_rpool>(); }, failure::none,
                 pct_search(budget(3000))});
  out.push_back({"resource pool", "close wakes every waiter (dfs)",
                 [] { rpool_close_wakes_every_waiter<weft_rpool>(); }, failure::none,
                 bounded_dfs(bound(2), budget(20000))});
  out.push_back({"resource pool", "close wakes every waiter (pct)",
                 [] { rpool_close_wakes_every_waiter<weft_rpool>(); }, failure::none,
                 pct_search(budget(3000))});
  // Three creations must all pass the check before any takes its slot: more preemptions
  // than bound 2 allows, so this one is found by PCT.
  out.push_back({"resource pool mutant", "check-then-take of a slot is caught",
                 [] { rpool_bounded_and_exclusive<racy_slot_rpool<void>>(); }, failure::assertion,
                 pct_search(budget(20000))});
  out.push_back({"resource pool mutant", "a resource returned twice is caught",
                 [] { rpool_bounded_and_exclusive<double_release_rpool<void>>(); },
                 failure::assertion, bounded_dfs(2, budget(20000))});
  out.push_back({"resource pool mutant", "a factory failure that keeps its slot is caught",
                 [] { rpool_failures_free_their_slot<leaky_factory_rpool<void>>(); },
                 failure::deadlock, bounded_dfs(2, budget(20000))});
  out.push_back({"resource pool mutant", "a discard that keeps its slot is caught",
                 [] { rpool_failures_free_their_slot<leaky_discard_rpool<void>>(); },
                 failure::deadlock, bounded_dfs(2, budget(20000))});
  out.push_back({"resource pool mutant", "close that wakes one waiter is caught",
                 [] { rpool_close_wakes_every_waiter<close_wakes_one_rpool<void>>(); },
                 failure::deadlock, bounded_dfs(2, budget(20000))});
  return out;
}

}  // namespace weft::scenarios
