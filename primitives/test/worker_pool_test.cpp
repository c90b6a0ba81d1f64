// Unit tests of weft::worker_pool and weft::task_handle: one test per rule of
// weft/worker_pool.hpp and weft/task_handle.hpp. Tasks are held back with gates (a
// shared future the test opens), and orderings are established by observing the pool's
// stats with bounded polls; sizing over time (idle retirement) runs on virtual time.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "scenario_driver.hpp"
#include "test_util.hpp"
#include "weft/context.hpp"
#include "weft/errors.hpp"
#include "weft/semaphore.hpp"
#include "weft/worker_pool.hpp"

namespace {

using namespace std::chrono_literals;
using weft::overflow_policy;
using weft::scenarios::on_virtual_time;
using weft::test::eventually;

// A gate tasks wait on until the test opens it.
struct gate {
  std::promise<void> p;
  std::shared_future<void> f = p.get_future().share();
  auto waiter() {
    return [f = f] { f.wait(); };
  }
  void open() { p.set_value(); }
};

// A task result that counts its live instances, to see when a pool frees results.
std::atomic<int> g_live_results{0};
struct live_result {
  live_result() { ++g_live_results; }
  live_result(const live_result&) { ++g_live_results; }
  live_result(live_result&&) noexcept { ++g_live_results; }
  live_result& operator=(const live_result&) = default;
  live_result& operator=(live_result&&) noexcept = default;
  ~live_result() { --g_live_results; }
};

weft::worker_pool_options opts(std::size_t min, std::size_t max, std::size_t capacity,
                               overflow_policy policy) {
  weft::worker_pool_options o;
  o.name = "test";
  o.min_workers = min;
  o.max_workers = max;
  o.queue_capacity = capacity;
  o.overflow = policy;
  return o;
}

TEST(WorkerPool, RunsTasksAndReturnsTheirResults) {
  weft::worker_pool pool(2);
  std::vector<weft::task_handle<int>> hs;
  hs.reserve(50);
  for (int i = 0; i < 50; ++i) {
    hs.push_back(pool.submit([i] { return i * i; }));
  }
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(hs[i].get(), i * i);
  }
  auto v = pool.submit([] {});
  v.get();
  EXPECT_EQ(pool.stats().completed, 51u);
  EXPECT_EQ(pool.name(), "worker_pool");
}

TEST(WorkerPool, AnExceptionGoesToTheHandleAndTheWorkerSurvives) {
  weft::worker_pool pool(1);
  auto bad = pool.submit([]() -> int { throw std::runtime_error("boom"); });
  EXPECT_THROW(
      {
        try {
          (void)bad.get();
        } catch (const std::runtime_error& e) {
          EXPECT_STREQ(e.what(), "boom");
          throw;
        }
      },
      std::runtime_error);
  EXPECT_EQ(pool.submit([] { return 7; }).get(), 7);  // the same single worker still runs
  const auto s = pool.stats();
  EXPECT_EQ(s.workers, 1u);
  EXPECT_EQ(s.failed, 1u);
  EXPECT_EQ(s.completed, 2u);
}

TEST(WorkerPool, TasksReceiveTheirContext) {
  weft::worker_pool pool(1);
  auto pool_ctx = pool.submit([](const weft::context& c) { return c; }).get();
  EXPECT_TRUE(pool_ctx == pool.context());
  auto [ctx, cancel] = weft::with_cancel(weft::background());
  auto mine = pool.submit(ctx, [](const weft::context& c) { return c; }).get();
  EXPECT_TRUE(mine == ctx);
  cancel();
}

TEST(WorkerPool, QueuedTaskOfACancelledContextDoesNotStart) {
  weft::worker_pool pool(1);
  gate g;
  auto blocker = pool.submit(g.waiter());
  auto [ctx, cancel] = weft::with_cancel(weft::background());
  std::atomic<bool> ran{false};
  auto h = pool.submit(ctx, [&] { ran = true; });
  ASSERT_TRUE(eventually([&] { return pool.stats().queued == 1; }));
  cancel();
  g.open();
  blocker.get();
  EXPECT_THROW(h.get(), weft::task_cancelled);
  EXPECT_FALSE(ran.load());
  EXPECT_EQ(pool.stats().cancelled, 1u);
}

