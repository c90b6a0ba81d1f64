// The property layer's features, each with a component that passes and a mutant that is
// caught: non-deterministic specifications (a cache that may miss), per-key checking (a
// striped counter map), operations returning void, final invariants, engine failures
// (a deadlock with pending operations), stress mode, and the environment knobs.
#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>

#include "weft/prop/gtest.hpp"
#include "weft/property.hpp"
#include "weft/sync.hpp"

namespace {

using weft::prop::violation;
using weft::testing::found;
using weft::testing::passed;

weft::prop::config quick(int scenarios = 40, std::size_t runs = 60) {
  weft::prop::config c;
  c.scenarios = scenarios;
  c.runs = runs;
  c.seed = 11;
  c.use_environment = false;
  return c;
}

// --- a direct-mapped cache: get may miss at any time (non-deterministic spec) ------------

// Two slots, key k lives in slot k % 2; a put evicts whatever was there.
template <bool Torn>
class slot_cache {
 public:
  void put(int k, int v) {
    auto& s = slots_[static_cast<std::size_t>(k) % 2];
    if constexpr (Torn) {
      {
        std::lock_guard<weft::mutex> lock(m_);
        s.key.store(k);
      }
      std::lock_guard<weft::mutex> lock(m_);  // BUG: a get in between sees k with the old value
      s.value.store(v);
    } else {
      std::lock_guard<weft::mutex> lock(m_);
      s.key.store(k);
      s.value.store(v);
    }
  }

  std::optional<int> get(int k) const {
    std::lock_guard<weft::mutex> lock(m_);
    const auto& s = slots_[static_cast<std::size_t>(k) % 2];
    if (s.key.load() != k) return std::nullopt;
    return s.value.load();
  }

 private:
  struct slot {
    weft::var<int> key{-1};
    weft::var<int> value{0};
  };
  mutable weft::mutex m_;
  std::array<slot, 2> slots_;
};

struct cache_model {
  std::map<int, int> data;  // every value ever put and not overwritten
  bool operator==(const cache_model&) const = default;
  friend std::ostream& operator<<(std::ostream& os, const cache_model& m) {
    return os << weft::prop::show(m.data);
  }
};

template <bool Torn>
auto cache_spec() {
  using C = slot_cache<Torn>;
  using result = std::optional<int>;
  return weft::prop::spec<C, cache_model>("slot_cache")
      .op(
          "put", rc::gen::inRange(0, 4), rc::gen::inRange(1, 4),
          [](C& c, int k, int v) { c.put(k, v); },
          [](cache_model& m, int k, int v) { m.data[k] = v; })
      .op(
          "get", rc::gen::inRange(0, 4), [](C& c, int k) { return c.get(k); },
          [](const cache_model& m, int k) {
            weft::prop::outcomes<result, cache_model> out;
            out.allow(std::nullopt, m);  // a miss is always allowed
            if (auto it = m.data.find(k); it != m.data.end()) out.allow(it->second, m);
            return out;
          });
}

TEST(Features, NondeterministicCacheSpecPasses) {
  EXPECT_TRUE(passed(weft::prop::check(cache_spec<false>(), quick())));
}

TEST(Features, TornCachePutIsCaughtDespiteAllowedMisses) {
  const auto r = weft::prop::check(cache_spec<true>(), quick());
  ASSERT_TRUE(found(r, violation::not_linearizable));
  EXPECT_LE(r.failure->minimal.size(), 4u) << r;
  EXPECT_NE(r.failure->explanation.find("nullopt or"), std::string::npos) << r;
}

// --- a striped counter map checked per key -------------------------------------------------

template <bool LostUpdate>
class counter_map {
 public:
  int add(int k, int d) {
    if constexpr (LostUpdate) {
      int v = 0;
      {
        std::lock_guard<weft::mutex> lock(stripe(k));
        v = cell(k).load();
      }
      std::lock_guard<weft::mutex> lock(stripe(k));  // BUG: read and write not atomic
      cell(k).store(v + d);
      return v + d;
    } else {
      std::lock_guard<weft::mutex> lock(stripe(k));
      const int v = cell(k).load() + d;
      cell(k).store(v);
      return v;
    }
  }
  int get(int k) {
    std::lock_guard<weft::mutex> lock(stripe(k));
    return cell(k).load();
  }

