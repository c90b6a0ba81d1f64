// weft::rate_limiter against a token-bucket model on virtual time, over generated
// concurrent scenarios in model mode — and a limiter that refills past its burst is caught
// and shrunk.
//
// Operations act at a virtual instant given as an argument: allow_at(k) sleeps until
// start + k x 50 ms, then calls allow(); reserve_at(k) reserves there and reports the delay.
// Virtual time moves only when every thread is blocked, so an operation normally acts
// exactly at its instant, and the model — which knows the instant from the arguments —
// can say exactly what it must return. The model also keeps the latest instant it has
// seen: an order of operations that goes back in time is no linearization. An operation
// whose thread reaches it after its instant (an earlier operation of the same thread ran
// later) does nothing and reports "late", which the model always accepts.
//
// Independently of the model's formulas, a history check counts the admitted events —
// allowed, or reserved (at their time to act) — and requires at most burst + w / interval
// of them in every window of length w.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "weft/prop/gtest.hpp"
#include "weft/property.hpp"
#include "weft/rate_limiter.hpp"
#include "weft/sync.hpp"

namespace {

using namespace std::chrono_literals;
using weft::prop::violation;
using weft::testing::found;
using weft::testing::passed;

constexpr std::int64_t kInterval = 100'000'000;  // ns: 10 tokens per second
constexpr std::int64_t kBurst = 2;
constexpr std::int64_t kStep = 50'000'000;  // ns between the instants operations pick
constexpr int kLate = -2;                   // an operation that came after its instant
constexpr int kDenied = -1;                 // allow_at: no token

// The bucket as in the rate limiter's documentation: it holds
// min(burst, (t - base) / interval) tokens at time t; taking n moves base by n intervals.
struct bucket_model {
  std::int64_t base = -kBurst * kInterval;  // full at time 0
  std::int64_t now = 0;                     // latest instant an operation acted at
  bool operator==(const bucket_model&) const = default;
  friend std::ostream& operator<<(std::ostream& os, const bucket_model& m) {
    return os << "{base " << m.base / 1'000'000 << " ms, now " << m.now / 1'000'000 << " ms}";
  }
};

enum class limiter_bug { none, uncapped };

// A limiter that refills without the burst cap: idle time buys more than `burst`.
class uncapped_limiter {
 public:
  bool allow() {
    std::lock_guard<weft::mutex> g(m_);
    const std::int64_t now = weft::clock::now().time_since_epoch().count();
    if (now - base_.load() < kInterval) return false;  // BUG: no cap at burst
    base_.store(base_.load() + kInterval);
    return true;
  }
  std::int64_t reserve_delay() {
    std::lock_guard<weft::mutex> g(m_);
    const std::int64_t now = weft::clock::now().time_since_epoch().count();
    base_.store(base_.load() + kInterval);  // BUG: no cap at burst
    return std::max<std::int64_t>(0, base_.load() - now);
  }

 private:
  weft::mutex m_;
  weft::var<std::int64_t> base_{weft::clock::now().time_since_epoch().count() - kBurst * kInterval};
};

template <limiter_bug Bug>
class limiter_under_test {
 public:
  // allow() at start + k steps: 1 allowed, kDenied, or kLate.
  int allow_at(int k) {
    if (!arrive(k)) return kLate;
    if constexpr (Bug == limiter_bug::none) {
      return lim_.allow() ? 1 : kDenied;
    } else {
      return bad_.allow() ? 1 : kDenied;
    }
  }
  // reserve() at start + k steps: the delay in ms, or kLate.
  int reserve_at(int k) {
    if (!arrive(k)) return kLate;
    std::int64_t delay = 0;
    if constexpr (Bug == limiter_bug::none) {
      delay = lim_.reserve().delay().count();
    } else {
      delay = bad_.reserve_delay();
    }
    return static_cast<int>(delay / 1'000'000);
  }

 private:
  bool arrive(int k) {
    const auto at = start_ + std::chrono::nanoseconds(k * kStep);
    weft::this_thread::sleep_until(at);
    return weft::clock::now() == at;
  }

