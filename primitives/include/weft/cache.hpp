// weft/cache.hpp — weft::cache<K, V>: a bounded, sharded, concurrent in-memory cache with
// LRU or W-TinyLFU eviction, expiry on weft::clock and a loading get with stampede
// protection (in the spirit of Caffeine and Guava's LoadingCache).
//
//   weft::cache<std::string, profile> profiles({.max_size = 10'000,
//                                               .expire_after_write = 5min});
//   profile p = profiles.get_or_load(user_id, [&](const std::string& id) {
//     return db.load_profile(id);  // once per key at a time, however many callers miss
//   });
//
// Rules:
//   * bounded: the total weight (entries, or what the weigher says) never exceeds
//     max_size once the operations in progress have returned. Each shard owns an equal
//     part of max_size and evicts within it; an entry heavier than its shard's part is
//     not kept at all;
//   * policy: `lru` evicts the least recently used entry; `tiny_lfu` (W-TinyLFU, default)
//     admits an entry into the main space only if a count-min sketch has seen it more
//     often recently than the entry it would displace — much better hit ratios on skewed
//     traffic with scans (see docs/caches.md);
//   * expiry: with expire_after_write an entry is gone from `d` after it was stored; with
//     expire_after_access, `d` after it was last read or stored — exactly, on weft::clock
//     (virtual in model mode): a read at the deadline misses. Expired entries are removed
//     when met (a read, an eviction) or by cleanup(); until then size() counts them;
//   * get(k) returns a copy of the value stored for k and not since replaced, erased,
//     evicted or expired — or std::nullopt. put(k, v) stores (replacing), erase(k) and
//     clear() remove;
//   * get_or_load(k, loader): a hit returns at once; on a miss, loader (loader(k) or
//     loader()) runs once for all concurrent callers of k — a weft::singleflight inside —
//     and its value is stored and returned to all of them. A loader that throws stores
//     nothing: every waiting caller gets its exception and the next call loads again. A
//     put, erase or clear of k while its loader runs wins: the loaded value is returned
//     to the loading callers but not stored over the newer state. A loader calling
//     get_or_load on its own key throws weft::singleflight_recursion (instead of a
//     deadlock);
//   * refresh_after_write: a get_or_load hit on an entry older than this reloads it: the
//     first such caller runs the loader and returns the fresh value (the old one if the
//     loader throws; the failure is counted), callers meanwhile get the old value without
//     waiting;
//   * stats(): hits, misses, evictions, expirations, loads, load failures, load time.
//
// Thread-safety: every member may be called concurrently. Keys are spread over shards by
// hash; each shard has its own weft::mutex, held for a map lookup and a few list-pointer
// updates — never while a loader, the weigher's caller or a copy of the value outside the
// shard runs. Loaders run outside every lock.
//
// Requirements: K copyable, hashable with Hash, comparable with KeyEqual; V copyable (get
// returns copies). The weigher must be cheap and must not call into the cache.
#pragma once

#include <bit>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include <absl/container/node_hash_map.h>

#include "weft/detail/cache_policy.hpp"
#include "weft/errors.hpp"
#include "weft/singleflight.hpp"
#include "weft/sync.hpp"

namespace weft {

enum class eviction_policy : std::uint8_t {
  lru,       // least recently used
  tiny_lfu,  // W-TinyLFU: LRU window + frequency-sketch admission + segmented LRU main
};

struct cache_options {
  // Maximum total weight: entries, or the sum of the weigher's values when there is one.
  std::size_t max_size = 10'000;
  eviction_policy policy = eviction_policy::tiny_lfu;
  // Power of two; 0: chosen from the hardware (more shards, less contention), but never
  // so many that a shard would hold fewer than 64 entries.
  std::size_t shards = 0;
  std::optional<weft::clock::duration> expire_after_write{};
  std::optional<weft::clock::duration> expire_after_access{};
  std::optional<weft::clock::duration> refresh_after_write{};  // get_or_load only
};

struct cache_stats {
  std::uint64_t hits = 0;              // get / get_or_load found a live entry
  std::uint64_t misses = 0;            // ... did not (get_or_load then loads)
  std::uint64_t evictions = 0;         // entries removed to stay within max_size
  std::uint64_t expirations = 0;       // entries removed because they expired
  std::uint64_t loads = 0;             // loader calls that returned (misses and refreshes)
  std::uint64_t load_failures = 0;     // loader calls that threw
  weft::clock::duration load_time{0};  // total time spent in loaders