 private:
  weft::mutex& stripe(int k) { return stripes_[static_cast<std::size_t>(k) % 2]; }
  weft::var<int>& cell(int k) { return cells_[static_cast<std::size_t>(k)]; }
  std::array<weft::mutex, 2> stripes_;
  std::array<weft::var<int>, 4> cells_;
};

template <bool LostUpdate>
auto counter_spec() {
  using M = counter_map<LostUpdate>;
  using model = std::map<int, int>;
  return weft::prop::spec<M, model>("counter_map")
      .op(
          "add", rc::gen::inRange(0, 4), rc::gen::inRange(1, 3),
          [](M& m, int k, int d) { return m.add(k, d); },
          [](model& m, int k, int d) { return m[k] += d; })
      .key([](int k, int) { return k; })
      .op(
          "get", rc::gen::inRange(0, 4), [](M& m, int k) { return m.get(k); },
          [](model& m, int k) { return m[k]; })
      .key([](int k) { return k; });
}

TEST(Features, KeyedCounterMapPasses) {
  EXPECT_TRUE(passed(weft::prop::check(counter_spec<false>(), quick())));
}

TEST(Features, LostUpdateIsCaughtPerKey) {
  const auto r = weft::prop::check(counter_spec<true>(), quick());
  ASSERT_TRUE(found(r, violation::not_linearizable));
  EXPECT_EQ(r.failure->minimal.parallel.size(), 2u) << r;
  EXPECT_NE(r.failure->explanation.find("add("), std::string::npos) << r;
}

TEST(Features, PerKeyPartitioningIsUsedOnlyWhenEveryOperationHasAKey) {
  const auto s = counter_spec<false>();
  weft::prop::history h = weft::prop::parse_jsonl(
      R"({"thread":1,"op":"add","args":[0,1],"result":1,"invoke":0,"return":3}
{"thread":2,"op":"add","args":[1,2],"result":2,"invoke":1,"return":2}
{"thread":1,"op":"get","args":[0],"result":1,"invoke":4,"return":5}
)");
  const auto r = weft::prop::check_history(s, h);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.partitions, 2u);
  h[2].result = "2";  // get(0) -> 2: impossible
  const auto bad = weft::prop::check_history(s, h);
  EXPECT_EQ(bad.result, weft::prop::verdict::not_linearizable);
  EXPECT_EQ(bad.partition, (std::vector<std::size_t>{0, 2}));
}

// --- void operations and final invariants ---------------------------------------------------

class tally {
 public:
  void bump() {
    std::lock_guard<weft::mutex> lock(m_);
    n_.store(n_.load() + 1);
  }
  int read() const {
    std::lock_guard<weft::mutex> lock(m_);
    return n_.load();
  }
  int bumps_seen_by_destructor_check() const { return read(); }

 private:
  mutable weft::mutex m_;
  weft::var<int> n_{0};
};

TEST(Features, VoidOperationsAndFinalInvariants) {
  int limit = 1000;
  auto s = weft::prop::spec<tally, int>("tally")
               .op(
                   "bump", [](tally& t) { t.bump(); }, [](int& n) { ++n; })
               .op(
                   "read", [](tally& t) { return t.read(); }, [](int& n) { return n; })
               .final_invariant("at most `limit` bumps",
                                [&limit](const tally& t) { return t.read() <= limit; });
  EXPECT_TRUE(passed(weft::prop::check(s, quick(20, 20))));
  limit = 2;  // now false once three bumps happened: caught, and shrunk to three bumps
  const auto r = weft::prop::check(s, quick(20, 20));
  ASSERT_TRUE(found(r, violation::invariant));
  EXPECT_EQ(r.failure->minimal.size(), 3u) << r;
  EXPECT_NE(r.failure->headline.find("at the end"), std::string::npos) << r;
}

// --- engine failures: a deadlock leaves pending operations -----------------------------------

template <bool BadOrder>
class two_locks {
 public:
  int ab() {
    std::scoped_lock<weft::mutex> first(a_);
    std::scoped_lock<weft::mutex> second(b_);
    return 1;
  }
  int ba() {
    std::scoped_lock<weft::mutex> first(BadOrder ? b_ : a_);
    std::scoped_lock<weft::mutex> second(BadOrder ? a_ : b_);
    return 2;
  }