  weft::clock::time_point start_ = weft::clock::now();
  weft::rate_limiter lim_{std::chrono::nanoseconds(kInterval), kBurst};
  uncapped_limiter bad_;
};

// The model's step for an operation acting at instant k: no outcome if that goes back in
// time; otherwise `act` says the exact result and next state. "late" is always allowed.
template <class Act>
weft::prop::outcomes<int, bucket_model> at_instant(const bucket_model& m, int k, Act act) {
  weft::prop::outcomes<int, bucket_model> out{{kLate, m}};
  const std::int64_t t = k * kStep;
  if (t >= m.now) {
    bucket_model next = m;
    next.now = t;
    next.base = std::max(m.base, t - kBurst * kInterval);  // refill, capped at the burst
    const int result = act(next, t);
    out.allow(result, next);
  }
  return out;
}

// At most burst + w / interval admitted events in every window of length w.
std::string window_bound(const weft::prop::history& h) {
  std::vector<std::int64_t> times;
  for (const auto& o : h) {
    if (o.pending()) continue;
    const int k = std::get<0>(weft::prop::args_of<int>(o));
    const int r = weft::prop::result_of<int>(o);
    if (o.op == "allow_at" && r == 1) times.push_back(k * kStep);
    if (o.op == "reserve_at" && r >= 0) times.push_back(k * kStep + r * 1'000'000LL);
  }
  std::sort(times.begin(), times.end());
  for (std::size_t i = 0; i < times.size(); ++i) {
    for (std::size_t j = i; j < times.size(); ++j) {
      const auto n = static_cast<std::int64_t>(j - i + 1);
      if (n > kBurst + (times[j] - times[i]) / kInterval) {
        return std::to_string(n) + " events admitted within " +
               std::to_string((times[j] - times[i]) / 1'000'000) + " ms";
      }
    }
  }
  return "";
}

template <limiter_bug Bug>
auto limiter_spec() {
  using L = limiter_under_test<Bug>;
  return weft::prop::spec<L, bucket_model>("rate_limiter")
      .op(
          "allow_at", rc::gen::inRange(0, 8), [](L& l, int k) { return l.allow_at(k); },
          [](const bucket_model& m, int k) {
            return at_instant(m, k, [](bucket_model& next, std::int64_t t) {
              if (t - next.base < kInterval) return kDenied;
              next.base += kInterval;
              return 1;
            });
          })
      .op(
          "reserve_at", rc::gen::inRange(0, 8), [](L& l, int k) { return l.reserve_at(k); },
          [](const bucket_model& m, int k) {
            return at_instant(m, k, [](bucket_model& next, std::int64_t t) {
              next.base += kInterval;
              return static_cast<int>(std::max<std::int64_t>(0, next.base - t) / 1'000'000);
            });
          })
      .history_check("burst + rate x window", window_bound);
}

weft::prop::config quick(int scenarios = 60) {
  weft::prop::config c;
  c.scenarios = scenarios;
  c.runs = 30;
  c.seed = 11;
  c.use_environment = true;  // WEFT_PROP_SCENARIOS / WEFT_SCHEDULES scale it nightly
  // Model mode only: the operations' instants are virtual time (stress mode's real
  // clock would make every operation late, which proves nothing).
  c.executors = {std::make_shared<weft::prop::model_executor>()};
  return c;
}

TEST(RateLimiterProperty, MatchesTheTokenBucketOnVirtualTime) {
  EXPECT_TRUE(passed(weft::prop::check(limiter_spec<limiter_bug::none>(), quick())));
}

TEST(RateLimiterPropertyMutant, RefillPastTheBurstIsCaught) {
  const auto r = weft::prop::check(limiter_spec<limiter_bug::uncapped>(), quick(200));
  ASSERT_TRUE(found(r, violation::not_linearizable) || found(r, violation::invariant)) << r;
  EXPECT_LE(r.failure->minimal.size(), 5u) << r;
}

}  // namespace
