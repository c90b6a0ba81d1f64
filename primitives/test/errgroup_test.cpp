// Unit tests of weft::errgroup: one test per rule of weft/errgroup.hpp. Orderings between
// subtasks come from the group's own context (a subtask that waits for the cancellation
// caused by another's failure) and from bounded polls of active().
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "scenario_driver.hpp"
#include "test_util.hpp"
#include "weft/context.hpp"
#include "weft/errgroup.hpp"

namespace {

using namespace std::chrono_literals;
using weft::scenarios::on_virtual_time;

TEST(Errgroup, WaitReturnsNothingWhenEverySubtaskSucceeds) {
  weft::errgroup g;
  std::atomic<int> ran{0};
  for (int i = 0; i < 10; ++i) {
    g.go([&] { ++ran; });
  }
  g.go([&]() -> std::error_code {
    ++ran;
    return {};
  });
  EXPECT_FALSE(g.wait());
  EXPECT_EQ(ran.load(), 11);
  EXPECT_EQ(g.context().err(), weft::context_errc::cancelled);  // cancelled when wait returns
}

TEST(Errgroup, TheFirstExceptionIsRethrownAfterEverySubtaskEnded) {
  weft::errgroup g;
  std::atomic<bool> slow_done{false};
  g.go([&](const weft::context& ctx) {
    ctx.wait();  // until the failure below cancels the group
    slow_done = true;
  });
  g.go([] { throw std::runtime_error("first"); });
  try {
    (void)g.wait();
    ADD_FAILURE() << "expected the subtask's exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "first");
  }
  EXPECT_TRUE(slow_done.load());
  EXPECT_THROW((void)g.wait(), std::runtime_error);  // the same failure, again
}

TEST(Errgroup, AReturnedErrorCodeCancelsTheGroupAndIsReturned) {
  weft::errgroup g;
  std::atomic<bool> saw_cancel{false};
  g.go([&](const weft::context& ctx) {
    ctx.wait();
    saw_cancel = ctx.err() == weft::context_errc::cancelled;
  });
  g.go([]() -> std::error_code { return std::make_error_code(std::errc::timed_out); });
  EXPECT_EQ(g.wait(), std::make_error_code(std::errc::timed_out));
  EXPECT_TRUE(saw_cancel.load());
}

TEST(Errgroup, OnlyTheFirstFailureIsKept) {
  weft::errgroup g;
  g.go([] { throw std::runtime_error("first"); });
  g.go([](const weft::context& ctx) {
    ctx.wait();  // runs after the first failure has been recorded
    throw std::logic_error("second");
  });
  EXPECT_THROW((void)g.wait(), std::runtime_error);
}

TEST(Errgroup, TheParentsCancellationReachesTheGroup) {
  auto [parent, cancel] = weft::with_cancel(weft::background());
  weft::errgroup g(parent);
  g.go([](const weft::context& ctx) { ctx.wait(); });
  cancel();
  EXPECT_FALSE(g.wait());  // cancellation is not a failure of the group
  EXPECT_TRUE(g.context().err());
}

TEST(Errgroup, TheLimitIsNeverExceeded) {
  weft::errgroup g;
  g.set_limit(2);
  std::atomic<int> inside{0}, peak{0};
  for (int i = 0; i < 20; ++i) {
    g.go([&] {
      const int now = ++inside;
      int p = peak.load();
      while (now > p && !peak.compare_exchange_weak(p, now)) {
      }
      std::this_thread::sleep_for(200us);
      --inside;
    });
    EXPECT_LE(g.active(), 2u);
  }
  EXPECT_FALSE(g.wait());
  EXPECT_LE(peak.load(), 2);
}

TEST(Errgroup, GoWaitsForRoomAndTryGoDoesNot) {
  weft::errgroup g;
  g.set_limit(1);
  std::promise<void> release;
  auto released = release.get_future().share();
  g.go([released] { released.wait(); });
  EXPECT_FALSE(g.try_go([] {}));
  std::atomic<bool> second_started{false};
  std::thread submitter([&] { g.go([&] { second_started = true; }); });
  std::this_thread::sleep_for(5ms);  // not synchronisation: only gives a bug time to show
  EXPECT_FALSE(second_started.load());
  EXPECT_EQ(g.active(), 1u);
  release.set_value();
  submitter.join();
  EXPECT_FALSE(g.wait());
  EXPECT_TRUE(second_started.load());
  EXPECT_TRUE(g.try_go([] {}));
  EXPECT_FALSE(g.wait());
}

TEST(Errgroup, LimitZeroHoldsGoUntilRaised) {
  weft::errgroup g;
  g.set_limit(0);
  EXPECT_FALSE(g.try_go([] {}));
  std::atomic<bool> ran{false};
  std::thread submitter([&] { g.go([&] { ran = true; }); });
  std::this_thread::sleep_for(2ms);
  EXPECT_FALSE(ran.load());
  g.set_limit(-1);
  submitter.join();
  EXPECT_FALSE(g.wait());
  EXPECT_TRUE(ran.load());
}

TEST(Errgroup, SubtasksMayStartSubtasks) {
  weft::errgroup g;
  std::atomic<int> ran{0};
  g.go([&] {
    ++ran;
    g.go([&] {
      ++ran;
      g.go([&] { ++ran; });
    });
  });
  EXPECT_FALSE(g.wait());
  EXPECT_EQ(ran.load(), 3);
}

TEST(Errgroup, DestructionWaitsForEverySubtaskUnderTheModelChecker) {
  on_virtual_time([] {
    weft::atomic<int> ran{0};
    {
      weft::errgroup g;
      g.go([&] {
        weft::this_thread::sleep_for(1s);
        ran.fetch_add(1);
      });
      g.go([] { throw std::runtime_error("dropped by the destructor"); });
    }
    EXPECT_EQ(ran.load(), 1);
  });
}

TEST(Errgroup, ManySubtasksOverTimeAreJoinedAsTheyGo) {
  weft::errgroup g;
  g.set_limit(4);
  std::atomic<int> ran{0};
  for (int i = 0; i < 500; ++i) {
    g.go([&] { ++ran; });
  }
  EXPECT_FALSE(g.wait());
  EXPECT_EQ(ran.load(), 500);
}

}  // namespace
