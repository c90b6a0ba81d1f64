// Model-checking scenarios of weft::rate_limiter on virtual time. Every admitted event is
// recorded with its (virtual) time, and the record must satisfy the token bucket's
// bound in every window: events admitted in [t1, t2] <= burst + (t2 - t1) / interval —
// which includes "admitted events never exceed burst + rate x elapsed time" (the window
// from the start). The scenarios run on weft's limiter and on mutants they must catch:
//
//   allow() -> bool   wait() -> bool   wait(ctx) -> bool   reserve() -> r
//   r.time_to_act()   r.cancel()                         (shared with the mutants)
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

#include "model_scenarios.hpp"
#include "scenario_driver.hpp"
#include "weft/context.hpp"
#include "weft/rate_limiter.hpp"
#include "weft/sync.hpp"

namespace weft::scenarios {

// ---------------------------------------------------------------------------------------
// Mutants: a token bucket (tokens counted in nanoseconds of refill, negative while in
// debt to reservations) with one bug each.

enum class limiter_bug {
  uncapped,       // refills past the burst: a long idle period buys a burst too large
  racy_take,      // checks for a token and takes it in two critical sections
  greedy_cancel,  // a cancelled reservation gives back its whole token, even the part a
                  // later reservation already counts on
};

template <limiter_bug Bug>
class mutant_limiter {
 public:
  mutant_limiter(std::chrono::nanoseconds interval, std::int64_t burst)
      : interval_(interval.count()), burst_(burst), tokens_ns_(burst * interval.count()) {}

  bool allow() {
    if constexpr (Bug == limiter_bug::racy_take) {
      {
        std::lock_guard<weft::mutex> g(m_);
        refill();
        if (tokens_ns_.load() < interval_) return false;
      }
      std::lock_guard<weft::mutex> g(m_);  // BUG: the token seen above may be gone
      tokens_ns_.store(tokens_ns_.load() - interval_);
      return true;
    } else {
      std::lock_guard<weft::mutex> g(m_);
      refill();
      if (tokens_ns_.load() < interval_) return false;
      tokens_ns_.store(tokens_ns_.load() - interval_);
      return true;
    }
  }

  struct reservation {
    mutant_limiter* lim;
    std::int64_t act_at;
    weft::clock::time_point time_to_act() const {
      return weft::clock::time_point(weft::clock::duration(act_at));
    }
    void cancel() {
      std::lock_guard<weft::mutex> g(lim->m_);
      if (act_at < now()) return;
      lim->refill();
      // BUG (greedy_cancel): later reservations counted on this token; a correct bucket
      // gives back only interval - (latest act_at - act_at).
      lim->tokens_ns_.store(
          std::min(lim->tokens_ns_.load() + lim->interval_, lim->burst_ * lim->interval_));
    }
  };

  reservation reserve() {
    std::lock_guard<weft::mutex> g(m_);
    refill();
    const std::int64_t t = tokens_ns_.load() - interval_;
    tokens_ns_.store(t);
    return {this, t >= 0 ? now() : now() - t};
  }

  bool wait() {
    weft::this_thread::sleep_until(reserve().time_to_act());
    return true;
  }

  bool wait(const weft::context& ctx) {
    if (ctx.err()) return false;
    reservation r = reserve();
    if (ctx.wait_until(r.time_to_act())) {
      r.cancel();
      return false;
    }
    return true;
  }

 private:
  static std::int64_t now() { return weft::clock::now().time_since_epoch().count(); }

  void refill() {
    std::int64_t t = tokens_ns_.load() + (now() - last_.load());
    if constexpr (Bug != limiter_bug::uncapped) t = std::min(t, burst_ * interval_);
    tokens_ns_.store(t);
    last_.store(now());
  }

  const std::int64_t interval_;
  const std::int64_t burst_;
  weft::mutex m_;
  weft::var<std::int64_t> tokens_ns_;
  weft::var<std::int64_t> last_{now()};
};

template <class>
using uncapped_limiter = mutant_limiter<limiter_bug::uncapped>;
template <class>
using racy_limiter = mutant_limiter<limiter_bug::racy_take>;
template <class>
using greedy_cancel_limiter = mutant_limiter<limiter_bug::greedy_cancel>;

// ---------------------------------------------------------------------------------------
// The admission record and its bound

class admissions {
 public:
  void add() {
    const std::int64_t t = weft::clock::now().time_since_epoch().count();
    std::lock_guard<weft::mutex> g(m_);
    times_.push_back(t);
  }
  std::size_t count() const { return times_.size(); }

  // Call after every thread has been joined.
  void check(std::chrono::nanoseconds interval, std::int64_t burst, std::int64_t start) {
    std::sort(times_.begin(), times_.end());
    for (std::size_t i = 0; i < times_.size(); ++i) {
      WEFT_ASSERT(static_cast<std::int64_t>(i + 1) <=
                  burst + (times_[i] - start) / interval.count());
      for (std::size_t j = i; j < times_.size(); ++j) {
        const auto in_window = static_cast<std::int64_t>(j - i + 1);
        WEFT_ASSERT(in_window <= burst + (times_[j] - times_[i]) / interval.count());
      }
    }
  }

