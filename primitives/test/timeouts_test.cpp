// Unit tests of timeouts and deadlines at the edges of their types, found by the misuse
// fuzzers (fuzz/): every timed API converts through weft/detail/deadline.hpp, and a
// conversion of an out-of-range duration or time point is undefined behaviour in C++.
// The rules: negative and far-past values mean "now", values beyond weft::clock's range
// mean "never", NaN is rejected with std::invalid_argument.
#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <stdexcept>

#include "scenario_driver.hpp"
#include "weft/channel.hpp"
#include "weft/context.hpp"
#include "weft/gtest.hpp"
#include "weft/model.hpp"
#include "weft/rate_limiter.hpp"

namespace {

using namespace std::chrono_literals;
using weft::scenarios::on_virtual_time;
using seconds_d = std::chrono::duration<double>;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(Timeouts, NegativeAndHugeNegativeDurationsMeanNow) {
  on_virtual_time([] {
    weft::channel<int> c(std::size_t{0});
    const auto start = weft::clock::now();
    EXPECT_EQ(c.send_for(1, std::chrono::hours::min()), weft::channel_status::timeout);
    EXPECT_EQ(c.send_for(1, seconds_d(-kInf)), weft::channel_status::timeout);
    EXPECT_EQ(c.send_for(1, seconds_d(-1e30)), weft::channel_status::timeout);
    EXPECT_EQ(c.send_for(1, std::chrono::nanoseconds::min()), weft::channel_status::timeout);
    EXPECT_EQ(weft::clock::now(), start);
  });
}

TEST(Timeouts, DurationsBeyondTheClockMeanNever) {
  on_virtual_time([] {
    for (auto [ctx, cancel] : {weft::with_timeout(weft::background(), std::chrono::hours::max()),
                               weft::with_timeout(weft::background(), seconds_d(kInf)),
                               weft::with_timeout(weft::background(), seconds_d(1e300))}) {
      EXPECT_FALSE(ctx.deadline().has_value());
      cancel();
    }
  });
}

TEST(Timeouts, NaNDurationIsRejected) {
  on_virtual_time([] {
    weft::channel<int> c(1);
    EXPECT_THROW((void)c.send_for(1, seconds_d(kNaN)), std::invalid_argument);
    EXPECT_THROW((void)c.recv_for(seconds_d(kNaN)), std::invalid_argument);
    EXPECT_THROW((void)weft::with_timeout(weft::background(), seconds_d(kNaN)),
                 std::invalid_argument);
    // Nothing was sent by the rejected call.
    EXPECT_EQ(c.try_recv().status, weft::channel_status::would_block);
  });
}

TEST(Timeouts, ForeignClockDeadlinesAtTheEdgesOfTheirType) {
  on_virtual_time([] {
    using sys = std::chrono::system_clock;
    auto [past, cancel_past] = weft::with_deadline(weft::background(), sys::time_point::min());
    EXPECT_EQ(past.err(), weft::context_errc::deadline_exceeded);
    using sys_hours = std::chrono::time_point<sys, std::chrono::hours>;
    auto [never, cancel_never] = weft::with_deadline(weft::background(), sys_hours::max());
    EXPECT_FALSE(never.deadline().has_value());
    // system_clock's own max() (year 2262 in libstdc++) is far, but representable.
    auto [far, cancel_far] = weft::with_deadline(weft::background(), sys::time_point::max());
    EXPECT_TRUE(far.deadline().has_value());
    cancel_far();
    EXPECT_FALSE(never.err());
    cancel_past();
    cancel_never();
  });
}

TEST(Timeouts, RateLimiterRejectsNaNAndTreatsUnrepresentableIntervalsAsRateZero) {
  on_virtual_time([] {
    EXPECT_THROW(weft::rate_limiter(kNaN, 1), std::invalid_argument);
    EXPECT_THROW(weft::rate_limiter(seconds_d(kNaN), 1), std::invalid_argument);
    for (double tiny : {1e-10, 1e-300, std::numeric_limits<double>::denorm_min()}) {
      weft::rate_limiter l(tiny, 1);
      EXPECT_EQ(l.interval(), weft::clock::duration::max()) << tiny;
      EXPECT_TRUE(l.allow());
      EXPECT_FALSE(l.allow());
    }
    weft::rate_limiter hours(std::chrono::hours(3'000'000), 2);
    EXPECT_EQ(hours.interval(), weft::clock::duration::max());
    weft::rate_limiter inf(seconds_d(kInf), 1);
    EXPECT_EQ(inf.interval(), weft::clock::duration::max());
    // Long but representable intervals stay exact.
    weft::rate_limiter year(std::chrono::hours(24 * 365), 1);
    EXPECT_EQ(year.interval(), std::chrono::hours(24 * 365));
  });
}

// The context timer thread, started and not yet run when the body's first thread (id 0
// in model mode) destroys the context: the destructor must join it, not detach it (it
// did, mistaking the unset timer id 0 for itself, and the timer then used the freed
// node). The use after free is silent in an uninstrumented build; the asan preset runs
// this test and reports it on the old code (found by fuzz/context_misuse_fuzzer).
TEST(Timeouts, ContextDestroyedBeforeItsTimerThreadRuns) {
  weft::model::options o;
  o.strategy = weft::model::strategy::dfs;
  o.preemption_bound = -1;
  o.max_schedules = 2000;
  o.use_environment = false;
  auto r = weft::model::check(o, [] {
    auto [ctx, cancel] = weft::with_timeout(weft::background(), 1s);
    (void)ctx.done();  // starts the timer thread; the context dies right after
  });
  EXPECT_TRUE(weft::testing::passed(r));
  EXPECT_TRUE(r.exhausted);
}

}  // namespace
