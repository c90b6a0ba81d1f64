// Tests of the stress runner: correct code passes, each failure kind is caught, and a
// hang is reported and unwound instead of stalling the test. Budgets are bounded by
// rounds (never by wall-clock sleeps); the hang tests use a short hang limit.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "weft/model.hpp"
#include "weft/stress.hpp"
#include "weft/sync.hpp"

namespace {

using weft::stress::failure;
using weft::stress::options;

options quick(std::size_t rounds) {
  options o;
  o.iterations = rounds;
  o.seed = 1234;
  o.use_environment = false;
  o.delays.probability = 0.3;
  return o;
}

// One model execution in which `misuse` must throw std::logic_error (a stress-only call
// made where no stress run is active); the report fails if it did not.
weft::model::report model_run_where_it_throws_logic_error(const std::function<void()>& misuse) {
  weft::model::options mo;
  mo.max_schedules = 1;
  mo.use_environment = false;
  return weft::model::check(mo, [&misuse] {
    bool threw = false;
    try {
      misuse();
    } catch (const std::logic_error&) {
      threw = true;
    }
    WEFT_ASSERT(threw);
  });
}

void counter_body(bool atomic_increment) {
  weft::atomic<int> n{0};
  auto work = [&] {
    for (int i = 0; i < 50; ++i) {
      if (atomic_increment) {
        n.fetch_add(1);
      } else {
        const int v = n.load();  // lost update between load and store
        n.store(v + 1);
      }
    }
  };
  weft::thread a(work), b(work);
  a.join();
  b.join();
  WEFT_ASSERT(n.load() == 100);
}

TEST(StressRun, CorrectCounterPasses) {
  const auto r = weft::stress::run(quick(200), [] { counter_body(true); });
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_EQ(r.iterations, 200u);
  EXPECT_GT(r.sync_operations, 200u * 100u);
  EXPECT_GT(r.delays_injected, 0u);
  EXPECT_GT(r.iterations_per_second, 0.0);
  EXPECT_LE(r.p50_us, r.max_us);
}

TEST(StressRun, FindsLostUpdate) {
  const auto r = weft::stress::run(quick(5000), [] { counter_body(false); });
  ASSERT_EQ(r.kind, failure::assertion) << r;
  EXPECT_NE(r.message.find("n.load() == 100"), std::string::npos) << r.message;
  EXPECT_NE(r.to_string().find("WEFT_SEED=1234"), std::string::npos);
  EXPECT_LT(r.failing_iteration, 5000u);
}

TEST(StressRun, WithoutInjectionNoDelaysAreAdded) {
  options o = quick(50);
  o.inject = false;
  const auto r = weft::stress::run(o, [] { counter_body(true); });
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_EQ(r.delays_injected, 0u);
}

TEST(StressRun, ReportsAndUnwindsADeadlock) {
  options o = quick(1000);
  o.hang_seconds = 0.5;
  const auto r = weft::stress::run(o, [] {
    weft::mutex a, b;
    weft::thread t([&] {
      std::lock_guard<weft::mutex> first(b);
      weft::this_thread::yield();
      std::lock_guard<weft::mutex> second(a);
    });
    {
      std::lock_guard<weft::mutex> first(a);
      weft::this_thread::yield();
      std::lock_guard<weft::mutex> second(b);
    }
    t.join();
  });
  ASSERT_EQ(r.kind, failure::hang) << r;
  EXPECT_NE(r.message.find("mutex.lock"), std::string::npos) << r.message;
}

TEST(StressRun, ReportsALostWakeupAsAHang) {
  options o = quick(1000);
  o.hang_seconds = 0.5;
  const auto r = weft::stress::run(o, [] {
    weft::mutex m;
    weft::condition_variable cv;
    weft::thread t([&] {
      std::lock_guard<weft::mutex> g(m);
      cv.notify_one();  // may come before the wait: lost
    });
    weft::this_thread::yield();
    {
      std::unique_lock<weft::mutex> lk(m);
      cv.wait(lk);
    }
    t.join();
  });
  ASSERT_EQ(r.kind, failure::hang) << r;
  EXPECT_NE(r.message.find("cv.wait"), std::string::npos) << r.message;
}

TEST(StressRun, UncaughtExceptionInAThread) {
  const auto r = weft::stress::run(quick(10), [] {
    weft::thread t([] { throw std::runtime_error("boom"); });
    t.join();
  });
  ASSERT_EQ(r.kind, failure::uncaught_exception) << r;
  EXPECT_NE(r.message.find("boom"), std::string::npos);
}

// A failing round unwinds the other threads where they would block or spin, never at a
// weft::var access: code reads plain data inside noexcept functions (the
// channels' ring buffer does), where a throw would terminate the process. Here a thread
// keeps reading a var inside a noexcept function until the failing thread is unwinding
// — so its reads certainly happen while the round is being abandoned.
namespace {
std::atomic<bool> reader_started{false};
std::atomic<bool> failing_unwound{false};
std::atomic<long> reads{0};
int read_until_unwound(const weft::var<int>& v) noexcept {
  int sum = 0;
  reader_started = true;
  while (!failing_unwound.load()) {
    sum += v.load();
    reads.fetch_add(1);
  }
  return sum;
}
}  // namespace

TEST(StressRun, AnAbandonedRoundNeverThrowsFromPlainDataAccess) {
  reader_started = false;
  failing_unwound = false;
  const auto r = weft::stress::run(quick(1), [] {
    weft::var<int> v{1};
    weft::thread reader([&] { (void)read_until_unwound(v); });
    (void)v.load();  // the spawner's next operation opens the new thread's start gate
    while (!reader_started.load()) {
      std::this_thread::yield();
    }
    struct on_unwind {
      ~on_unwind() {  // the round is being abandoned now: let the reader read on
        const long seen = reads.load();
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (reads.load() < seen + 100 && std::chrono::steady_clock::now() < give_up) {
          std::this_thread::yield();
        }
        failing_unwound = true;
      }
    } mark;
    WEFT_ASSERT(false);  // fails the round and unwinds this thread
  });
  EXPECT_EQ(r.kind, failure::assertion) << r;
}

// A failing round unwinds the other threads only where they could otherwise not end: a
// mutex lock, a few atomics and a notify in a noexcept completion path (a singleflight's
// completion, a channel's close) go through, where a throw would terminate the process.
// Here the failure itself is caught by a catch-all — as a primitive that hands a task's
// exception to its waiters does — and the thread then completes in a noexcept function.
namespace {
int complete_flight(weft::mutex& m, weft::atomic<int>& done,
                    weft::condition_variable& cv) noexcept {
  std::lock_guard<weft::mutex> g(m);
  const int n = done.fetch_add(1) + 1;
  done.store(n);
  cv.notify_all();
  return n;
}
}  // namespace

TEST(StressRun, AnAbandonedRoundLetsANoexceptCompletionFinish) {
  const auto r = weft::stress::run(quick(1), [] {
    weft::mutex m;
    weft::atomic<int> done{0};
    weft::condition_variable cv;
    weft::thread leader([&] {
      try {
        WEFT_ASSERT(false);  // fails the round; the catch-all below swallows the unwinding
      } catch (...) {
      }
      (void)complete_flight(m, done, cv);
    });
    leader.join();
  });
  EXPECT_EQ(r.kind, failure::assertion) << r;
  EXPECT_NE(r.message.find("WEFT_ASSERT(false)"), std::string::npos) << r;
}

// ... but a thread spinning on an atomic in an abandoned round is still unwound.
TEST(StressRun, AnAbandonedRoundUnwindsASpinner) {
  const auto r = weft::stress::run(quick(1), [] {
    weft::atomic<bool> never{false};
    weft::thread spinner([&] {
      while (!never.load()) {
      }
    });
    WEFT_ASSERT(false);
    spinner.join();
  });
  EXPECT_EQ(r.kind, failure::assertion) << r;
}

TEST(StressRun, FailEndsTheRunAfterTheRoundWithTheMessage) {
  std::atomic<std::size_t> rounds{0};
  std::atomic<bool> finished_round{false};
  const auto r = weft::stress::run(quick(100), [&] {
    if (rounds.fetch_add(1) == 3) {
      weft::stress::fail("invariant broken: 2 items for 1 sent");
      finished_round = true;  // fail() does not unwind the caller
    }
  });
  ASSERT_EQ(r.kind, failure::assertion) << r;
  EXPECT_NE(r.message.find("invariant broken: 2 items for 1 sent"), std::string::npos) << r;
  EXPECT_EQ(r.failing_iteration, 3u) << r;
  EXPECT_EQ(rounds.load(), 4u);
  EXPECT_TRUE(finished_round.load());
}

TEST(StressRun, FailOutsideAStressRunIsAnError) {
  EXPECT_THROW(weft::stress::fail("no run"), std::logic_error);
  const auto m = model_run_where_it_throws_logic_error(
      [] { weft::stress::fail("a model execution is not a stress run"); });
  EXPECT_TRUE(m.ok()) << m;
}

TEST(StressRun, LeakedThread) {
  const auto r = weft::stress::run(quick(10), [] { weft::thread t([] {}); });
  EXPECT_EQ(r.kind, failure::leaked_thread) << r;
}

TEST(StressRun, ChooseIsSeeded) {
  auto pick = [] {
    std::vector<std::size_t> out;
    options o = quick(5);
    (void)weft::stress::run(o, [&] { out.push_back(weft::model::choose(1000)); });
    return out;
  };
  EXPECT_EQ(pick(), pick());
}

TEST(StressRun, BadOptionsAndNestingAreErrors) {
  options o = quick(0);
  EXPECT_THROW(weft::stress::run(o, [] {}), std::invalid_argument);
  o = quick(1);
  o.delays.probability = 2;
  EXPECT_THROW(weft::stress::run(o, [] {}), std::invalid_argument);
  EXPECT_THROW(weft::stress::run(quick(1), nullptr), std::invalid_argument);
  const auto r = weft::stress::run(quick(1), [] {
    bool threw = false;
    try {
      (void)weft::stress::run(options{}, [] {});
    } catch (const std::logic_error&) {
      threw = true;
    }
    WEFT_ASSERT(threw);
  });
  EXPECT_TRUE(r.ok()) << r;
  const auto m =
      model_run_where_it_throws_logic_error([] { (void)weft::stress::run(options{}, [] {}); });
  EXPECT_TRUE(m.ok()) << m;
}

}  // namespace