  double hit_ratio() const noexcept {
    const auto n = hits + misses;
    return n == 0 ? 1.0 : static_cast<double>(hits) / static_cast<double>(n);
  }
};

template <class K, class V, class Hash = std::hash<K>, class KeyEqual = std::equal_to<K>>
class cache {
 public:
  using key_type = K;
  using mapped_type = V;
  using weigher_type = std::function<std::size_t(const K&, const V&)>;

  // Throws weft::cache_misuse for invalid options (max_size 0, shards not a power of two,
  // a negative duration).
  explicit cache(cache_options options = {}, weigher_type weigher = nullptr)
      : opts_(check(options)), weigher_(std::move(weigher)) {
    std::size_t n = opts_.shards;
    if (n == 0) {
      const std::size_t hw = std::max<unsigned>(1, std::thread::hardware_concurrency());
      n = std::min<std::size_t>(std::bit_ceil(hw * 4), 64);
      while (n > 1 && opts_.max_size / n < 64) {
        n /= 2;
      }
    }
    shift_ = n == 1 ? 64 : 64 - static_cast<unsigned>(std::countr_zero(n));
    shards_.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t cap = opts_.max_size / n + (i < opts_.max_size % n ? 1 : 0);
      shards_.push_back(std::make_unique<shard>(cap, opts_.policy == eviction_policy::tiny_lfu));
    }
  }
  cache(const cache&) = delete;
  cache& operator=(const cache&) = delete;

  // The live value stored for key (a copy), or std::nullopt. Counts a hit or a miss.
  std::optional<V> get(const K& key) {
    const std::uint64_t h = hash_(key);
    shard& s = shard_for(h);
    const std::int64_t now = now_if_expiring();
    std::lock_guard<weft::mutex> g(s.m);
    state& st = s.st.get_mut();
    entry* e = find_live(st, key, h, now);
    if (e == nullptr) {
      ++st.counters.misses;
      return std::nullopt;
    }
    ++st.counters.hits;
    touch(st, e, h, now);
    return e->second.value;
  }

  // Stores value for key, replacing what was there. May evict other entries.
  void put(const K& key, V value) {
    const std::uint64_t h = hash_(key);
    const std::size_t w = weigh(key, value);
    shard& s = shard_for(h);
    const std::int64_t now = now_if_expiring();
    std::lock_guard<weft::mutex> g(s.m);
    state& st = s.st.get_mut();
    invalidate_loads(st, key);
    store(st, key, std::move(value), w, h, now);
  }

  // Removes key's entry; true if there was one (expired or not).
  bool erase(const K& key) {
    const std::uint64_t h = hash_(key);
    shard& s = shard_for(h);
    std::lock_guard<weft::mutex> g(s.m);
    state& st = s.st.get_mut();
    invalidate_loads(st, key);
    auto it = st.map.find(key);
    if (it == st.map.end()) {
      return false;
    }
    remove(st, &*it);
    return true;
  }

  // Removes every entry. Loads in progress will not store their values.
  void clear() {
    for (auto& sp : shards_) {
      std::lock_guard<weft::mutex> g(sp->m);
      state& st = sp->st.get_mut();
      for (auto& [k, l] : st.loading) {
        l.last_write = ++st.generation;
      }
      st.policy.clear();
      decltype(st.map)().swap(st.map);  // frees the bucket array too: memory back to baseline
      st.weight = 0;
    }
  }