 private:
  weft::mutex a_, b_;
};

template <bool BadOrder>
auto locks_spec() {
  using L = two_locks<BadOrder>;
  return weft::prop::spec<L, int>("two_locks")
      .op(
          "ab", [](L& l) { return l.ab(); }, [](int&) { return 1; })
      .op(
          "ba", [](L& l) { return l.ba(); }, [](int&) { return 2; });
}

TEST(Features, DeadlockIsAnExecutionFailureWithPendingOperations) {
  EXPECT_TRUE(passed(weft::prop::check(locks_spec<false>(), quick(20, 40))));
  const auto r = weft::prop::check(locks_spec<true>(), quick(20, 40));
  ASSERT_TRUE(found(r, violation::execution));
  EXPECT_EQ(r.failure->engine_kind, "deadlock") << r;
  EXPECT_EQ(r.failure->minimal.size(), 2u) << r;
  const std::string text = r.to_string();
  EXPECT_NE(text.find("(pending)"), std::string::npos) << text;
  EXPECT_NE(text.find("held by"), std::string::npos) << text;
}

// --- stress mode ----------------------------------------------------------------------------

TEST(Features, StressModeRunsTheSameSpecOnRealThreads) {
  weft::prop::config c = quick(20, 50);
  c.executors = {weft::prop::stress_mode()};
  const auto ok = weft::prop::check(counter_spec<false>(), c);
  EXPECT_TRUE(passed(ok));
  EXPECT_GE(ok.runs, 20u * 50);
}

TEST(Features, StressModeCatchesTheLostUpdate) {
  weft::stress::options so;
  so.delays.probability = 0.3;
  so.iterations = 200;
  weft::prop::config c = quick(100, 0);
  c.executors = {weft::prop::stress_mode(so)};
  const auto r = weft::prop::check(counter_spec<true>(), c);
  ASSERT_TRUE(found(r, violation::not_linearizable));
  EXPECT_EQ(r.failure->executor, "stress");
  EXPECT_NE(r.to_string().find("global counter"), std::string::npos);
}

TEST(Features, BothModesInOneCheck) {
  weft::prop::config c = quick(10, 20);
  c.executors = {weft::prop::model_mode(), weft::prop::stress_mode()};
  const auto r = weft::prop::check(counter_spec<false>(), c);
  EXPECT_TRUE(passed(r));
  EXPECT_GE(r.runs, 10u * 20 * 2);
}

// --- environment knobs ----------------------------------------------------------------------

TEST(Features, EnvironmentKnobsScaleTheCheck) {
  ::setenv("WEFT_PROP_SCENARIOS", "7", 1);
  ::setenv("WEFT_SCHEDULES", "3", 1);
  ::setenv("WEFT_PROP_THREADS", "3", 1);
  weft::prop::config c;
  c.scenarios = 50;
  const auto cfg = weft::prop::detail::resolve_config(c, "x");
  EXPECT_EQ(cfg.scenarios, 7);
  EXPECT_EQ(cfg.runs, 3u);
  EXPECT_EQ(cfg.shape.threads, 3u);
  const auto r = weft::prop::check(counter_spec<false>(), c);
  ::unsetenv("WEFT_PROP_SCENARIOS");
  ::unsetenv("WEFT_SCHEDULES");
  ::unsetenv("WEFT_PROP_THREADS");
  EXPECT_TRUE(passed(r));
  EXPECT_EQ(r.scenarios, 7u);
  EXPECT_EQ(r.runs, 7u * 3);
}

TEST(Features, FailingHistoryIsSavedToTheHistoryDirectory) {
  weft::prop::config c = quick();
  c.history_dir = ::testing::TempDir() + "weft-prop-histories";
  const auto r = weft::prop::check(counter_spec<true>(), c);
  ASSERT_FALSE(r.history_file.empty()) << r;
  const auto h = weft::prop::load_history(r.history_file);
  EXPECT_EQ(h.size(), r.failure->ops.size());
  EXPECT_EQ(weft::prop::check_history(counter_spec<true>(), h).result,
            weft::prop::verdict::not_linearizable);
}

}  // namespace
