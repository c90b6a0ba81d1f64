// Model-checking scenarios of weft::cache, each written against the small interface below
// so that it also runs on a deliberately broken cache (a mutant) that it must catch:
//
//   get(k) -> std::optional<int>   put(k, v)   erase(k) -> bool   size()
//   get_or_load(k, loader) -> int
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "model_scenarios.hpp"
#include "scenario_driver.hpp"
#include "weft/cache.hpp"
#include "weft/singleflight.hpp"
#include "weft/sync.hpp"

namespace weft::scenarios {

// ---------------------------------------------------------------------------------------
// Mutants: a one-mutex cache (no particular eviction order) with one classic bug each.

enum class cache_bug {
  none,                // the mutant machinery itself, correct (sanity check of the scenarios)
  evict_after_unlock,  // decides "full?" and inserts in two critical sections: overfills
  stale_load_store,    // a loader's value is stored even if the key was written meanwhile
  no_singleflight,     // get_or_load = get, else load and put: a stampede loads many times
  ttl_inclusive,       // an entry still counts as live at its expiry instant
  value_outside_lock,  // get copies the value after unlocking: races with a put
};

template <cache_bug Bug>
class mutant_cache {
 public:
  explicit mutant_cache(std::size_t capacity,
                        std::optional<weft::clock::duration> ttl = std::nullopt)
      : cap_(capacity), ttl_(ttl) {}

  std::optional<int> get(int k) {
    std::unique_lock<weft::mutex> lk(m_);
    auto it = map_.find(k);
    if (it == map_.end()) return std::nullopt;
    const auto now = weft::clock::now();
    const bool expired =
        Bug == cache_bug::ttl_inclusive ? now > it->second.expires : now >= it->second.expires;
    if (expired) {
      map_.erase(it);
      return std::nullopt;
    }
    std::shared_ptr<weft::var<int>> v = it->second.value;
    if constexpr (Bug == cache_bug::value_outside_lock) {
      lk.unlock();  // BUG: a put may be overwriting the value right now
    }
    return v->load();
  }

  void put(int k, int v) {
    if constexpr (Bug == cache_bug::evict_after_unlock) {
      bool full;
      {
        std::lock_guard<weft::mutex> g(m_);
        full = map_.size() >= cap_ && map_.find(k) == map_.end();
      }
      std::lock_guard<weft::mutex> g(m_);  // BUG: "full" may be stale by now
      store(k, v);
      if (full) evict_other_than(k);
    } else {
      std::lock_guard<weft::mutex> g(m_);
      store(k, v);
      while (map_.size() > cap_)
        evict_other_than(k);
    }
  }

  bool erase(int k) {
    std::lock_guard<weft::mutex> g(m_);
    ++writes_[k];
    return map_.erase(k) > 0;
  }

  std::size_t size() {
    std::lock_guard<weft::mutex> g(m_);
    return map_.size();
  }

  template <class Loader>
  int get_or_load(int k, Loader&& loader) {
    if (auto v = get(k)) return *v;
    if constexpr (Bug == cache_bug::no_singleflight) {
      const int v = loader(k);  // BUG: every caller that missed loads
      put(k, v);
      return v;
    } else {
      return flights_
          .run(k,
               [&] {
                 std::uint64_t start;
                 {
                   std::lock_guard<weft::mutex> g(m_);
                   if (auto it = map_.find(k); it != map_.end()) return it->second.value->load();
                   start = writes_[k];
                 }
                 const int v = loader(k);
                 std::lock_guard<weft::mutex> g(m_);
                 // BUG (stale_load_store): stores over a put or erase made during the load
                 if (Bug == cache_bug::stale_load_store || writes_[k] == start) {
                   store(k, v, /*count_write=*/false);
                   while (map_.size() > cap_)
                     evict_other_than(k);
                 }
                 return v;
               })
          .value;
    }
  }

 private:
  struct node {
    std::shared_ptr<weft::var<int>> value;
    weft::clock::time_point expires;
  };
  void store(int k, int v, bool count_write = true) {
    if (count_write) ++writes_[k];
    const auto expires = ttl_ ? weft::clock::now() + *ttl_ : weft::clock::time_point::max();
    auto it = map_.find(k);
    if (it != map_.end()) {
      it->second.value->store(v);
      it->second.expires = expires;
    } else {
      map_.emplace(k, node{std::make_shared<weft::var<int>>(v), expires});
    }
  }
  void evict_other_than(int k) {
    for (auto it = map_.begin(); it != map_.end(); ++it) {
      if (it->first != k) {
        map_.erase(it);
        return;
      }
    }
  }