  // Entries held (expired ones not yet removed included). A snapshot.
  std::size_t size() const {
    std::size_t n = 0;
    for (const auto& sp : shards_) {
      std::lock_guard<weft::mutex> g(sp->m);
      n += sp->st.get().map.size();
    }
    return n;
  }
  // Total weight held (= size() without a weigher). A snapshot.
  std::size_t weight() const {
    std::size_t n = 0;
    for (const auto& sp : shards_) {
      std::lock_guard<weft::mutex> g(sp->m);
      n += sp->st.get().weight;
    }
    return n;
  }

  // Removes the expired entries now; returns how many.
  std::size_t cleanup() {
    if (!expiring()) {
      return 0;
    }
    const std::int64_t now = now_ns();
    std::size_t removed = 0;
    for (auto& sp : shards_) {
      std::lock_guard<weft::mutex> g(sp->m);
      state& st = sp->st.get_mut();
      for (auto it = st.map.begin(); it != st.map.end();) {
        entry* e = &*it;
        ++it;
        if (expired(e, now)) {
          ++st.counters.expirations;
          remove(st, e);
          ++removed;
        }
      }
    }
    return removed;
  }

  // The live value for key; on a miss, loader's value — loaded once for all concurrent
  // callers of key, then stored. See the rules above.
  template <class Loader>
  V get_or_load(const K& key, Loader&& loader) {
    const std::uint64_t h = hash_(key);
    shard& s = shard_for(h);
    std::optional<V> hit;
    bool refresh = false;
    std::uint64_t load_start = 0;
    {
      const std::int64_t now = now_if_expiring();
      std::lock_guard<weft::mutex> g(s.m);
      state& st = s.st.get_mut();
      if (entry* e = find_live(st, key, h, now)) {
        ++st.counters.hits;
        touch(st, e, h, now);
        hit.emplace(e->second.value);
        if (opts_.refresh_after_write &&
            now - e->second.written >= opts_.refresh_after_write->count() &&
            st.loading.find(key) == st.loading.end()) {
          refresh = true;
          load_start = begin_load(st, key);
        }
      } else {
        ++st.counters.misses;
      }
    }
    if (hit) {
      if (refresh) {
        if (auto fresh = run_load(s, key, h, loader, load_start, /*rethrow=*/false)) {
          return std::move(*fresh);
        }
      }
      return std::move(*hit);
    }
    return flights_
        .run(key,
             [&]() -> V {
               // A flight that completed just before this one started may have stored it.
               std::uint64_t start;
               {
                 const std::int64_t now = now_if_expiring();
                 std::lock_guard<weft::mutex> g(s.m);
                 state& st = s.st.get_mut();
                 if (entry* e = find_live(st, key, h, now)) {
                   return e->second.value;
                 }
                 start = begin_load(st, key);
               }
               return *run_load(s, key, h, loader, start, /*rethrow=*/true);
             })
        .value;
  }

  cache_stats stats() const {
    cache_stats out;
    for (const auto& sp : shards_) {
      std::lock_guard<weft::mutex> g(sp->m);
      const cache_stats& c = sp->st.get().counters;
      out.hits += c.hits;
      out.misses += c.misses;
      out.evictions += c.evictions;
      out.expirations += c.expirations;
      out.loads += c.loads;
      out.load_failures += c.load_failures;
      out.load_time += c.load_time;
    }
    return out;
  }

  const cache_options& options() const noexcept { return opts_; }
  std::size_t shard_count() const noexcept { return shards_.size(); }

 private:
  struct node;
  using entry = std::pair<const K, node>;

  // The user's hash, mixed: abseil's table takes 7 bits of the hash for its control bytes
  // and the rest for the probe start, so an identity hash (std::hash of an integer) would
  // crowd consecutive keys into one probe sequence.
  struct map_hash {
    Hash hash;
    std::size_t operator()(const K& key) const {
      std::uint64_t x = hash(key);
      x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
      return static_cast<std::size_t>(x ^ (x >> 27));
    }
  };

