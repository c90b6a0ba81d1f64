// Stress suite of weft's limits and pools: weighted_semaphore, rate_limiter,
// worker_pool, resource_pool, errgroup. Real threads, injected delays.
//
// Each component promises a bound and an accounting, which a round checks while the
// threads run and after they are joined: a semaphore never grants more permits than it
// has and loses none (also when acquires time out or their context is cancelled); a
// rate limiter never admits more than its bucket allows; a
// worker pool runs every accepted task exactly once and no rejected one, also when
// shutdown races the submitters; a resource pool never lends one resource twice or has
// more than max_size, and gets everything back; an errgroup reports the first failure,
// cancels its context for the others and ends all of them.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "stress_suite.hpp"
#include "weft/context.hpp"
#include "weft/errgroup.hpp"
#include "weft/rate_limiter.hpp"
#include "weft/resource_pool.hpp"
#include "weft/semaphore.hpp"
#include "weft/stress.hpp"
#include "weft/sync.hpp"
#include "weft/worker_pool.hpp"

namespace {

using namespace std::chrono_literals;
using weft::model::choose;
using weft::stress_suite::budget;
using weft::stress_suite::cancel_soon;
using weft::stress_suite::expect_clean;
using weft::stress_suite::passed;
using weft::stress_suite::unwind_if_failed;

// Four threads take 1-3 of 4 permits with every form — blocking, try, timed (0-200 us),
// with a context that another thread cancels mid-round — hold them across a facade
// operation and give them back. The permits in use never exceed the size, and at the
// end all are free: a failed acquire took nothing.
TEST(PoolsStress, SemaphoreNeverOversubscribesOrLeaks) {
  constexpr std::int64_t kSize = 4;
  constexpr int kThreads = 4;
  constexpr int kOpsPerThread = 12;
  const auto report = weft::stress::run(budget("semaphore", 150), [] {
    weft::weighted_semaphore sem(kSize);
    weft::atomic<std::int64_t> in_use{0};
    auto [ctx, cancel] = weft::with_cancel(weft::background());
    std::vector<weft::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&sem, &in_use, ctx = ctx] {
        for (int i = 0; i < kOpsPerThread; ++i) {
          const auto n = static_cast<std::int64_t>(1 + choose(3));
          bool got = false;
          switch (choose(4)) {
            case 0:
              sem.acquire(n);
              got = true;
              break;
            case 1:
              got = sem.try_acquire(n);
              break;
            case 2:
              got = sem.acquire_for(n, std::chrono::microseconds(choose(3) * 100));
              break;
            default:
              got = sem.acquire(n, ctx);
              break;
          }
          if (!got) continue;
          const std::int64_t now = in_use.fetch_add(n) + n;
          WEFT_ASSERT(now <= kSize);
          weft::this_thread::yield();  // hold the permits for a moment
          in_use.fetch_sub(n);
          sem.release(n);
        }
      });
    }
    weft::thread canceller = cancel_soon(cancel);
    for (auto& t : threads) {
      t.join();
    }
    canceller.join();
    unwind_if_failed();
    WEFT_ASSERT(sem.available() == kSize);
    WEFT_ASSERT(sem.waiting() == 0);
  });
  EXPECT_TRUE(passed(report));
}

