// weft::cache is linearizable per key against a non-deterministic model — an entry may be
// evicted (or expire) at any time, but is never resurrected or mixed up with another key's
// — checked P-compositionally (each key's calls alone), in model mode over generated
// concurrent scenarios, for LRU and W-TinyLFU, one and two shards, a capacity of 2 so that
// evictions happen. Two mutants are caught and shrunk: an erase that leaves a second copy
// of the value behind (resurrection), and a direct-mapped cache that forgets to compare
// keys (mix-up).
#include <gtest/gtest.h>

#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "weft/cache.hpp"
#include "weft/prop/gtest.hpp"
#include "weft/property.hpp"
#include "weft/sync.hpp"

namespace {

using weft::prop::violation;
using weft::testing::found;
using weft::testing::passed;

constexpr int loaded(int k) {
  return 100 + k;
}  // what get_or_load's loader returns

enum class cache_bug { none, stale_after_erase, key_mixup };

template <cache_bug Bug>
class cache_under_test {
 public:
  cache_under_test(weft::eviction_policy policy, std::size_t shards)
      : c_({.max_size = 2, .policy = policy, .shards = shards}) {}

  std::optional<int> get(int k) {
    if constexpr (Bug == cache_bug::none) {
      return c_.get(k);
    } else if constexpr (Bug == cache_bug::stale_after_erase) {
      std::lock_guard<weft::mutex> g(m_);
      if (auto it = live_.get().find(k); it != live_.get().end()) return it->second;
      if (auto it = copy_.get().find(k); it != copy_.get().end()) return it->second;  // BUG
      return std::nullopt;
    } else {
      std::lock_guard<weft::mutex> g(m_);
      const auto& s = slots_[static_cast<std::size_t>(k) % 2];
      if (s.first < 0) return std::nullopt;
      return s.second;  // BUG: the slot may hold another key
    }
  }
  void put(int k, int v) {
    if constexpr (Bug == cache_bug::none) {
      c_.put(k, v);
    } else if constexpr (Bug == cache_bug::stale_after_erase) {
      std::lock_guard<weft::mutex> g(m_);
      live_.get_mut()[k] = v;
      copy_.get_mut()[k] = v;  // a second tier, never invalidated
    } else {
      std::lock_guard<weft::mutex> g(m_);
      slots_[static_cast<std::size_t>(k) % 2] = {k, v};
    }
  }
  bool erase(int k) {
    if constexpr (Bug == cache_bug::none) {
      return c_.erase(k);
    } else if constexpr (Bug == cache_bug::stale_after_erase) {
      std::lock_guard<weft::mutex> g(m_);
      return live_.get_mut().erase(k) > 0;  // BUG: the copy stays
    } else {
      std::lock_guard<weft::mutex> g(m_);
      auto& s = slots_[static_cast<std::size_t>(k) % 2];
      if (s.first != k) return false;
      s.first = -1;
      return true;
    }
  }
  int load(int k) {
    if constexpr (Bug == cache_bug::none) {
      return c_.get_or_load(k, [](const int& key) { return loaded(key); });
    } else {
      if (auto v = get(k)) return *v;
      put(k, loaded(k));
      return loaded(k);
    }
  }
  std::size_t size() const { return Bug == cache_bug::none ? c_.size() : 0; }

 private:
  weft::cache<int, int> c_;
  weft::mutex m_;
  weft::var<std::map<int, int>> live_, copy_;                     // [m_]
  std::array<std::pair<int, int>, 2> slots_{{{-1, 0}, {-1, 0}}};  // [m_]
};

// The model: per key, the value that may still be there. A miss means it was evicted:
// from then on the key misses until the next put or load.
using cache_model = std::map<int, int>;

template <cache_bug Bug>
auto cache_spec(weft::eviction_policy policy = weft::eviction_policy::tiny_lfu,
                std::size_t shards = 1) {
  using C = cache_under_test<Bug>;
  using result = std::optional<int>;
  return weft::prop::spec<C, cache_model>("cache")
      .make([policy, shards] { return std::make_unique<C>(policy, shards); })
      .op(
          "put", rc::gen::inRange(0, 4), rc::gen::inRange(1, 4),
          [](C& c, int k, int v) { c.put(k, v); }, [](cache_model& m, int k, int v) { m[k] = v; })
      .key([](int k, int) { return k; })
      .op(
          "get", rc::gen::inRange(0, 4), [](C& c, int k) { return c.get(k); },
          [](const cache_model& m, int k) {
            weft::prop::outcomes<result, cache_model> out;
            auto it = m.find(k);
            if (it == m.end()) {
              out.allow(std::nullopt, m);
              return out;
            }
            out.allow(it->second, m);
            cache_model evicted = m;
            evicted.erase(k);
            out.allow(std::nullopt, evicted);  // evicted: gone for good
            return out;
          })
      .key([](int k) { return k; })
      .op(
          "erase", rc::gen::inRange(0, 4), [](C& c, int k) { return c.erase(k); },
          [](const cache_model& m, int k) {
            weft::prop::outcomes<bool, cache_model> out;
            cache_model gone = m;
            gone.erase(k);
            out.allow(false, gone);  // absent, or evicted before
            if (m.count(k) != 0) out.allow(true, gone);
            return out;
          })
      .key([](int k) { return k; })
      .op(
          "get_or_load", rc::gen::inRange(0, 4), [](C& c, int k) { return c.load(k); },
          [](const cache_model& m, int k) {
            weft::prop::outcomes<int, cache_model> out;
            if (auto it = m.find(k); it != m.end()) out.allow(it->second, m);  // a hit
            cache_model reloaded = m;  // a miss (absent or evicted): loads and stores
            reloaded[k] = loaded(k);
            out.allow(loaded(k), reloaded);
            return out;
          })
      .key([](int k) { return k; })
      .invariant("size <= 2", [](const C& c) { return c.size() <= 2; });
}

weft::prop::config quick(int scenarios = 40) {
  weft::prop::config c;
  c.scenarios = scenarios;
  c.runs = 40;
  c.seed = 11;
  c.use_environment = true;  // WEFT_PROP_SCENARIOS / WEFT_SCHEDULES scale it nightly
  return c;
}

TEST(CacheProperty, TinyLfuIsLinearizablePerKey) {
  EXPECT_TRUE(passed(weft::prop::check(cache_spec<cache_bug::none>(), quick())));
}

TEST(CacheProperty, LruWithTwoShardsIsLinearizablePerKey) {
  EXPECT_TRUE(passed(
      weft::prop::check(cache_spec<cache_bug::none>(weft::eviction_policy::lru, 2), quick())));
}

TEST(CachePropertyMutant, ResurrectionAfterEraseIsCaught) {
  const auto r = weft::prop::check(cache_spec<cache_bug::stale_after_erase>(), quick(200));
  ASSERT_TRUE(found(r, violation::not_linearizable)) << r;
  EXPECT_LE(r.failure->minimal.size(), 4u) << r;
}

TEST(CachePropertyMutant, KeyMixUpIsCaught) {
  const auto r = weft::prop::check(cache_spec<cache_bug::key_mixup>(), quick(200));
  ASSERT_TRUE(found(r, violation::not_linearizable)) << r;
  EXPECT_LE(r.failure->minimal.size(), 3u) << r;
}

}  // namespace
