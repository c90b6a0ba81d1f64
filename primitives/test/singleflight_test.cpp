// Unit tests of weft::singleflight: one test per rule of weft/singleflight.hpp. Tests that
// need several threads at once run on virtual time (a single-schedule model check):
// "the leader's fn takes 10 ms" is a virtual sleep, so the callers that arrive meanwhile
// are ordered by the clock, never by real-time luck.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "scenario_driver.hpp"
#include "weft/context.hpp"
#include "weft/errors.hpp"
#include "weft/gtest.hpp"
#include "weft/model.hpp"
#include "weft/singleflight.hpp"
#include "weft/sync.hpp"

namespace {

using namespace std::chrono_literals;
using weft::scenarios::on_virtual_time;

void sleep_ms(int ms) {
  weft::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

TEST(Singleflight, ALoneCallerRunsFnAndDoesNotShare) {
  weft::singleflight<int, std::string> g;
  const auto r = g.run(1, [] { return std::string("one"); });
  EXPECT_EQ(r.value, "one");
  EXPECT_FALSE(r.shared);
  EXPECT_EQ(g.in_flight(), 0u);
}

TEST(Singleflight, ConcurrentCallersShareOneRun) {
  on_virtual_time([] {
    weft::singleflight<int, int> g;
    weft::atomic<int> runs{0};
    auto fn = [&] {
      runs.fetch_add(1);
      sleep_ms(10);
      return 42;
    };
    std::vector<weft::thread> joiners;
    joiners.reserve(3);
    weft::atomic<int> shared{0};
    for (int i = 0; i < 3; ++i) {
      joiners.emplace_back([&] {
        sleep_ms(1);  // the leader's fn is running by now
        const auto r = g.run(7, fn);
        EXPECT_EQ(r.value, 42);
        shared.fetch_add(r.shared ? 1 : 0);
      });
    }
    const auto r = g.run(7, fn);
    for (auto& t : joiners) {
      t.join();
    }
    EXPECT_EQ(r.value, 42);
    EXPECT_TRUE(r.shared);
    EXPECT_EQ(shared.load(), 3);
    EXPECT_EQ(runs.load(), 1);
  });
}

TEST(Singleflight, KeysFlyIndependently) {
  on_virtual_time([] {
    weft::singleflight<int, int> g;
    weft::atomic<int> runs{0};
    weft::thread other([&] {
      EXPECT_EQ(g.run(2,
                      [&] {
                        runs.fetch_add(1);
                        sleep_ms(5);
                        return 2;
                      })
                    .value,
                2);
    });
    EXPECT_EQ(g.run(1,
                    [&] {
                      runs.fetch_add(1);
                      sleep_ms(5);
                      return 1;
                    })
                  .value,
              1);
    other.join();
    EXPECT_EQ(runs.load(), 2);
  });
}

TEST(Singleflight, AnExceptionReachesEveryCaller) {
  on_virtual_time([] {
    weft::singleflight<int, int> g;
    weft::atomic<int> runs{0};
    auto fn = [&]() -> int {
      runs.fetch_add(1);
      sleep_ms(10);
      throw std::runtime_error("backend down");
    };
    weft::thread joiner([&] {
      sleep_ms(1);
      EXPECT_THROW(g.run(1, fn), std::runtime_error);
    });
    EXPECT_THROW(g.run(1, fn), std::runtime_error);
    joiner.join();
    EXPECT_EQ(runs.load(), 1);
    EXPECT_EQ(g.in_flight(), 0u);  // nothing hangs on, nothing is cached
    EXPECT_EQ(g.run(1, [] { return 5; }).value, 5);
  });
}

TEST(Singleflight, ResultsAreNotCachedAfterTheFlight) {
  weft::singleflight<int, int> g;
  int runs = 0;
  EXPECT_EQ(g.run(1, [&] { return ++runs; }).value, 1);
  EXPECT_EQ(g.run(1, [&] { return ++runs; }).value, 2);
}

TEST(Singleflight, AWaiterGivesUpOnItsContextWithoutCancellingTheLeader) {
  on_virtual_time([] {
    weft::singleflight<int, int> g;
    weft::thread waiter([&] {
      sleep_ms(1);
      auto [ctx, cancel] = weft::with_timeout(weft::background(), 10ms);
      const auto t0 = weft::clock::now();
      EXPECT_FALSE(g.run(1, ctx, [] { return -1; }).has_value());
      EXPECT_EQ(weft::clock::now() - t0, 10ms);
      cancel();
    });
    const auto r = g.run(1, [] {
      sleep_ms(100);
      return 9;
    });
    waiter.join();
    EXPECT_EQ(r.value, 9);
    EXPECT_TRUE(r.shared);  // it was joined, even if the joiner left
  });
}

TEST(Singleflight, RunForGivesUpAfterItsTimeout) {
  on_virtual_time([] {
    weft::singleflight<int, int> g;
    weft::thread waiter([&] {
      sleep_ms(1);
      EXPECT_FALSE(g.run_for(1, 5ms, [] { return -1; }).has_value());
      const auto r = g.run_for(1, 1h, [] { return -1; });  // waits this time
      ASSERT_TRUE(r.has_value());
      EXPECT_EQ(r->value, 3);
    });
    EXPECT_EQ(g.run(1,
                    [] {
                      sleep_ms(50);
                      return 3;
                    })
                  .value,
              3);
    waiter.join();
  });
}

TEST(Singleflight, ALeaderWithABoundedWaitStillRunsFn) {
  weft::singleflight<int, int> g;
  auto [ctx, cancel] = weft::with_cancel(weft::background());
  const auto r = g.run(1, ctx, [] { return 4; });
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->value, 4);
  cancel();
  EXPECT_FALSE(g.run(1, ctx, [] { return 4; }).has_value());  // a done context: nothing runs
}

TEST(Singleflight, ForgetLetsTheNextCallStartANewFlight) {
  on_virtual_time([] {
    weft::singleflight<int, int> g;
    weft::atomic<int> runs{0};
    weft::thread old_joiner([&] {
      sleep_ms(1);
      EXPECT_EQ(g.run(1, [] { return -1; }).value, 100);  // joined the first flight
    });
    weft::thread after_forget([&] {
      sleep_ms(2);
      EXPECT_TRUE(g.forget(1));
      EXPECT_FALSE(g.forget(1));
      const auto r = g.run(1, [&] {
        runs.fetch_add(1);
        sleep_ms(50);  // still running when the first flight completes
        return 200;
      });
      EXPECT_EQ(r.value, 200);
    });
    weft::thread late([&] {
      sleep_ms(20);  // the first flight is over, the second in progress
      EXPECT_EQ(g.run(1, [] { return -1; }).value, 200);
    });
    EXPECT_EQ(g.run(1,
                    [&] {
                      runs.fetch_add(1);
                      sleep_ms(10);
                      return 100;
                    })
                  .value,
              100);
    old_joiner.join();
    after_forget.join();
    late.join();
    EXPECT_EQ(runs.load(), 2);
  });
}

TEST(Singleflight, ARecursiveCallOnTheSameKeyThrows) {
  weft::singleflight<int, int> g;
  const auto r = g.run(1, [&] {
    EXPECT_THROW(g.run(1, [] { return 0; }), weft::singleflight_recursion);
    EXPECT_THROW(g.run_for(1, 1s, [] { return 0; }), weft::singleflight_recursion);
    return g.run(2, [] { return 2; }).value + 1;  // other keys are fine
  });
  EXPECT_EQ(r.value, 3);
  EXPECT_EQ(g.in_flight(), 0u);
}

TEST(Singleflight, RunAsyncRunsFnOnItsOwnThreadAndSharesIt) {
  on_virtual_time([] {
    weft::singleflight<int, int> g;
    weft::atomic<int> runs{0};
    auto fn = [&] {
      runs.fetch_add(1);
      sleep_ms(10);
      return 8;
    };
    weft::flight<int> a = g.run_async(1, fn);
    weft::flight<int> b = g.run_async(1, fn);
    EXPECT_FALSE(a.ready());
    EXPECT_EQ(a.wait_for(1ms), std::future_status::timeout);
    const auto rb = b.get();
    EXPECT_EQ(rb.value, 8);
    EXPECT_TRUE(rb.shared);
    EXPECT_TRUE(a.ready());
    EXPECT_EQ(a.get().value, 8);
    EXPECT_TRUE(a.get().shared);  // get() may be called again
    EXPECT_EQ(runs.load(), 1);
    // a synchronous caller joins an asynchronous flight too
    weft::flight<int> c = g.run_async(2, [] {
      sleep_ms(5);
      return 3;
    });
    weft::thread t([&] { EXPECT_EQ(g.run(2, fn).value, 3); });
    EXPECT_EQ(c.get().value, 3);
    t.join();
  });
}

TEST(Singleflight, RunAsyncCarriesExceptionsAndContextWaits) {
  on_virtual_time([] {
    weft::singleflight<int, int> g;
    weft::flight<int> f = g.run_async(1, []() -> int {
      sleep_ms(30);
      throw std::logic_error("bad");
    });
    auto [ctx, cancel] = weft::with_timeout(weft::background(), 10ms);
    EXPECT_FALSE(f.wait(ctx));
    cancel();
    EXPECT_TRUE(f.wait(weft::background()));
    EXPECT_THROW((void)f.get(), std::logic_error);
  });
}

TEST(Singleflight, WaitingOnOwnAsyncFlightThrows) {
  on_virtual_time([] {
    weft::singleflight<int, int> g;
    weft::channel<weft::flight<int>> self(1);
    weft::atomic<bool> threw{false};
    weft::flight<int> outer = g.run_async(1, [&] {
      EXPECT_THROW(g.run_async(1, [] { return 0; }), weft::singleflight_recursion);
      EXPECT_THROW(g.run(1, [] { return 0; }), weft::singleflight_recursion);
      const weft::flight<int> mine = *self.recv();
      try {
        (void)mine.get();
      } catch (const weft::singleflight_recursion&) {
        threw.store(true);
      }
      return 1;
    });
    self.send(outer);
    EXPECT_EQ(outer.get().value, 1);
    EXPECT_TRUE(threw.load());
  });
}

// Real threads: hammering one key never runs two fns for it at once.
TEST(Singleflight, RealThreadsNeverOverlapFnsOfOneKey) {
  weft::singleflight<int, int> g;
  std::atomic<int> running{0};
  std::atomic<int> overlaps{0};
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        (void)g.run(i % 3, [&, i] {
          if (i % 3 == 0 && running.fetch_add(1) != 0) overlaps.fetch_add(1);
          const int v = i;
          if (i % 3 == 0) running.fetch_sub(1);
          return v;
        });
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(g.in_flight(), 0u);
}

}  // namespace
