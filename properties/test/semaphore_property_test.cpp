// weft::weighted_semaphore is linearizable against a counter of free permits, in model
// mode, over generated concurrent scenarios — and two mutants are caught and shrunk: a
// try_acquire that checks and takes in two critical sections (over-admits under
// concurrency) and a release that does not check what is held.
//
// Two specs. The exact one uses only non-blocking operations (try_acquire, release,
// available): with nobody waiting, each has exactly one allowed outcome. The second adds
// acquire_for, a timed wait on virtual time; while it waits, FIFO order lets try_acquire
// fail even when the permits are free (nobody passes a waiter), so there the model allows
// failure of any acquire — and still no acquire may succeed without the permits.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <ostream>

#include "weft/errors.hpp"
#include "weft/prop/gtest.hpp"
#include "weft/property.hpp"
#include "weft/semaphore.hpp"
#include "weft/sync.hpp"

namespace {

using namespace std::chrono_literals;
using weft::prop::violation;
using weft::testing::found;
using weft::testing::passed;

constexpr std::int64_t kSize = 3;

struct sem_model {
  std::int64_t available = kSize;
  bool operator==(const sem_model&) const = default;
  friend std::ostream& operator<<(std::ostream& os, const sem_model& m) {
    return os << "available " << m.available;
  }
};

enum class sem_bug { none, racy_try_acquire, unchecked_release };

// The semaphore under test: weft's, or a mutex-and-counter mutant. Every operation
// returns what it observed (misuse becomes `false`).
template <sem_bug Bug>
class sem_under_test {
 public:
  bool try_acquire(std::int64_t n) {
    if constexpr (Bug == sem_bug::none) {
      return s_.try_acquire(n);
    } else if constexpr (Bug == sem_bug::racy_try_acquire) {
      {
        std::lock_guard<weft::mutex> g(m_);
        if (avail_.load() < n) return false;
      }
      std::lock_guard<weft::mutex> g(m_);  // BUG: the permits seen above may be gone
      avail_.store(avail_.load() - n);
      return true;
    } else {
      std::lock_guard<weft::mutex> g(m_);
      if (avail_.load() < n) return false;
      avail_.store(avail_.load() - n);
      return true;
    }
  }

  bool acquire_for(std::int64_t n) {
    if constexpr (Bug == sem_bug::none) {
      return s_.acquire_for(n, 1ms);
    } else {
      return try_acquire(n);
    }
  }

  bool release(std::int64_t n) {
    if constexpr (Bug == sem_bug::none) {
      try {
        s_.release(n);
        return true;
      } catch (const weft::semaphore_misuse&) {
        return false;
      }
    } else {
      std::lock_guard<weft::mutex> g(m_);
      if (Bug != sem_bug::unchecked_release && kSize - avail_.load() < n) return false;
      avail_.store(avail_.load() + n);  // BUG (unchecked_release): more than is held
      return true;
    }
  }

  std::int64_t available() const {
    if constexpr (Bug == sem_bug::none) {
      return s_.available();
    } else {
      std::lock_guard<weft::mutex> g(m_);
      return avail_.load();
    }
  }

 private:
  weft::weighted_semaphore s_{kSize};
  mutable weft::mutex m_;
  weft::var<std::int64_t> avail_{kSize};
};

template <sem_bug Bug>
auto semaphore_spec(bool with_timed_acquire) {
  using S = sem_under_test<Bug>;
  auto s = weft::prop::spec<S, sem_model>("weighted_semaphore");
  if (!with_timed_acquire) {
    s.op(
        "try_acquire", rc::gen::inRange<std::int64_t>(0, kSize + 2),
        [](S& sem, std::int64_t n) { return sem.try_acquire(n); },
        [](sem_model& m, std::int64_t n) {
          if (n > m.available) return false;
          m.available -= n;
          return true;
        });
  } else {
    // With waiters around, an acquire may fail although the permits are free (FIFO).
    auto acquire_model = [](const sem_model& m, std::int64_t n) {
      weft::prop::outcomes<bool, sem_model> out{{false, m}};
      if (n <= m.available) out.allow(true, sem_model{m.available - n});
      return out;
    };
    s.op(
        "try_acquire", rc::gen::inRange<std::int64_t>(0, kSize + 2),
        [](S& sem, std::int64_t n) { return sem.try_acquire(n); }, acquire_model);
    s.op(
        "acquire_for", rc::gen::inRange<std::int64_t>(1, kSize + 1),
        [](S& sem, std::int64_t n) { return sem.acquire_for(n); }, acquire_model);
  }
  s.op(
       "release", rc::gen::inRange<std::int64_t>(1, kSize + 1),
       [](S& sem, std::int64_t n) { return sem.release(n); },
       [](sem_model& m, std::int64_t n) {
         if (kSize - m.available < n) return false;  // more than is held: misuse
         m.available += n;
         return true;
       })
      .op(
          "available", [](S& sem) { return sem.available(); },
          [](sem_model& m) { return m.available; })
      .invariant("0 <= available <= size", [](const S& sem) {
        const auto a = sem.available();
        return a >= 0 && a <= kSize;
      });
  return s;
}

weft::prop::config quick(int scenarios = 60) {
  weft::prop::config c;
  c.scenarios = scenarios;
  c.runs = 40;
  c.seed = 5;
  c.use_environment = true;  // WEFT_PROP_SCENARIOS / WEFT_SCHEDULES scale it nightly
  return c;
}

TEST(SemaphoreProperty, LinearizableNonBlocking) {
  EXPECT_TRUE(passed(weft::prop::check(semaphore_spec<sem_bug::none>(false), quick())));
}

TEST(SemaphoreProperty, LinearizableWithTimedAcquire) {
  EXPECT_TRUE(passed(weft::prop::check(semaphore_spec<sem_bug::none>(true), quick())));
}

TEST(SemaphorePropertyMutant, RacyTryAcquireIsCaught) {
  const auto r = weft::prop::check(semaphore_spec<sem_bug::racy_try_acquire>(false), quick(200));
  ASSERT_TRUE(found(r, violation::not_linearizable) || found(r, violation::invariant)) << r;
  EXPECT_LE(r.failure->minimal.size(), 6u) << r;
}

TEST(SemaphorePropertyMutant, UncheckedReleaseIsCaught) {
  const auto r = weft::prop::check(semaphore_spec<sem_bug::unchecked_release>(false), quick(200));
  ASSERT_TRUE(found(r, violation::not_linearizable) || found(r, violation::invariant)) << r;
  EXPECT_LE(r.failure->minimal.size(), 3u) << r;
}

}  // namespace
