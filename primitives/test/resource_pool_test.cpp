// Unit tests of weft::resource_pool: one test per rule of weft/resource_pool.hpp. Blocked
// acquirers are observed through stats().waiting with bounded polls; expiry rules run on
// virtual time.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "scenario_driver.hpp"
#include "test_util.hpp"
#include "weft/context.hpp"
#include "weft/errors.hpp"
#include "weft/resource_pool.hpp"

namespace {

using namespace std::chrono_literals;
using weft::scenarios::on_virtual_time;
using weft::test::eventually;

struct conn {
  int id = 0;
  bool healthy = true;
};

// Counts what the factory and destroyer did; `live` = created and not yet destroyed.
struct tracker {
  std::atomic<int> made{0}, destroyed{0}, live{0}, peak{0};
  std::atomic<bool> fail_next{false};

  auto factory() {
    return [this] {
      if (fail_next.exchange(false)) throw std::runtime_error("cannot connect");
      const int now = ++live;
      int p = peak.load();
      while (now > p && !peak.compare_exchange_weak(p, now)) {
      }
      return conn{++made};
    };
  }
  auto destroyer() {
    return [this](conn&) {
      --live;
      ++destroyed;
    };
  }
};

weft::resource_pool_options sized(std::size_t max, std::size_t min_idle = 0) {
  weft::resource_pool_options o;
  o.name = "db";
  o.max_size = max;
  o.min_idle = min_idle;
  return o;
}

TEST(ResourcePool, CreatesLazilyAndReusesTheMostRecentlyReturned) {
  tracker t;
  weft::resource_pool<conn> pool(t.factory(), sized(3), t.destroyer());
  EXPECT_EQ(t.made.load(), 0);
  int first_id = 0;
  {
    auto a = pool.acquire();
    auto b = pool.acquire();
    ASSERT_TRUE(a && b);
    EXPECT_NE(a->id, b->id);
    first_id = b->id;
    a.release();  // returned before b
  }               // b returned last
  auto c = pool.acquire();
  EXPECT_EQ(c->id, first_id);  // LIFO: the hottest one
  EXPECT_EQ(t.made.load(), 2);
  const auto s = pool.stats();
  EXPECT_EQ(s.total, 2u);
  EXPECT_EQ(s.idle, 1u);
  EXPECT_EQ(s.in_use, 1u);
  EXPECT_EQ(s.acquired, 3u);
  EXPECT_EQ(pool.name(), "db");
}

TEST(ResourcePool, NeverMoreThanMaxSizeAndTryAcquireNeverWaits) {
  tracker t;
  weft::resource_pool<conn> pool(t.factory(), sized(2), t.destroyer());
  auto a = pool.acquire();
  auto b = pool.acquire();
  auto c = pool.try_acquire();
  EXPECT_FALSE(c);
  EXPECT_FALSE(pool.acquire_for(0ms));
  EXPECT_EQ(pool.stats().total, 2u);
  b.release();
  EXPECT_TRUE(pool.try_acquire());
}

TEST(ResourcePool, BlockedAcquirerGetsTheReturnedResource) {
  tracker t;
  weft::resource_pool<conn> pool(t.factory(), sized(1), t.destroyer());
  auto a = pool.acquire();
  const int id = a->id;
  std::atomic<int> got{0};
  std::thread waiter([&] { got = pool.acquire()->id; });
  ASSERT_TRUE(eventually([&] { return pool.stats().waiting == 1; }));
  a.release();
  waiter.join();
  EXPECT_EQ(got.load(), id);
  EXPECT_EQ(t.made.load(), 1);
  EXPECT_GT(pool.stats().wait_time, 0ns);
}

// One returned resource wakes exactly one waiter, the first.
TEST(ResourcePool, WaitersAreServedFifoOnePerReturn) {
  tracker t;
  weft::resource_pool<conn> pool(t.factory(), sized(1), t.destroyer());
  auto held = pool.acquire();
  std::atomic<int> order{0}, first{0}, second{0};
  std::thread w1([&] {
    auto l = pool.acquire();
    first = ++order;
    // keep it until the test has checked that w2 still waits
    EXPECT_TRUE(eventually([&] { return order.load() == 1; }));
  });
  ASSERT_TRUE(eventually([&] { return pool.stats().waiting == 1; }));
  std::thread w2([&] {
    auto l = pool.acquire();
    second = ++order;
  });
  ASSERT_TRUE(eventually([&] { return pool.stats().waiting == 2; }));
  held.release();
  w1.join();
  w2.join();
  EXPECT_EQ(first.load(), 1);
  EXPECT_EQ(second.load(), 2);
}

TEST(ResourcePool, DiscardDestroysTheResourceAndFreesItsSlot) {
  tracker t;
  weft::resource_pool<conn> pool(t.factory(), sized(1), t.destroyer());
  auto a = pool.acquire();
  const int id = a->id;
  a.discard();
  EXPECT_FALSE(a);
  EXPECT_EQ(t.destroyed.load(), 1);
  EXPECT_EQ(pool.stats().total, 0u);
  auto b = pool.acquire();
  EXPECT_NE(b->id, id);
  EXPECT_EQ(pool.stats().destroyed, 1u);
}

TEST(ResourcePool, ValidationOnBorrowReplacesBrokenResources) {
  tracker t;
  std::atomic<int> validated{0};
  weft::resource_pool<conn> pool(t.factory(), sized(2), t.destroyer(), [&](conn& c) {
    ++validated;
    return c.healthy;
  });
  int broken_id = 0;
  {
    auto a = pool.acquire();  // new: not validated
    EXPECT_EQ(validated.load(), 0);
    a->healthy = false;
    broken_id = a->id;
  }
  auto b = pool.acquire();  // the broken one is found, destroyed, replaced
  EXPECT_NE(b->id, broken_id);
  EXPECT_EQ(validated.load(), 1);
  EXPECT_EQ(t.destroyed.load(), 1);
  EXPECT_EQ(pool.stats().total, 1u);
}

TEST(ResourcePool, AThrowingValidatorMeansInvalid) {
  tracker t;
  weft::resource_pool<conn> pool(t.factory(), sized(1), t.destroyer(),
                                 [](conn&) -> bool { throw std::runtime_error("ping failed"); });
  { auto a = pool.acquire(); }
  auto b = pool.acquire();
  EXPECT_EQ(b->id, 2);
  EXPECT_EQ(t.destroyed.load(), 1);
}

TEST(ResourcePool, AThrowingFactoryNeverLeaksCapacity) {
  tracker t;
  weft::resource_pool<conn> pool(t.factory(), sized(1), t.destroyer());
  t.fail_next = true;
  EXPECT_THROW(pool.acquire(), std::runtime_error);
  auto s = pool.stats();
  EXPECT_EQ(s.total, 0u);
  EXPECT_EQ(s.in_use, 0u);
  EXPECT_EQ(s.creating, 0u);
  EXPECT_EQ(s.failed_creates, 1u);
  auto a = pool.acquire();  // the slot is free again
  EXPECT_TRUE(a);
}

// A freed slot passes to the first waiter, who creates in it.
TEST(ResourcePool, AFailedCreationPassesTheSlotToAWaiter) {
  tracker t;
  weft::resource_pool<conn> pool(t.factory(), sized(1), t.destroyer());
  auto a = pool.acquire();
  std::thread waiter([&] { EXPECT_TRUE(pool.acquire()); });
  ASSERT_TRUE(eventually([&] { return pool.stats().waiting == 1; }));
  a.discard();  // the slot goes to the waiter
  waiter.join();
  EXPECT_EQ(t.made.load(), 2);
}

TEST(ResourcePool, AcquireWithAContext) {
  tracker t;
  weft::resource_pool<conn> pool(t.factory(), sized(1), t.destroyer());
  auto [done, cancel_done] = weft::with_cancel(weft::background());
  cancel_done();
  EXPECT_FALSE(pool.acquire(done));  // fails even though a slot is free
  auto a = pool.acquire(weft::background());
  auto [ctx, cancel] = weft::with_cancel(weft::background());
  std::thread waiter([&, ctx = ctx] { EXPECT_FALSE(pool.acquire(ctx)); });
  ASSERT_TRUE(eventually([&] { return pool.stats().waiting == 1; }));
  cancel();
  waiter.join();
  EXPECT_EQ(pool.stats().waiting, 0u);
  EXPECT_EQ(pool.stats().timeouts, 2u);
}

TEST(ResourcePool, TimedAcquireOnVirtualTime) {
  on_virtual_time([] {
    weft::resource_pool<conn> pool([] { return conn{1}; }, sized(1));
    auto a = pool.acquire();
    const auto t0 = weft::clock::now();
    EXPECT_FALSE(pool.acquire_for(2s));
    EXPECT_EQ(weft::clock::now() - t0, 2s);
    weft::thread returner([&] {
      weft::this_thread::sleep_for(1s);
      a.release();
    });
    EXPECT_TRUE(pool.acquire_until(weft::clock::now() + 5s));
    EXPECT_EQ(weft::clock::now() - t0, 3s);
    returner.join();
  });
}

TEST(ResourcePool, IdleTimeoutEvictsOnBorrowAndInMaintain) {
  on_virtual_time([] {
    tracker t;
    weft::resource_pool_options o = sized(3);
    o.idle_timeout = 10s;
    weft::resource_pool<conn> pool(t.factory(), o, t.destroyer());
    {
      auto a = pool.acquire();
      auto b = pool.acquire();
    }
    weft::this_thread::sleep_for(9s);
    { auto c = pool.acquire(); }  // still fresh: reused
    EXPECT_EQ(t.made.load(), 2);
    weft::this_thread::sleep_for(2s);  // one idle for 11 s, the other for 2 s
    pool.maintain();
    EXPECT_EQ(t.destroyed.load(), 1);
    EXPECT_EQ(pool.stats().idle, 1u);
    weft::this_thread::sleep_for(10s);
    auto d = pool.acquire();  // the last idle one has expired too: replaced on borrow
    EXPECT_EQ(t.destroyed.load(), 2);
    EXPECT_EQ(d->id, 3);
  });
}

TEST(ResourcePool, MaxLifetimeRetiresOldResources) {
  on_virtual_time([] {
    tracker t;
    weft::resource_pool_options o = sized(2);
    o.max_lifetime = 60s;
    weft::resource_pool<conn> pool(t.factory(), o, t.destroyer());
    auto a = pool.acquire();
    weft::this_thread::sleep_for(61s);
    a.release();  // too old to keep
    EXPECT_EQ(t.destroyed.load(), 1);
    EXPECT_EQ(pool.stats().total, 0u);
  });
}

TEST(ResourcePool, MaintainKeepsMinIdle) {
  tracker t;
  weft::resource_pool<conn> pool(t.factory(), sized(4, 2), t.destroyer());
  pool.maintain();
  EXPECT_EQ(pool.stats().idle, 2u);
  auto a = pool.acquire();
  pool.maintain();
  EXPECT_EQ(pool.stats().idle, 2u);
  EXPECT_EQ(pool.stats().total, 3u);
}

TEST(ResourcePool, CloseFailsNewAndWaitingAcquirers) {
  tracker t;
  weft::resource_pool<conn> pool(t.factory(), sized(1), t.destroyer());
  auto a = pool.acquire();
  std::thread waiter([&] { EXPECT_THROW(pool.acquire(), weft::pool_closed); });
  ASSERT_TRUE(eventually([&] { return pool.stats().waiting == 1; }));
  pool.close();
  waiter.join();
  EXPECT_THROW(pool.acquire(), weft::pool_closed);
  EXPECT_THROW(pool.try_acquire(), weft::pool_closed);
  EXPECT_THROW(pool.acquire_for(1s), weft::pool_closed);
  EXPECT_EQ(t.destroyed.load(), 0);  // still leased
  a.release();
  EXPECT_EQ(t.destroyed.load(), 1);  // destroyed as it came back
  pool.close();                      // idempotent
}

TEST(ResourcePool, CloseDestroysIdleResourcesAtOnce) {
  tracker t;
  weft::resource_pool<conn> pool(t.factory(), sized(3, 3), t.destroyer());
  pool.maintain();
  EXPECT_EQ(t.live.load(), 3);
  pool.close();
  EXPECT_EQ(t.live.load(), 0);
}

TEST(ResourcePool, ALeaseMayOutliveThePool) {
  tracker t;
  weft::resource_pool<conn>::lease l;
  {
    weft::resource_pool<conn> pool(t.factory(), sized(1), t.destroyer());
    l = pool.acquire();
  }
  EXPECT_EQ(t.live.load(), 1);
  l.release();
  EXPECT_EQ(t.live.load(), 0);
}

TEST(ResourcePool, TheFactoryRunsOutsideThePoolsLock) {
  weft::resource_pool<conn>* self = nullptr;
  weft::resource_pool<conn> pool(
      [&] {
        (void)self->stats();  // would deadlock if the factory ran under the lock
        return conn{1};
      },
      sized(1));
  self = &pool;
  EXPECT_TRUE(pool.acquire());
}

TEST(ResourcePool, ManyThreadsNeverExceedMaxLiveResources) {
  tracker t;
  weft::resource_pool<conn> pool(t.factory(), sized(3), t.destroyer());
  std::vector<std::thread> threads;
  threads.reserve(6);
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < 300; ++k) {
        auto l = pool.acquire();
        if ((k + i) % 7 == 0) l.discard();
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_LE(t.peak.load(), 3);
  EXPECT_EQ(pool.stats().in_use, 0u);
}

TEST(ResourcePool, RejectsBadOptions) {
  EXPECT_THROW(weft::resource_pool<conn>([] { return conn{}; }, sized(0)), std::invalid_argument);
  EXPECT_THROW(weft::resource_pool<conn>([] { return conn{}; }, sized(1, 2)),
               std::invalid_argument);
  EXPECT_THROW(weft::resource_pool<conn>({}, sized(1)), std::invalid_argument);
}

}  // namespace
