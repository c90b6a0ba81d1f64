// Unit tests of weft::weighted_semaphore: one test per rule of weft/semaphore.hpp.
// Orderings between threads are established by observing the semaphore's own state
// (waiting(), available()) with bounded polls; timing rules run on virtual time in a
// single-schedule model check.
#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <thread>

#include "scenario_driver.hpp"
#include "test_util.hpp"
#include "weft/context.hpp"
#include "weft/errors.hpp"
#include "weft/gtest.hpp"
#include "weft/model.hpp"
#include "weft/semaphore.hpp"

namespace {

using namespace std::chrono_literals;
using weft::test::eventually;

using weft::scenarios::on_virtual_time;

// A blocked acquirer spins without yielding before it sleeps, unlike a channel operation:
// with more waiters than cores a yield hands the CPU to another waiter, not to a holder
// (detail/parker.hpp's spin_policy; measured in docs/benchmarks.md section 9).
static_assert(weft::detail::case_spin<weft::detail::grant_case<weft::weighted_semaphore, int>>() ==
              weft::detail::spin_policy::pause_only);
static_assert(weft::detail::case_spin<weft::detail::timeout_case<weft::detail::no_handler>>() ==
              weft::detail::spin_policy::pause_and_yield);

// The CASed word has a cache line of its own (semaphore.hpp; section 9 again): a
// semaphore is 64-byte aligned and a multiple of 64 bytes long.
static_assert(alignof(weft::weighted_semaphore) >= 64 &&
              sizeof(weft::weighted_semaphore) % 64 == 0);

TEST(WeightedSemaphore, AcquireAndReleaseCountPermits) {
  weft::weighted_semaphore s(5);
  EXPECT_EQ(s.size(), 5);
  EXPECT_EQ(s.available(), 5);
  s.acquire(3);
  EXPECT_EQ(s.available(), 2);
  EXPECT_TRUE(s.try_acquire(2));
  EXPECT_FALSE(s.try_acquire(1));
  s.release(4);
  EXPECT_EQ(s.available(), 4);
  s.release(1);
  EXPECT_EQ(s.available(), 5);
}

TEST(WeightedSemaphore, ZeroPermitsAlwaysSucceed) {
  weft::weighted_semaphore s(1);
  s.acquire(1);
  EXPECT_TRUE(s.try_acquire(0));
  s.acquire(0);
  s.release(0);
  EXPECT_EQ(s.available(), 0);
}

TEST(WeightedSemaphore, MoreThanTheSizeFailsAtOnce) {
  weft::weighted_semaphore s(3);
  EXPECT_THROW(s.acquire(4), weft::semaphore_misuse);
  auto [ctx, cancel] = weft::with_cancel(weft::background());
  EXPECT_THROW((void)s.acquire(4, ctx), weft::semaphore_misuse);
  EXPECT_THROW((void)s.acquire_for(4, 1h), weft::semaphore_misuse);
  EXPECT_FALSE(s.try_acquire(4));
  EXPECT_EQ(s.available(), 3);
  cancel();
}

TEST(WeightedSemaphore, ReleasingMoreThanHeldThrowsAndReleasesNothing) {
  weft::weighted_semaphore s(4);
  EXPECT_THROW(s.release(1), weft::semaphore_misuse);
  s.acquire(2);
  EXPECT_THROW(s.release(3), weft::semaphore_misuse);
  EXPECT_EQ(s.available(), 2);
  s.release(2);
  EXPECT_EQ(s.available(), 4);
  // Found by semaphore_misuse_fuzzer: the check itself overflowed (free + n) for huge n.
  s.acquire(1);
  EXPECT_THROW(s.release(std::numeric_limits<std::int64_t>::max()), weft::semaphore_misuse);
  EXPECT_EQ(s.available(), 3);
}

TEST(WeightedSemaphore, NegativeCountsAreMisuse) {
  EXPECT_THROW(weft::weighted_semaphore(-1), weft::semaphore_misuse);
  weft::weighted_semaphore s(2);
  EXPECT_THROW(s.acquire(-1), weft::semaphore_misuse);
  EXPECT_THROW((void)s.try_acquire(-1), weft::semaphore_misuse);
  EXPECT_THROW(s.release(-1), weft::semaphore_misuse);
}

TEST(WeightedSemaphore, BlockedAcquireIsWokenByRelease) {
  weft::weighted_semaphore s(2);
  s.acquire(2);
  std::thread t([&] { s.acquire(2); });
  ASSERT_TRUE(eventually([&] { return s.waiting() == 1; }));
  s.release(1);
  // One permit is not enough for the waiter.
  EXPECT_EQ(s.waiting(), 1u);
  EXPECT_EQ(s.available(), 1);
  s.release(1);
  t.join();
  EXPECT_EQ(s.available(), 0);
  EXPECT_EQ(s.waiting(), 0u);
}

// A large request at the head blocks smaller later ones (no starvation), and
// try_acquire does not barge past waiters.
TEST(WeightedSemaphore, FifoLargeHeadBlocksSmallerRequests) {
  weft::weighted_semaphore s(4);
  s.acquire(3);  // 1 free
  std::thread big([&] { s.acquire(3); });
  ASSERT_TRUE(eventually([&] { return s.waiting() == 1; }));
  std::thread small([&] { s.acquire(1); });
  ASSERT_TRUE(eventually([&] { return s.waiting() == 2; }));
  EXPECT_EQ(s.available(), 1);     // the small request would fit...
  EXPECT_FALSE(s.try_acquire(1));  // ...but nobody passes the head
  EXPECT_EQ(s.waiting(), 2u);
  s.release(2);  // 3 free: exactly the head's request
  big.join();
  EXPECT_EQ(s.waiting(), 1u);  // the small one is still queued, nothing left for it
  EXPECT_EQ(s.available(), 0);
  s.release(1);
  small.join();
  EXPECT_EQ(s.available(), 0);
  EXPECT_EQ(s.waiting(), 0u);
}

// Go CL 223418: when the head waiter gives up, the ones behind it that now fit are woken.
TEST(WeightedSemaphore, CancelledHeadWakesFollowers) {
  weft::weighted_semaphore s(3);
  s.acquire(2);  // 1 free
  auto [ctx, cancel] = weft::with_cancel(weft::background());
  std::atomic<int> big_result{-1};
  std::thread big([&, ctx = ctx] { big_result = s.acquire(2, ctx) ? 1 : 0; });
  ASSERT_TRUE(eventually([&] { return s.waiting() == 1; }));
  std::thread small([&] { s.acquire(1); });
  ASSERT_TRUE(eventually([&] { return s.waiting() == 2; }));
  cancel();
  big.join();
  small.join();  // would hang if nobody re-served the queue
  EXPECT_EQ(big_result.load(), 0);
  EXPECT_EQ(ctx.err(), weft::context_errc::cancelled);
  EXPECT_EQ(s.available(), 0);
}

// golang/go#63615: a done context fails even when permits are free.
TEST(WeightedSemaphore, DoneContextFailsEvenUncontended) {
  weft::weighted_semaphore s(3);
  auto [ctx, cancel] = weft::with_cancel(weft::background());
  cancel();
  EXPECT_FALSE(s.acquire(1, ctx));
  EXPECT_EQ(s.available(), 3);
  EXPECT_TRUE(s.acquire(1, weft::background()));
}

TEST(WeightedSemaphore, TimedAcquireTimesOutOnVirtualTime) {
  on_virtual_time([] {
    weft::weighted_semaphore s(1);
    s.acquire(1);
    const auto t0 = weft::clock::now();
    EXPECT_FALSE(s.acquire_for(1, 5s));
    EXPECT_EQ(weft::clock::now() - t0, 5s);
    EXPECT_EQ(s.waiting(), 0u);
    EXPECT_FALSE(s.acquire_until(1, weft::clock::now() - 1s));  // past deadline: no wait
    EXPECT_EQ(weft::clock::now() - t0, 5s);
  });
}

TEST(WeightedSemaphore, TimedAcquireSucceedsWhenReleasedInTime) {
  on_virtual_time([] {
    weft::weighted_semaphore s(2);
    s.acquire(2);
    weft::thread releaser([&] {
      weft::this_thread::sleep_for(2s);
      s.release(2);
    });
    const auto t0 = weft::clock::now();
    EXPECT_TRUE(s.acquire_for(2, 10s));
    EXPECT_EQ(weft::clock::now() - t0, 2s);
    releaser.join();
  });
}

TEST(WeightedSemaphore, ContextDeadlineFailsTheWaitOnVirtualTime) {
  on_virtual_time([] {
    weft::weighted_semaphore s(1);
    s.acquire(1);
    auto [ctx, cancel] = weft::with_timeout(weft::background(), 3s);
    const auto t0 = weft::clock::now();
    EXPECT_FALSE(s.acquire(1, ctx));
    EXPECT_EQ(weft::clock::now() - t0, 3s);
    EXPECT_EQ(ctx.err(), weft::context_errc::deadline_exceeded);
    EXPECT_EQ(s.waiting(), 0u);
    cancel();
  });
}

// A timed-out head leaves and the follower that fits is served.
TEST(WeightedSemaphore, TimedOutHeadWakesFollowers) {
  on_virtual_time([] {
    weft::weighted_semaphore s(3);
    s.acquire(2);
    weft::thread big([&] { EXPECT_FALSE(s.acquire_for(2, 1s)); });
    weft::thread small([&] {
      weft::this_thread::sleep_for(1ms);  // queue behind `big`
      s.acquire(1);
    });
    big.join();
    small.join();
    EXPECT_EQ(s.available(), 0);
  });
}

TEST(WeightedSemaphore, ManyThreadsNeverOverAdmit) {
  weft::weighted_semaphore s(3);
  std::atomic<int> inside{0}, peak{0};
  std::vector<std::thread> threads;
  threads.reserve(6);
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      const std::int64_t n = 1 + t % 3;
      for (int i = 0; i < 300; ++i) {
        s.acquire(n);
        const int now = inside.fetch_add(static_cast<int>(n)) + static_cast<int>(n);
        int p = peak.load();
        while (now > p && !peak.compare_exchange_weak(p, now)) {
        }
        EXPECT_LE(now, 3);
        inside.fetch_sub(static_cast<int>(n));
        s.release(n);
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_LE(peak.load(), 3);
  EXPECT_EQ(s.available(), 3);
}

}  // namespace