  // What the cache keeps per entry beside key and value: the policy's list links, the
  // weight and queue, and two time stamps (ns on weft::clock).
  struct node {
    explicit node(V v) : value(std::move(v)) {}
    V value;
    entry* prev = nullptr;
    entry* next = nullptr;
    std::int64_t written = 0;  // when stored (expire_after_write, refresh_after_write)
    std::int64_t expires = std::numeric_limits<std::int64_t>::max();  // deadline, or max
    std::uint32_t weight = 1;
    detail::cache_queue queue = detail::cache_queue::window;
  };

  // A load in progress for a key, and the last write to that key since it started.
  struct load_state {
    std::size_t loaders = 0;       // loads of this key in progress (a miss and a refresh)
    std::uint64_t last_write = 0;  // generation of the latest put/erase/clear of the key
  };

  struct state {
    state(std::size_t cap, bool tiny_lfu) : capacity(cap), policy(cap, tiny_lfu, cap) {}
    std::size_t capacity;
    // Node-based, so entries stay put for the policy's links; abseil's rather than the
    // standard one for memory: an 8-byte slot and a control byte per entry instead of a
    // bucket pointer and a node pointer (see docs/caches.md, "Memory per entry").
    absl::node_hash_map<K, node, map_hash, KeyEqual> map;
    detail::cache_policy<entry> policy;
    std::size_t weight = 0;
    std::unordered_map<K, load_state, Hash, KeyEqual> loading;
    std::uint64_t generation = 0;  // counts writes to keys being loaded
    cache_stats counters;
  };

  struct alignas(64) shard {  // own cache lines: shards do not false-share
    shard(std::size_t cap, bool tiny_lfu) : st(state(cap, tiny_lfu)) {}
    weft::mutex m;
    weft::var<state> st;  // [m]
  };

  static cache_options check(const cache_options& o) {
    if (o.max_size == 0) {
      throw cache_misuse("weft::cache: max_size must be positive");
    }
    if (o.shards != 0 && !std::has_single_bit(o.shards)) {
      throw cache_misuse("weft::cache: shards must be a power of two (or 0: automatic)");
    }
    for (const auto& d : {o.expire_after_write, o.expire_after_access, o.refresh_after_write}) {
      if (d && d->count() < 0) {
        throw cache_misuse("weft::cache: negative expiry or refresh interval");
      }
    }
    return o;
  }

  shard& shard_for(std::uint64_t h) noexcept {
    if (shift_ == 64) {
      return *shards_[0];
    }
    return *shards_[(h * 0x9E3779B97F4A7C15ULL) >> shift_];
  }

  bool expiring() const noexcept {
    return opts_.expire_after_write.has_value() || opts_.expire_after_access.has_value();
  }
  static std::int64_t now_ns() { return weft::clock::now().time_since_epoch().count(); }
  std::int64_t now_if_expiring() const {
    return expiring() || opts_.refresh_after_write ? now_ns() : 0;
  }
  static bool expired(const entry* e, std::int64_t now) noexcept {
    return now >= e->second.expires;
  }
  static std::int64_t plus(std::int64_t t, const std::optional<weft::clock::duration>& d) {
    if (!d) {
      return std::numeric_limits<std::int64_t>::max();
    }
    return t > std::numeric_limits<std::int64_t>::max() - d->count()
               ? std::numeric_limits<std::int64_t>::max()
               : t + d->count();
  }

  std::size_t weigh(const K& key, const V& value) const {
    return weigher_ ? weigher_(key, value) : 1;
  }

  std::uint64_t hash_of(const entry* e) const { return hash_(e->first); }

  // The entry for key if present and live; an expired one is removed (and counted).
  entry* find_live(state& st, const K& key, std::uint64_t, std::int64_t now) {
    auto it = st.map.find(key);
    if (it == st.map.end()) {
      return nullptr;
    }
    entry* e = &*it;
    if (expired(e, now)) {
      ++st.counters.expirations;
      remove(st, e);
      return nullptr;
    }
    return e;
  }

