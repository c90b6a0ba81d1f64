// Unit tests of weft::rate_limiter: one test per rule of weft/rate_limiter.hpp. Every
// timing rule runs on virtual time (a single-schedule model check), where the token
// arithmetic is exact: "after 250 ms, 2 tokens" means exactly that.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>

#include "scenario_driver.hpp"
#include "weft/context.hpp"
#include "weft/errors.hpp"
#include "weft/gtest.hpp"
#include "weft/model.hpp"
#include "weft/rate_limiter.hpp"

namespace {

using namespace std::chrono_literals;

using weft::scenarios::on_virtual_time;

TEST(RateLimiter, StartsFullAndAllowsTheBurst) {
  on_virtual_time([] {
    weft::rate_limiter l(100ms, 3);
    EXPECT_TRUE(l.allow());
    EXPECT_TRUE(l.allow(2));
    EXPECT_FALSE(l.allow());
    EXPECT_EQ(l.tokens(), 0.0);
  });
}

TEST(RateLimiter, RefillsOneTokenPerIntervalUpToTheBurst) {
  on_virtual_time([] {
    weft::rate_limiter l(100ms, 3);
    EXPECT_TRUE(l.allow(3));
    weft::this_thread::sleep_for(99ms);
    EXPECT_FALSE(l.allow());
    weft::this_thread::sleep_for(1ms);
    EXPECT_TRUE(l.allow());
    weft::this_thread::sleep_for(250ms);
    EXPECT_EQ(l.tokens(), 2.5);
    EXPECT_TRUE(l.allow(2));
    EXPECT_FALSE(l.allow());
    weft::this_thread::sleep_for(10s);  // capped at the burst
    EXPECT_EQ(l.tokens(), 3.0);
    EXPECT_FALSE(l.allow(4));
    EXPECT_TRUE(l.allow(3));
  });
}

TEST(RateLimiter, TokensPerSecondConstructor) {
  weft::rate_limiter l(10.0, 5);
  EXPECT_EQ(l.interval(), 100ms);
  EXPECT_EQ(l.burst(), 5);
}

TEST(RateLimiter, ReserveGoesIntoDebtAndReportsTheDelay) {
  on_virtual_time([] {
    weft::rate_limiter l(100ms, 2);
    auto a = l.reserve(2);
    EXPECT_TRUE(a.ok());
    EXPECT_EQ(a.delay(), 0ms);
    auto b = l.reserve();
    EXPECT_EQ(b.delay(), 100ms);
    auto c = l.reserve(2);
    EXPECT_EQ(c.delay(), 300ms);
    EXPECT_FALSE(l.allow());  // in debt
    weft::this_thread::sleep_for(300ms);
    EXPECT_EQ(c.delay(), 0ms);
    EXPECT_FALSE(l.allow());
    weft::this_thread::sleep_for(100ms);
    EXPECT_TRUE(l.allow());
  });
}

TEST(RateLimiter, CancelGivesTheTokensBack) {
  on_virtual_time([] {
    weft::rate_limiter l(100ms, 1);
    EXPECT_TRUE(l.allow());
    auto r = l.reserve();
    EXPECT_EQ(r.delay(), 100ms);
    r.cancel();
    r.cancel();  // once only
    weft::this_thread::sleep_for(100ms);
    EXPECT_TRUE(l.allow());
    EXPECT_FALSE(l.allow());
  });
}

TEST(RateLimiter, CancelKeepsWhatLaterReservationsCountOn) {
  on_virtual_time([] {
    weft::rate_limiter l(100ms, 1);
    EXPECT_TRUE(l.allow());
    auto first = l.reserve();   // due at 100 ms
    auto second = l.reserve();  // due at 200 ms, counting on the first's slot being taken
    EXPECT_EQ(second.delay(), 200ms);
    first.cancel();  // the later reservation already counted on it: nothing comes back
    weft::this_thread::sleep_for(200ms);
    EXPECT_FALSE(l.allow());  // the token of 200 ms belongs to `second`
    weft::this_thread::sleep_for(100ms);
    EXPECT_TRUE(l.allow());
  });
}

TEST(RateLimiter, CancelOfADueReservationDoesNothing) {
  on_virtual_time([] {
    weft::rate_limiter l(100ms, 1);
    auto r = l.reserve();
    EXPECT_EQ(r.delay(), 0ms);
    weft::this_thread::sleep_for(1ms);
    r.cancel();
    EXPECT_FALSE(l.allow());
  });
}

TEST(RateLimiter, WaitSleepsExactlyUntilTheTokenIsDue) {
  on_virtual_time([] {
    weft::rate_limiter l(250ms, 1);
    const auto t0 = weft::clock::now();
    EXPECT_TRUE(l.wait());
    EXPECT_EQ(weft::clock::now() - t0, 0ms);
    EXPECT_TRUE(l.wait());
    EXPECT_EQ(weft::clock::now() - t0, 250ms);
    EXPECT_TRUE(l.wait(weft::background()));
    EXPECT_EQ(weft::clock::now() - t0, 500ms);
  });
}

TEST(RateLimiter, WaitGivesUpAtOnceWhenTheDeadlineIsTooSoon) {
  on_virtual_time([] {
    weft::rate_limiter l(1s, 1);
    EXPECT_TRUE(l.allow());
    auto [ctx, cancel] = weft::with_timeout(weft::background(), 500ms);
    const auto t0 = weft::clock::now();
    EXPECT_FALSE(l.wait(ctx));
    EXPECT_EQ(weft::clock::now() - t0, 0ms);  // did not wait
    EXPECT_FALSE(ctx.err());                  // Go: "would exceed context deadline"
    weft::this_thread::sleep_for(1s);
    EXPECT_TRUE(l.allow());  // nothing was taken
    cancel();
  });
}

TEST(RateLimiter, WaitCancelledWhileWaitingReturnsTheTokens) {
  on_virtual_time([] {
    weft::rate_limiter l(1s, 1);
    EXPECT_TRUE(l.allow());
    auto [ctx, cancel] = weft::with_cancel(weft::background());
    weft::thread canceller([&, cancel = cancel] {
      weft::this_thread::sleep_for(300ms);
      cancel();
    });
    const auto t0 = weft::clock::now();
    EXPECT_FALSE(l.wait(ctx));
    EXPECT_EQ(weft::clock::now() - t0, 300ms);
    EXPECT_EQ(ctx.err(), weft::context_errc::cancelled);
    canceller.join();
    weft::this_thread::sleep_for(700ms);
    EXPECT_TRUE(l.allow());  // the cancelled wait's token came back
  });
}

TEST(RateLimiter, WaitOnADoneContextFails) {
  weft::rate_limiter l(1s, 1);
  auto [ctx, cancel] = weft::with_cancel(weft::background());
  cancel();
  EXPECT_FALSE(l.wait(ctx));
  EXPECT_TRUE(l.allow());
}

TEST(RateLimiter, MoreThanTheBurstCanNeverBeMet) {
  weft::rate_limiter l(1ms, 2);
  EXPECT_FALSE(l.allow(3));
  auto r = l.reserve(3);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.delay(), weft::clock::duration::max());
  EXPECT_THROW(l.wait(3), weft::burst_exceeded);
  EXPECT_THROW(l.wait(weft::background(), 3), weft::burst_exceeded);
  EXPECT_THROW(l.allow(-1), weft::burst_exceeded);
  EXPECT_TRUE(l.allow(2));  // nothing was taken by the failed requests
}