  const std::size_t cap_;
  const std::optional<weft::clock::duration> ttl_;
  weft::mutex m_;
  std::map<int, node> map_;              // [m_]
  std::map<int, std::uint64_t> writes_;  // puts and erases per key  [m_]
  weft::singleflight<int, int> flights_;
};

// weft::cache behind the scenarios' interface: one shard (or two), LRU or W-TinyLFU.
class weft_cache {
 public:
  explicit weft_cache(std::size_t capacity, std::optional<weft::clock::duration> ttl = std::nullopt,
                      weft::eviction_policy policy = weft::eviction_policy::tiny_lfu,
                      std::size_t shards = 1)
      : c_({.max_size = capacity, .policy = policy, .shards = shards, .expire_after_write = ttl}) {}
  std::optional<int> get(int k) { return c_.get(k); }
  void put(int k, int v) { c_.put(k, v); }
  bool erase(int k) { return c_.erase(k); }
  std::size_t size() { return c_.size(); }
  template <class Loader>
  int get_or_load(int k, Loader&& loader) {
    return c_.get_or_load(k, std::forward<Loader>(loader));
  }

 private:
  weft::cache<int, int> c_;
};

struct weft_lru_cache : weft_cache {
  explicit weft_lru_cache(std::size_t capacity,
                          std::optional<weft::clock::duration> ttl = std::nullopt)
      : weft_cache(capacity, ttl, weft::eviction_policy::lru) {}
};

// ---------------------------------------------------------------------------------------
// Scenarios

// Concurrent puts of new keys into a cache of 2: at quiescence it holds at most 2.
template <class C>
void cache_bounded_at_quiescence() {
  C c(2);
  weft::thread a([&] { c.put(1, 1); });
  weft::thread b([&] { c.put(2, 2); });
  c.put(3, 3);
  a.join();
  b.join();
  WEFT_ASSERT(c.size() <= 2);
}

// A get returns only a value stored for its key and not since replaced or erased: the
// writer stores 10 then 11, then erases; a reader that saw 11 never sees 10 afterwards,
// and after the erase the key misses.
template <class C>
void cache_get_sees_only_current_values() {
  C c(4);
  weft::thread writer([&] {
    c.put(1, 10);
    c.put(1, 11);
    (void)c.erase(1);
  });
  const auto first = c.get(1);
  const auto second = c.get(1);
  WEFT_ASSERT(!first || *first == 10 || *first == 11);
  WEFT_ASSERT(!second || *second == 10 || *second == 11);
  WEFT_ASSERT(!(first == 11 && second == 10));  // never back to a replaced value
  writer.join();
  WEFT_ASSERT(!c.get(1).has_value());
}

// A put racing a load of the same key: whatever the order, the put's value is what stays
// (before the load: a hit, no load; during it: the load does not store; after: replaces).
template <class C>
void cache_put_during_load_wins() {
  C c(4);
  weft::thread writer([&] { c.put(1, 2); });
  const int got = c.get_or_load(1, [](int) { return 1; });
  WEFT_ASSERT(got == 1 || got == 2);
  writer.join();
  WEFT_ASSERT(c.get(1) == 2);
}

// Three callers miss the same key at once: the loader runs once.
template <class C>
void cache_loads_once_under_contention() {
  C c(4);
  weft::atomic<int> loads{0};
  auto loader = [&](int k) {
    loads.fetch_add(1);
    return k * 10;
  };
  weft::thread a([&] { WEFT_ASSERT(c.get_or_load(1, loader) == 10); });
  weft::thread b([&] { WEFT_ASSERT(c.get_or_load(1, loader) == 10); });
  WEFT_ASSERT(c.get_or_load(1, loader) == 10);
  a.join();
  b.join();
  WEFT_ASSERT(loads.load() == 1);
}

// Expiry is exact on virtual time: an entry written at t = 0 with a 10 ms time to live is
// a hit at 10 ms - 1 ns and a miss at 10 ms, with another thread writing meanwhile.
template <class C>
void cache_ttl_exact() {
  C c(4, std::chrono::milliseconds(10));
  c.put(1, 1);
  weft::thread other([&] {
    weft::this_thread::sleep_for(std::chrono::milliseconds(5));
    c.put(2, 2);  // expires at 15 ms
  });
  weft::this_thread::sleep_for(std::chrono::milliseconds(10) - std::chrono::nanoseconds(1));
  WEFT_ASSERT(c.get(1) == 1);
  weft::this_thread::sleep_for(std::chrono::nanoseconds(1));
  WEFT_ASSERT(!c.get(1).has_value());
  other.join();
  WEFT_ASSERT(c.get(2) == 2);
}

// Readers and a writer of one key: the value is copied under the lock (a copy outside it
// races with the writer — a data race on weft::var in the mutant).
template <class C>
void cache_get_races_put() {
  C c(4);
  c.put(1, 1);
  weft::thread writer([&] { c.put(1, 2); });
  const auto v = c.get(1);
  WEFT_ASSERT(v == 1 || v == 2);
  writer.join();
}

inline std::vector<scenario> cache_scenarios() {
  using weft::model::failure;
  std::vector<scenario> out;
  const auto dfs = [](int b, std::size_t n) { return bounded_dfs(bound(b), budget(n)); };
  out.push_back({"cache", "bounded at quiescence (W-TinyLFU, dfs)",
                 [] { cache_bounded_at_quiescence<weft_cache>(); }, failure::none, dfs(2, 20000)});
  out.push_back({"cache", "bounded at quiescence (LRU, dfs)",
                 [] { cache_bounded_at_quiescence<weft_lru_cache>(); }, failure::none,
                 dfs(2, 20000)});
  out.push_back({"cache", "a get sees only current values (dfs)",
                 [] { cache_get_sees_only_current_values<weft_cache>(); }, failure::none,
                 dfs(2, 20000)});
  out.push_back({"cache", "a put during a load wins (dfs)",
                 [] { cache_put_during_load_wins<weft_cache>(); }, failure::none, dfs(2, 20000)});
  out.push_back({"cache", "the loader runs once under contention (pct)",
                 [] { cache_loads_once_under_contention<weft_cache>(); }, failure::none,
                 pct_search(budget(2000))});
  out.push_back({"cache", "the loader runs once under contention (dfs)",
                 [] { cache_loads_once_under_contention<weft_cache>(); }, failure::none,
                 dfs(1, 20000)});
  out.push_back({"cache", "expiry is exact on virtual time", [] { cache_ttl_exact<weft_cache>(); },
                 failure::none, dfs(2, 20000)});
  out.push_back({"cache", "a get racing a put copies under the lock",
                 [] { cache_get_races_put<weft_cache>(); }, failure::none, dfs(2, 20000)});
  out.push_back({"cache", "the mutant machinery passes when correct",
                 [] {
                   cache_bounded_at_quiescence<mutant_cache<cache_bug::none>>();
                   cache_put_during_load_wins<mutant_cache<cache_bug::none>>();
                 },
                 failure::none, dfs(2, 20000)});

  out.push_back({"cache mutant", "deciding to evict outside the insert's critical section",
                 [] { cache_bounded_at_quiescence<mutant_cache<cache_bug::evict_after_unlock>>(); },
                 failure::assertion, dfs(2, 20000)});
  out.push_back({"cache mutant", "a load storing over a newer put is caught",
                 [] { cache_put_during_load_wins<mutant_cache<cache_bug::stale_load_store>>(); },
                 failure::assertion, dfs(2, 20000)});
  out.push_back(
      {"cache mutant", "loading without singleflight is caught",
       [] { cache_loads_once_under_contention<mutant_cache<cache_bug::no_singleflight>>(); },
       failure::assertion, dfs(2, 20000)});
  out.push_back({"cache mutant", "an entry live at its expiry instant is caught",
                 [] { cache_ttl_exact<mutant_cache<cache_bug::ttl_inclusive>>(); },
                 failure::assertion, dfs(2, 20000)});
  out.push_back({"cache mutant", "copying the value outside the lock is caught",
                 [] { cache_get_races_put<mutant_cache<cache_bug::value_outside_lock>>(); },
                 failure::data_race, dfs(2, 20000)});
  return out;
}

}  // namespace weft::scenarios