  void touch(state& st, entry* e, std::uint64_t h, std::int64_t now) {
    st.policy.on_access(e, h);
    if (opts_.expire_after_access) {
      e->second.expires = std::min(plus(e->second.written, opts_.expire_after_write),
                                   plus(now, opts_.expire_after_access));
    }
  }

  void remove(state& st, entry* e) {
    st.policy.on_remove(e);
    st.weight -= e->second.weight;
    st.map.erase(st.map.find(e->first));  // by iterator: the key lives in the element
  }

  // Inserts or replaces key's entry (m held), then evicts down to the shard's capacity.
  void store(state& st, const K& key, V value, std::size_t w, std::uint64_t h, std::int64_t now) {
    auto it = st.map.find(key);
    entry* e;
    if (it != st.map.end()) {
      e = &*it;
      st.policy.on_remove(e);
      st.weight -= e->second.weight;
      e->second.value = std::move(value);
    } else {
      e = &*st.map.try_emplace(key, std::move(value)).first;
    }
    e->second.weight = static_cast<std::uint32_t>(std::min<std::size_t>(w, UINT32_MAX));
    e->second.written = now;
    e->second.expires =
        std::min(plus(now, opts_.expire_after_write), plus(now, opts_.expire_after_access));
    st.weight += e->second.weight;
    st.policy.on_insert(e, h);  // a replaced entry is re-linked as a fresh write
    while (st.weight > st.capacity) {
      entry* v = st.policy.victim([this](const entry* x) { return hash_of(x); });
      ++st.counters.evictions;
      remove(st, v);
    }
  }

  // ---- loads: detect writes to the key while its loader runs ----
  // Registers a load of key (m held); returns the generation it started at. Taken in the
  // same critical section as the miss (or the stale hit) that decided to load: a write
  // between the two would otherwise go unnoticed and the load would store over it.
  std::uint64_t begin_load(state& st, const K& key) {
    ++st.loading[key].loaders;
    return st.generation;
  }
  void invalidate_loads(state& st, const K& key) {
    if (!st.loading.empty()) {
      if (auto it = st.loading.find(key); it != st.loading.end()) {
        it->second.last_write = ++st.generation;
      }
    }
  }

  // Runs the loader (begin_load done), stores its value unless key was written since
  // the load began, and counts it. rethrow: let a loader's exception through (a miss);
  // otherwise swallow it and return nullopt (a refresh keeps the old value).
  template <class Loader>
  std::optional<V> run_load(shard& s, const K& key, std::uint64_t h, Loader& loader,
                            std::uint64_t start, bool rethrow) {
    const auto t0 = weft::clock::now();
    std::optional<V> v;
    std::exception_ptr error;
    try {
      if constexpr (std::is_invocable_v<Loader&, const K&>) {
        v.emplace(loader(key));
      } else {
        v.emplace(loader());
      }
    } catch (...) {
      error = std::current_exception();
    }
    const auto took = weft::clock::now() - t0;
    const std::size_t w = v ? weigh(key, *v) : 0;
    {
      const std::int64_t now = now_if_expiring();
      std::lock_guard<weft::mutex> g(s.m);
      state& st = s.st.get_mut();
      auto it = st.loading.find(key);
      const bool overtaken = it->second.last_write > start;
      if (--it->second.loaders == 0) {
        st.loading.erase(it);
      }
      st.counters.load_time += took;
      if (v) {
        ++st.counters.loads;
        if (!overtaken) {
          store(st, key, *v, w, h, now);
        }
      } else {
        ++st.counters.load_failures;
      }
    }
    if (error && rethrow) {
      std::rethrow_exception(error);
    }
    return v;
  }

  const cache_options opts_;
  const weigher_type weigher_;
  Hash hash_;
  unsigned shift_ = 64;  // shard index = (mixed hash) >> shift_; 64: one shard
  std::vector<std::unique_ptr<shard>> shards_;
  singleflight<K, V, Hash, KeyEqual> flights_;  // one load per key at a time
};

}  // namespace weft
