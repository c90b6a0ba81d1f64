// weft::singleflight against a model of flights, in model mode over generated concurrent
// scenarios, per key. fn for key k returns the number of fns run for k so far, so a
// result names its flight. The model: a call either starts a new flight (the next
// number) or shares the latest one; a history check adds what a sequential model cannot
// say — the calls that got one flight's value all overlap (they were in flight together:
// nothing is served after its flight completed) and a call that reports "not shared" is
// alone in its flight. Two mutants are caught: results kept after their flight, and a
// leader that reports "not shared" when others joined.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "weft/prop/gtest.hpp"
#include "weft/property.hpp"
#include "weft/singleflight.hpp"
#include "weft/sync.hpp"

namespace {

using weft::testing::passed;

enum class sf_bug { none, cached_result, leader_never_shared };

using run_result = std::pair<int, bool>;  // (value, shared)

template <sf_bug Bug>
class sf_under_test {
 public:
  run_result run(int k) {
    if constexpr (Bug == sf_bug::cached_result) {
      std::lock_guard<weft::mutex> g(m_);
      if (auto it = cache_.get().find(k); it != cache_.get().end()) {
        return {it->second, true};  // BUG: a result served after its flight completed
      }
    }
    const auto r = g_.run(k, [this, k] {
      const int v = runs_[static_cast<std::size_t>(k)].fetch_add(1) + 1;
      ticks_.fetch_add(1);  // a second step inside fn: room for others to join
      return v;
    });
    if constexpr (Bug == sf_bug::cached_result) {
      std::lock_guard<weft::mutex> g(m_);
      cache_.get_mut()[k] = r.value;
    }
    if constexpr (Bug == sf_bug::leader_never_shared) {
      return {r.value, false};  // BUG: joiners' leaders must say "shared"
    }
    return {r.value, r.shared};
  }
  bool forget(int k) { return g_.forget(k); }

 private:
  weft::singleflight<int, int> g_;
  std::array<weft::atomic<int>, 3> runs_{};
  weft::atomic<int> ticks_{0};
  weft::mutex m_;
  weft::var<std::map<int, int>> cache_;  // [m_]
};

using flights = std::map<int, int>;  // per key: the number of the latest flight (0: none)

std::string flights_overlap(const weft::prop::history& h) {
  // Calls of "run" grouped by (key, value): one flight each.
  std::map<std::pair<int, int>, std::vector<const weft::prop::operation*>> groups;
  for (const auto& o : h) {
    if (o.op != "run" || o.pending()) continue;
    const int k = std::get<0>(weft::prop::args_of<int>(o));
    groups[{k, weft::prop::result_of<run_result>(o).first}].push_back(&o);
  }
  for (const auto& [kv, calls] : groups) {
    std::uint64_t last_invoke = 0;
    std::uint64_t first_return = ~std::uint64_t{0};
    for (const auto* o : calls) {
      last_invoke = std::max(last_invoke, o->invoke);
      first_return = std::min(first_return, o->ret);
      if (!weft::prop::result_of<run_result>(*o).second && calls.size() > 1) {
        return "run(" + std::to_string(kv.first) + ") -> " + std::to_string(kv.second) +
               " says 'not shared' but " + std::to_string(calls.size()) + " calls got it";
      }
    }
    if (last_invoke > first_return) {
      return "the calls that got flight " + std::to_string(kv.second) + " of key " +
             std::to_string(kv.first) +
             " were not all in flight together: one returned before another began";
    }
  }
  return "";
}

template <sf_bug Bug>
auto singleflight_spec() {
  using S = sf_under_test<Bug>;
  return weft::prop::spec<S, flights>("singleflight")
      .op(
          "run", rc::gen::inRange(0, 3), [](S& s, int k) { return s.run(k); },
          [](const flights& m, int k) {
            weft::prop::outcomes<run_result, flights> out;
            const int latest = m.count(k) != 0 ? m.at(k) : 0;
            flights next = m;
            next[k] = latest + 1;
            out.allow({latest + 1, false}, next);          // a new flight, alone
            out.allow({latest + 1, true}, next);           // a new flight that others joined
            if (latest > 0) out.allow({latest, true}, m);  // joined the latest flight
            return out;
          })
      .key([](int k) { return k; })
      .op(
          "forget", rc::gen::inRange(0, 3), [](S& s, int k) { return s.forget(k); },
          [](const flights& m, int) {
            weft::prop::outcomes<bool, flights> out;
            out.allow(false, m);
            out.allow(true, m);
            return out;
          })
      .key([](int k) { return k; })
      .history_check("a flight's callers overlap; 'not shared' means alone", flights_overlap);
}

weft::prop::config quick(int scenarios = 40) {
  weft::prop::config c;
  c.scenarios = scenarios;
  c.runs = 40;
  c.seed = 3;
  c.use_environment = true;
  return c;
}

TEST(SingleflightProperty, MatchesTheModelOfFlights) {
  EXPECT_TRUE(passed(weft::prop::check(singleflight_spec<sf_bug::none>(), quick())));
}

TEST(SingleflightPropertyMutant, ResultsKeptAfterTheFlightAreCaught) {
  const auto r = weft::prop::check(singleflight_spec<sf_bug::cached_result>(), quick(200));
  ASSERT_TRUE(r.failure.has_value()) << r;
  EXPECT_LE(r.failure->minimal.size(), 3u) << r;
}

TEST(SingleflightPropertyMutant, ALeaderHidingThatItSharedIsCaught) {
  const auto r = weft::prop::check(singleflight_spec<sf_bug::leader_never_shared>(), quick(200));
  ASSERT_TRUE(r.failure.has_value()) << r;
}

}  // namespace