TEST(WorkerPool, SubmitWithADoneContextIsCancelledAtOnce) {
  weft::worker_pool pool(1);
  auto [ctx, cancel] = weft::with_cancel(weft::background());
  cancel();
  std::atomic<bool> ran{false};
  auto h = pool.submit(ctx, [&] { ran = true; });
  EXPECT_TRUE(h.ready());
  EXPECT_THROW(h.get(), weft::task_cancelled);
  EXPECT_FALSE(ran.load());
}

TEST(WorkerPool, RejectPolicyThrowsWhenFullAndTheTaskNeverRuns) {
  weft::worker_pool pool(opts(1, 1, 1, overflow_policy::reject));
  gate g;
  auto running = pool.submit(g.waiter());
  ASSERT_TRUE(eventually([&] { return pool.stats().active == 1; }));
  auto queued = pool.submit([] { return 1; });
  std::atomic<bool> ran{false};
  try {
    (void)pool.submit([&] { ran = true; });
    ADD_FAILURE() << "expected task_rejected";
  } catch (const weft::task_rejected& e) {
    EXPECT_EQ(e.reason(), weft::reject_reason::queue_full);
  }
  EXPECT_FALSE(pool.try_submit([&] { ran = true; }).has_value());
  g.open();
  running.get();
  EXPECT_EQ(queued.get(), 1);
  pool.shutdown();
  EXPECT_FALSE(ran.load());
  EXPECT_EQ(pool.stats().rejected, 2u);
}

TEST(WorkerPool, TrySubmitNeverBlocksOrRunsOnTheCaller) {
  for (auto policy :
       {overflow_policy::block, overflow_policy::caller_runs, overflow_policy::drop_oldest}) {
    weft::worker_pool pool(opts(1, 1, 1, policy));
    gate g;
    auto running = pool.submit(g.waiter());
    ASSERT_TRUE(eventually([&] { return pool.stats().active == 1; }));
    auto queued = pool.try_submit([] { return 2; });
    ASSERT_TRUE(queued.has_value());
    EXPECT_FALSE(pool.try_submit([] { return 3; }).has_value());
    g.open();
    EXPECT_EQ(queued->get(), 2);
  }
}

TEST(WorkerPool, CallerRunsPolicyRunsOnTheSubmittingThread) {
  weft::worker_pool pool(opts(1, 1, 1, overflow_policy::caller_runs));
  gate g;
  auto running = pool.submit(g.waiter());
  ASSERT_TRUE(eventually([&] { return pool.stats().active == 1; }));
  auto queued = pool.submit([] { return std::this_thread::get_id(); });
  auto here = pool.submit([] { return std::this_thread::get_id(); });
  EXPECT_TRUE(here.ready());
  EXPECT_EQ(here.get(), std::this_thread::get_id());
  g.open();
  EXPECT_NE(queued.get(), std::this_thread::get_id());
  EXPECT_EQ(pool.stats().ran_on_caller, 1u);
}

TEST(WorkerPool, DropOldestPolicyCancelsTheOldestQueuedTask) {
  weft::worker_pool pool(opts(1, 1, 2, overflow_policy::drop_oldest));
  gate g;
  auto running = pool.submit(g.waiter());
  ASSERT_TRUE(eventually([&] { return pool.stats().active == 1; }));
  auto first = pool.submit([] { return 1; });
  auto second = pool.submit([] { return 2; });
  auto third = pool.submit([] { return 3; });  // drops `first`
  g.open();
  EXPECT_THROW(first.get(), weft::task_cancelled);
  EXPECT_EQ(second.get(), 2);
  EXPECT_EQ(third.get(), 3);
  EXPECT_EQ(pool.stats().dropped, 1u);
}