// Two submitters race shutdown() on a pool of 2 workers with a queue of 4, under the
// block, reject or caller_runs policy, with submit and try_submit mixed. Every task that
// was accepted (submit returned, try_submit gave a handle) runs exactly once and its
// handle yields its value; every refused task never runs.
TEST(PoolsStress, WorkerPoolRunsEveryAcceptedTaskOnce) {
  constexpr int kSubmitters = 2;
  constexpr int kTasksPerSubmitter = 10;
  constexpr int kTasks = kSubmitters * kTasksPerSubmitter;
  const auto report = weft::stress::run(budget("worker_pool", 120), [] {
    static constexpr weft::overflow_policy kPolicies[] = {weft::overflow_policy::block,
                                                          weft::overflow_policy::reject,
                                                          weft::overflow_policy::caller_runs};
    std::vector<weft::atomic<int>> runs(kTasks);
    std::vector<std::optional<weft::task_handle<int>>> handles(kTasks);
    {
      weft::worker_pool pool({.name = "stress",
                              .min_workers = 1,
                              .max_workers = 2,
                              .queue_capacity = 4,
                              .overflow = kPolicies[choose(3)]});
      std::vector<weft::thread> submitters;
      submitters.reserve(kSubmitters);
      for (int s = 0; s < kSubmitters; ++s) {
        submitters.emplace_back([&pool, &runs, &handles, s] {
          for (int i = s * kTasksPerSubmitter; i < (s + 1) * kTasksPerSubmitter; ++i) {
            auto task = [&runs, i] {
              runs[i].fetch_add(1);
              return i;
            };
            try {
              if (choose(3) == 0) {
                handles[i] = pool.try_submit(task);  // nullopt: refused, never runs
              } else {
                handles[i] = pool.submit(task);
              }
            } catch (const weft::task_rejected&) {
              // refused (queue full under `reject`, or shut down): never runs
            }
          }
        });
      }
      for (std::size_t i = choose(30); i > 0; --i) {
        weft::this_thread::yield();
      }
      pool.shutdown();  // races the submitters; later submits are refused
      for (auto& t : submitters) {
        t.join();
      }
      pool.shutdown();  // idempotent; everything accepted has run now
    }
    unwind_if_failed();
    for (int i = 0; i < kTasks; ++i) {
      const int want = handles[i].has_value() ? 1 : 0;
      if (runs[i].load() != want) {
        expect_clean("task " + std::to_string(i) + " ran " + std::to_string(runs[i].load()) +
                     " time(s); accepted: " + (want == 1 ? "yes" : "no"));
        return;
      }
      if (handles[i]) WEFT_ASSERT(handles[i]->get() == i);
    }
  });
  EXPECT_TRUE(passed(report));
}

// A resource: counts how often it is lent out at the same time (must stay 0 or 1).
struct resource {
  int id = 0;
  std::shared_ptr<weft::atomic<int>> holders = std::make_shared<weft::atomic<int>>(0);
};

// Four threads lease from a pool of 2 with every acquire form, sometimes discarding the
// resource, while a context is cancelled mid-round. No resource is held by two threads
// at once, no more than max_size exist, and at the end every lease is back.
TEST(PoolsStress, ResourcePoolLendsEachResourceToOneHolder) {
  constexpr int kThreads = 4;
  constexpr int kOpsPerThread = 10;
  constexpr std::size_t kMax = 2;
  const auto report = weft::stress::run(budget("resource_pool", 150), [] {
    weft::atomic<int> created{0};
    weft::atomic<int> destroyed{0};
    weft::atomic<int> alive{0};
    auto [ctx, cancel] = weft::with_cancel(weft::background());
    {
      weft::resource_pool<resource> pool(
          [&created, &alive] {
            WEFT_ASSERT(alive.fetch_add(1) + 1 <= static_cast<int>(kMax));
            return resource{created.fetch_add(1)};
          },
          {.name = "stress", .max_size = kMax},
          [&destroyed, &alive](resource&) {
            destroyed.fetch_add(1);
            alive.fetch_sub(1);
          });
      std::vector<weft::thread> threads;
      threads.reserve(kThreads);
      for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&pool, ctx = ctx] {
          for (int i = 0; i < kOpsPerThread; ++i) {
            weft::resource_pool<resource>::lease l;
            switch (choose(4)) {
              case 0:
                l = pool.acquire();
                break;
              case 1:
                l = pool.try_acquire();
                break;
              case 2:
                l = pool.acquire_for(std::chrono::microseconds(choose(3) * 100));
                break;
              default:
                l = pool.acquire(ctx);
                break;
            }
            if (!l) continue;
            WEFT_ASSERT(l->holders->fetch_add(1) == 0);  // nobody else holds it
            weft::this_thread::yield();
            l->holders->fetch_sub(1);
            if (choose(5) == 0) l.discard();  // broken: destroyed, slot freed
          }
        });
      }
      weft::thread canceller = cancel_soon(cancel);
      for (auto& t : threads) {
        t.join();
      }
      canceller.join();
      unwind_if_failed();
      const weft::resource_pool_stats st = pool.stats();
      WEFT_ASSERT(st.in_use == 0 && st.waiting == 0 && st.total <= kMax);
      WEFT_ASSERT(st.total == st.idle);
    }  // ~resource_pool destroys the idle ones
    WEFT_ASSERT(alive.load() == 0);
    WEFT_ASSERT(created.load() == destroyed.load());
  });
  EXPECT_TRUE(passed(report));
}