 private:
  weft::mutex m_;
  std::vector<std::int64_t> times_;  // [m_]
};

inline void sleep_ms(int ms) {
  weft::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

// ---------------------------------------------------------------------------------------
// Scenarios

// Bursts from three threads at t = 0, an idle period, bursts at t = 500 ms, then a wait:
// concurrent allows never take the same token, and idling never saves up more than the
// burst.
template <class Lim>
void limiter_admits_within_rate() {
  using namespace std::chrono_literals;
  const std::int64_t start = weft::clock::now().time_since_epoch().count();
  Lim lim(100ms, 2);
  admissions rec;
  auto burst_of = [&](int k) {
    for (int i = 0; i < k; ++i) {
      if (lim.allow()) rec.add();
    }
  };
  weft::thread t1([&] {
    burst_of(2);
    sleep_ms(500);
    burst_of(2);
    lim.wait();
    rec.add();
  });
  weft::thread t2([&] {
    burst_of(1);
    sleep_ms(500);
    burst_of(2);
  });
  burst_of(1);
  t1.join();
  t2.join();
  rec.check(100ms, 2, start);
  WEFT_ASSERT(rec.count() >= 3);  // the two of the first burst and the wait at least
}

// Two threads each perform three operations chosen by the checker — allow, wait, a
// reservation that is kept or cancelled, a wait with a context another thread may cancel
// — with chosen pauses in between. Admitted = allowed, waited (true), or reserved, kept
// and acted on at its time. A burst of 1 leaves no slack to hide a token given back twice.
template <class Lim>
void limiter_random_operations() {
  using namespace std::chrono_literals;
  const std::int64_t start = weft::clock::now().time_since_epoch().count();
  Lim lim(100ms, 1);
  admissions rec;
  const auto pair = weft::with_cancel(weft::background());
  const weft::context ctx = pair.first;
  auto client = [&] {
    for (int i = 0; i < 3; ++i) {
      switch (weft::model::choose(4)) {
        case 0:
          if (lim.allow()) rec.add();
          break;
        case 1:
          WEFT_ASSERT(lim.wait());
          rec.add();
          break;
        case 2: {
          auto r = lim.reserve();
          if (weft::model::choose(2) == 0) {
            r.cancel();
          } else {
            weft::this_thread::sleep_until(r.time_to_act());
            rec.add();
          }
          break;
        }
        default:
          if (lim.wait(ctx)) rec.add();
          break;
      }
      sleep_ms(static_cast<int>(weft::model::choose(3)) * 60);
    }
  };
  weft::thread t1(client);
  weft::thread canceller([&] {
    sleep_ms(static_cast<int>(weft::model::choose(3)) * 90);
    pair.second();
  });
  client();
  t1.join();
  canceller.join();
  rec.check(100ms, 1, start);
}

// These scenarios time each admission by when the admitted thread returns, which is
// exact only if every timed wait ends at its deadline. With spurious wake-ups on, the
// checker can treat a wait loop re-checking its flag after a spurious wake-up (parker.hpp)
// as a spin, deprioritise it, and let virtual time jump past the deadline it is about to
// wait for — the thread then returns late, as a preempted thread would on a real machine,
// and its late action breaks the window bound without any fault in the limiter. So they
// run without spurious wake-ups (the grant and parker loops are checked with them on by
// the semaphore and pool scenarios).
inline weft::model::options exact_time(weft::model::options o) {
  o.spurious_wakeups = false;
  return o;
}

inline std::vector<scenario> rate_limiter_scenarios() {
  using weft::model::failure;
  std::vector<scenario> out;
  out.push_back({"rate limiter", "admits within burst + rate x time, every window (dfs)",
                 [] { limiter_admits_within_rate<weft::rate_limiter>(); }, failure::none,
                 exact_time(bounded_dfs(bound(2), budget(100000)))});
  out.push_back({"rate limiter", "admits within burst + rate x time, every window (pct)",
                 [] { limiter_admits_within_rate<weft::rate_limiter>(); }, failure::none,
                 exact_time(pct_search(budget(3000)))});
  out.push_back({"rate limiter", "random allow/wait/reserve/cancel/wait(ctx) (random)",
                 [] { limiter_random_operations<weft::rate_limiter>(); }, failure::none,
                 exact_time(random_search(budget(20000)))});
  out.push_back({"rate limiter", "random allow/wait/reserve/cancel/wait(ctx) (pct)",
                 [] { limiter_random_operations<weft::rate_limiter>(); }, failure::none,
                 exact_time(pct_search(budget(20000)))});
  out.push_back({"rate limiter mutant", "refill past the burst is caught",
                 [] { limiter_admits_within_rate<uncapped_limiter<void>>(); }, failure::assertion,
                 exact_time(bounded_dfs(bound(2), budget(100000)))});
  out.push_back({"rate limiter mutant", "check-then-take in two critical sections is caught",
                 [] { limiter_admits_within_rate<racy_limiter<void>>(); }, failure::assertion,
                 exact_time(bounded_dfs(bound(2), budget(100000)))});
  out.push_back({"rate limiter mutant", "a cancel that gives back too much is caught",
                 [] { limiter_random_operations<greedy_cancel_limiter<void>>(); },
                 failure::assertion, exact_time(random_search(budget(20000)))});
  return out;
}

}  // namespace weft::scenarios