TEST(WorkerPool, BlockPolicyWaitsForRoom) {
  weft::worker_pool pool(opts(1, 1, 1, overflow_policy::block));
  gate g;
  auto running = pool.submit(g.waiter());
  ASSERT_TRUE(eventually([&] { return pool.stats().active == 1; }));
  auto queued = pool.submit([] { return 1; });
  std::promise<int> result;
  std::thread submitter([&] { result.set_value(pool.submit([] { return 2; }).get()); });
  ASSERT_TRUE(eventually([&] { return pool.stats().blocked_submitters == 1; }));
  g.open();
  EXPECT_EQ(queued.get(), 1);
  EXPECT_EQ(result.get_future().get(), 2);
  submitter.join();
}

TEST(WorkerPool, BlockedSubmitWithAContextGivesUpWhenItIsDone) {
  weft::worker_pool pool(opts(1, 1, 1, overflow_policy::block));
  gate g;
  auto running = pool.submit(g.waiter());
  ASSERT_TRUE(eventually([&] { return pool.stats().active == 1; }));
  auto queued = pool.submit([] {});
  auto [ctx, cancel] = weft::with_cancel(weft::background());
  std::atomic<bool> ran{false};
  std::thread submitter([&, ctx = ctx] {
    auto h = pool.submit(ctx, [&] { ran = true; });
    EXPECT_THROW(h.get(), weft::task_cancelled);
  });
  ASSERT_TRUE(eventually([&] { return pool.stats().blocked_submitters == 1; }));
  cancel();
  submitter.join();
  g.open();
  pool.shutdown();
  EXPECT_FALSE(ran.load());
  EXPECT_EQ(pool.stats().cancelled, 1u);
}

TEST(WorkerPool, ShutdownDrainsTheQueueThenRejects) {
  weft::worker_pool pool(opts(1, 1, 100, overflow_policy::block));
  std::atomic<int> ran{0};
  gate g;
  auto first = pool.submit(g.waiter());
  for (int i = 0; i < 20; ++i) {
    pool.submit([&] { ++ran; });
  }
  std::thread opener([&] {
    EXPECT_TRUE(eventually([&] { return pool.stats().queued == 20; }));
    g.open();
  });
  pool.shutdown();  // waits for all 20
  opener.join();
  EXPECT_EQ(ran.load(), 20);
  EXPECT_EQ(pool.stats().workers, 0u);
  try {
    pool.submit([] {});
    ADD_FAILURE() << "expected task_rejected";
  } catch (const weft::task_rejected& e) {
    EXPECT_EQ(e.reason(), weft::reject_reason::shut_down);
  }
  EXPECT_FALSE(pool.try_submit([] {}).has_value());
  pool.shutdown();  // idempotent
}

TEST(WorkerPool, ShutdownRefusesBlockedSubmitters) {
  weft::worker_pool pool(opts(1, 1, 1, overflow_policy::block));
  gate g;
  auto running = pool.submit(g.waiter());
  ASSERT_TRUE(eventually([&] { return pool.stats().active == 1; }));
  auto queued = pool.submit([] {});
  std::thread submitter([&] { EXPECT_THROW(pool.submit([] {}), weft::task_rejected); });
  ASSERT_TRUE(eventually([&] { return pool.stats().blocked_submitters == 1; }));
  std::thread closer([&] { pool.shutdown(); });
  submitter.join();  // refused before the queue drains
  g.open();
  closer.join();
  queued.get();
}

TEST(WorkerPool, ShutdownNowReturnsExactlyTheUnstartedTasks) {
  weft::worker_pool pool(opts(1, 1, 10, overflow_policy::block));
  gate g;
  std::atomic<bool> saw_cancel{false};
  auto running = pool.submit([&, f = g.f](const weft::context& c) {
    f.wait();
    saw_cancel = static_cast<bool>(c.err());
  });
  ASSERT_TRUE(eventually([&] { return pool.stats().active == 1; }));
  std::vector<weft::task_handle<int>> queued;
  queued.reserve(3);
  for (int i = 0; i < 3; ++i) {
    queued.push_back(pool.submit([i] { return i; }));
  }
  std::thread opener([&] {
    EXPECT_TRUE(eventually([&] { return pool.context().err() == weft::context_errc::cancelled; }));
    g.open();
  });
  auto pending = pool.shutdown_now();  // waits for `running`
  opener.join();
  running.get();
  EXPECT_TRUE(saw_cancel.load());
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_EQ(pending[0].id(), queued[0].id());
  EXPECT_EQ(pending[2].id(), queued[2].id());
  pending[1]();     // run one here
  pending.clear();  // drop the others
  EXPECT_THROW(queued[0].get(), weft::task_cancelled);
  EXPECT_EQ(queued[1].get(), 1);
  EXPECT_THROW(queued[2].get(), weft::task_cancelled);
  EXPECT_THROW(pool.submit([] {}), weft::task_rejected);
}