// Three threads take tokens from a limiter (one per 20 us, bursts of 4) with allow(),
// wait(), wait(ctx) with a context cancelled mid-round, and reservations that are
// cancelled or waited out. Each admitted event is stamped after its admission, so the
// k-th stamp is no earlier than the k-th admission: k <= burst + (stamp - start) /
// interval must hold for every k, whatever the scheduling.
TEST(PoolsStress, RateLimiterNeverAdmitsMoreThanTheBucketAllows) {
  constexpr int kThreads = 3;
  constexpr int kOpsPerThread = 12;
  constexpr std::int64_t kBurst = 4;
  static constexpr auto kInterval = std::chrono::microseconds(20);
  const auto report = weft::stress::run(budget("rate_limiter", 100), [] {
    const auto start = weft::clock::now();  // before construction: a looser bound
    weft::rate_limiter limiter(kInterval, kBurst);
    auto [ctx, cancel] = weft::with_cancel(weft::background());
    std::vector<std::vector<weft::clock::time_point>> stamps(kThreads);
    std::vector<weft::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&limiter, &stamps, t, ctx = ctx] {
        for (int i = 0; i < kOpsPerThread; ++i) {
          bool admitted = false;
          switch (choose(4)) {
            case 0:
              admitted = limiter.allow();
              break;
            case 1:
              admitted = limiter.wait();
              break;
            case 2:
              admitted = limiter.wait(ctx);
              break;
            default: {
              auto r = limiter.reserve();
              WEFT_ASSERT(r.ok());
              if (choose(2) == 0) {
                r.cancel();
              } else {
                weft::this_thread::sleep_for(r.delay());
                admitted = true;
              }
              break;
            }
          }
          if (admitted) stamps[t].push_back(weft::clock::now());
        }
      });
    }
    weft::thread canceller = cancel_soon(cancel, 40);
    for (auto& th : threads) {
      th.join();
    }
    canceller.join();
    unwind_if_failed();
    std::vector<weft::clock::time_point> all;
    for (const auto& v : stamps) {
      all.insert(all.end(), v.begin(), v.end());
    }
    std::sort(all.begin(), all.end());
    for (std::size_t k = 1; k <= all.size(); ++k) {
      const auto allowed = kBurst + (all[k - 1] - start) / kInterval;
      if (static_cast<std::int64_t>(k) > allowed) {
        expect_clean(std::to_string(k) + " events admitted by " +
                     std::to_string((all[k - 1] - start) / std::chrono::microseconds(1)) +
                     " us; the bucket allows " + std::to_string(allowed));
        return;
      }
    }
  });
  EXPECT_TRUE(passed(report));
}

// Subtasks of an errgroup (limit 2 or unlimited): at least one fails — by throwing or
// by returning an error code — while the others wait for the group's context. wait()
// reports a failure, the context is cancelled, and every subtask has ended.
TEST(PoolsStress, ErrgroupReportsAFailureAndCancelsTheRest) {
  constexpr int kTasks = 5;
  const auto report = weft::stress::run(budget("errgroup", 150), [] {
    std::vector<std::size_t> kinds(kTasks);  // 0: throws, 1: error code, 2, 3: waits
    for (auto& k : kinds) {
      k = choose(4);
    }
    // With a limit of 2, go() blocks while two waiting tasks run, so a failure must be
    // among the first two started, or the group waits forever (as Go's would).
    const bool limited = choose(2) == 0;
    kinds[choose(limited ? 2 : kTasks)] = choose(2);  // at least one failure
    weft::atomic<int> ended{0};
    weft::errgroup g;
    if (limited) g.set_limit(2);
    for (int i = 0; i < kTasks; ++i) {
      g.go([&ended, kind = kinds[i], i](const weft::context& c) -> std::error_code {
        struct count_end {
          weft::atomic<int>& n;
          ~count_end() { n.fetch_add(1); }
        } end{ended};
        if (kind == 0) throw std::runtime_error("task " + std::to_string(i) + " failed");
        if (kind == 1) return std::make_error_code(std::errc::io_error);
        while (!c.wait_for(200us)) {  // until a failure cancels the group's context
        }
        return {};
      });
    }
    bool failed = false;
    try {
      failed = static_cast<bool>(g.wait());
    } catch (const std::runtime_error&) {
      failed = true;
    }
    unwind_if_failed();
    WEFT_ASSERT(failed);
    WEFT_ASSERT(g.context().err() == weft::context_errc::cancelled);
    WEFT_ASSERT(ended.load() == kTasks);
  });
  EXPECT_TRUE(passed(report));
}

}  // namespace