TEST(RateLimiter, InfiniteRateAllowsEverything) {
  weft::rate_limiter l(weft::rate_limiter::inf, 0);
  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE(l.allow(1000));
  }
  EXPECT_TRUE(l.reserve(5).ok());
  EXPECT_TRUE(l.wait(7));
  weft::rate_limiter z(0ms, 1);
  EXPECT_TRUE(z.allow(50));
}

// golang/go#39984: a limit of zero still allows the burst, then nothing.
TEST(RateLimiter, ZeroRateAllowsTheBurstThenNothing) {
  on_virtual_time([] {
    weft::rate_limiter l(0.0, 3);
    EXPECT_TRUE(l.allow(2));
    auto r = l.reserve();
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.delay(), 0ms);
    EXPECT_FALSE(l.allow());
    EXPECT_FALSE(l.reserve().ok());
    weft::this_thread::sleep_for(1h);
    EXPECT_FALSE(l.allow());
    EXPECT_FALSE(l.wait());  // never returns true, never blocks
  });
}

TEST(RateLimiter, ZeroBurstAllowsNothingAtAFiniteRate) {
  weft::rate_limiter l(1ms, 0);
  EXPECT_FALSE(l.allow());
  EXPECT_TRUE(l.allow(0));
  EXPECT_FALSE(l.reserve().ok());
}

}  // namespace