TEST(WorkerPool, ShutdownFromAPoolTaskDoesNotDeadlock) {
  weft::worker_pool pool(2);
  auto h = pool.submit([&] { pool.shutdown(); });
  h.get();
  EXPECT_THROW(pool.submit([] {}), weft::task_rejected);
}

TEST(WorkerPool, GrowsOnQueueDepthUpToMax) {
  weft::worker_pool pool(opts(1, 3, 100, overflow_policy::block));
  gate g;
  std::vector<weft::task_handle<void>> hs;
  hs.reserve(6);
  for (int i = 0; i < 6; ++i) {
    hs.push_back(pool.submit(g.waiter()));
  }
  ASSERT_TRUE(eventually([&] { return pool.stats().active == 3; }));
  const auto s = pool.stats();
  EXPECT_EQ(s.workers, 3u);
  EXPECT_EQ(s.peak_workers, 3u);
  EXPECT_EQ(s.queued, 3u);
  g.open();
  for (auto& h : hs) {
    h.get();
  }
}

TEST(WorkerPool, RetiresIdleWorkersAboveTheMinimumOnVirtualTime) {
  on_virtual_time([] {
    weft::worker_pool_options o = opts(1, 3, 100, overflow_policy::block);
    o.idle_timeout = std::chrono::seconds(30);
    weft::worker_pool pool(o);
    weft::weighted_semaphore hold(3);
    hold.acquire(3);
    std::vector<weft::task_handle<void>> hs;
    hs.reserve(3);
    for (int i = 0; i < 3; ++i) {
      hs.push_back(pool.submit([&] {
        hold.acquire(1);
        hold.release(1);
      }));
    }
    weft::this_thread::sleep_for(1ms);  // every worker has started and blocked
    EXPECT_EQ(pool.stats().workers, 3u);
    hold.release(3);
    for (auto& h : hs) {
      h.get();
    }
    const auto t0 = weft::clock::now();
    weft::this_thread::sleep_for(29s);
    EXPECT_EQ(pool.stats().workers, 3u);
    weft::this_thread::sleep_for(2s);
    EXPECT_EQ(pool.stats().workers, 1u);  // back to the minimum, never below
    weft::this_thread::sleep_for(1h);
    EXPECT_EQ(pool.stats().workers, 1u);
    EXPECT_GE(weft::clock::now() - t0, 1h);
  });
}

TEST(WorkerPool, ResizeStartsAndRetiresWorkers) {
  weft::worker_pool pool(opts(1, 1, 100, overflow_policy::block));
  pool.resize(3, 4);
  EXPECT_EQ(pool.stats().workers, 3u);
  pool.resize(1, 1);
  ASSERT_TRUE(eventually([&] { return pool.stats().workers == 1; }));
  EXPECT_EQ(pool.submit([] { return 5; }).get(), 5);
  EXPECT_THROW(pool.resize(2, 1), std::invalid_argument);
  EXPECT_THROW(pool.resize(0, 0), std::invalid_argument);
}

TEST(WorkerPool, ZeroMinimumPoolStartsAWorkerOnDemand) {
  weft::worker_pool pool(opts(0, 2, 10, overflow_policy::block));
  EXPECT_EQ(pool.stats().workers, 0u);
  EXPECT_EQ(pool.submit([] { return 3; }).get(), 3);
  EXPECT_GE(pool.stats().workers, 1u);
}

TEST(WorkerPool, RejectsBadOptions) {
  EXPECT_THROW(weft::worker_pool(opts(2, 1, 10, overflow_policy::block)), std::invalid_argument);
  EXPECT_THROW(weft::worker_pool(opts(0, 0, 10, overflow_policy::block)), std::invalid_argument);
  EXPECT_THROW(weft::worker_pool(opts(1, 1, 0, overflow_policy::block)), std::invalid_argument);
}

TEST(WorkerPool, DestructionJoinsEveryWorkerUnderTheModelChecker) {
  // A leaked or unjoined worker would fail this check (leaked_thread).
  on_virtual_time([] {
    weft::worker_pool pool(opts(1, 2, 4, overflow_policy::block));
    auto a = pool.submit([] { return 1; });
    auto b = pool.submit([] { return 2; });
    EXPECT_EQ(a.get() + b.get(), 3);
  });
}

// Workers hand the tasks they ran to the next submitter, which frees them (task_handle.hpp,
// retired_chain); a pool nobody submits to must not keep them.
TEST(WorkerPool, ResultsOfDiscardedHandlesAreDestroyedOnceThePoolIsIdle) {
  weft::worker_pool pool(1);
  gate g;
  (void)pool.submit(g.waiter());  // the 100 run back to back, no submit in between
  for (int i = 0; i < 100; ++i) {
    (void)pool.submit([] { return live_result{}; });
  }
  g.open();
  ASSERT_TRUE(eventually([&] {
    const auto s = pool.stats();
    return s.completed == 101 && s.idle_workers == 1;
  }));
  EXPECT_EQ(g_live_results.load(), 0);  // an idle worker holds no finished task
}

// While the worker runs a long backlog with nobody submitting, the tasks it has run do
// not pile up: it frees them itself beyond 256 (worker_pool.hpp's kMaxRetired).
TEST(WorkerPool, FinishedTasksDoNotPileUpWhileNobodySubmits) {
  weft::worker_pool pool(1);
  gate g;
  (void)pool.submit(g.waiter());  // the backlog runs with no submit in between
  for (int i = 0; i < 1000; ++i) {
    (void)pool.submit([] { return live_result{}; });
  }
  // Runs after the 1,000: at most 255 retired tasks and the one just run are alive.
  auto seen = pool.submit([] { return g_live_results.load(); });
  g.open();
  ASSERT_EQ(seen.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_LE(seen.get(), 256);
}

// A chain of any length is dropped without recursing once per task (which would overflow
// the stack long before 300,000 tasks).
TEST(TaskHandle, RetiredChainDropsLongChainsIteratively) {
  weft::detail::retired_chain chain;
  for (int i = 0; i < 300000; ++i) {
    chain.push(weft::detail::make_task(weft::context(), [] {}));
  }
  EXPECT_EQ(chain.size(), 300000u);
  chain.clear();
  EXPECT_TRUE(chain.empty());
}

TEST(TaskHandle, WaitForTimesOutOnVirtualTime) {
  on_virtual_time([] {
    weft::worker_pool pool(1);
    auto h = pool.submit([] {
      weft::this_thread::sleep_for(10s);
      return 1;
    });
    const auto t0 = weft::clock::now();
    EXPECT_EQ(h.wait_for(3s), std::future_status::timeout);
    EXPECT_EQ(weft::clock::now() - t0, 3s);
    EXPECT_EQ(h.wait_until(weft::clock::now() + 8s), std::future_status::ready);
    EXPECT_EQ(weft::clock::now() - t0, 10s);
    EXPECT_EQ(h.get(), 1);
  });
}

TEST(TaskHandle, GetConsumesTheHandle) {
  weft::worker_pool pool(1);
  auto h = pool.submit([] { return 1; });
  EXPECT_TRUE(h.valid());
  EXPECT_GT(h.id(), 0u);
  EXPECT_EQ(h.get(), 1);
  EXPECT_FALSE(h.valid());
  EXPECT_THROW(h.get(), std::future_error);
  weft::task_handle<void> none;
  EXPECT_THROW(none.wait(), std::future_error);
}

TEST(TaskHandle, MoveOnlyResults) {
  weft::worker_pool pool(1);
  auto h = pool.submit([] { return std::make_unique<int>(9); });
  EXPECT_EQ(*h.get(), 9);
}

}  // namespace
