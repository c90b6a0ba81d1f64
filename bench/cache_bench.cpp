// cache_bench.cpp — weft::cache and weft::singleflight beside the peer a user would
// otherwise write, in one run (native flavour: WEFT_NATIVE, the production build):
//
//   hit_ratio/<policy>/<trace>/<size>   one pass over a 1,000,000-access trace (get, put
//       on a miss); counter hit_ratio. trace: zipf (100,000 keys, exponent 0.9) or
//       zipf_scan (the same, with a scan of 5,000 never-repeated keys after every 20,000
//       accesses). policy: lru, tiny_lfu (W-TinyLFU). Sizes 100, 1000, 10000; 1 shard.
//   get_hit/<impl>/threads:N   get of keys that are all present (8,192 entries in a cache
//       of 16,384), hit-heavy; impl: weft (policy:0 lru, policy:1 tiny_lfu; automatic
//       shards) or mutex_lru (one
//       std::mutex + std::unordered_map + std::list LRU — the classic hand-written cache).
//   stampede/<impl>/threads:2   both threads get_or_load the same new key each iteration,
//       the loader spins ~20 µs; counter loads_per_key (1.0 = no duplicate loads). mutex_lru
//       loads on a miss and puts (no stampede protection).
//   singleflight/<shared|unshared>/threads:N   run() with an empty fn: unshared = every
//       thread its own key (the uncontended cost of a call), shared = one key for all
//       threads, released together each round, with a ~20 µs fn, so calls join; counter
//       shared_fraction.
//   bytes_per_entry/<policy>   heap bytes (malloc_usable_size of every allocation) per
//       entry of 100,000 int64 -> int64 entries, minus the 16 bytes of key and value;
//       counter after_clear = heap bytes still held after clear() (0: back to baseline).
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <list>
#include <mutex>
#include <new>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>
#include <vector>

#include "weft/cache.hpp"
#include "weft/singleflight.hpp"

// ---- heap accounting (bytes_per_entry) ---------------------------------------------------

namespace {
std::atomic<std::int64_t> g_heap{0};
}  // namespace

void* operator new(std::size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  g_heap.fetch_add(static_cast<std::int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
  return p;
}
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept {
  if (p == nullptr) return;
  g_heap.fetch_sub(static_cast<std::int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  operator delete(p);
}
#pragma GCC diagnostic pop

namespace {

// ---- the peer: mutex + unordered_map + list LRU ----------------------------------------

class mutex_lru {
 public:
  explicit mutex_lru(std::size_t cap) : cap_(cap) {}
  std::optional<std::int64_t> get(std::int64_t k) {
    std::lock_guard<std::mutex> g(m_);
    auto it = map_.find(k);
    if (it == map_.end()) return std::nullopt;
    order_.splice(order_.begin(), order_, it->second);
    return it->second->second;
  }
  void put(std::int64_t k, std::int64_t v) {
    std::lock_guard<std::mutex> g(m_);
    if (auto it = map_.find(k); it != map_.end()) {
      it->second->second = v;
      order_.splice(order_.begin(), order_, it->second);
      return;
    }
    order_.emplace_front(k, v);
    map_[k] = order_.begin();
    if (map_.size() > cap_) {
      map_.erase(order_.back().first);
      order_.pop_back();
    }
  }
  template <class F>
  std::int64_t get_or_load(std::int64_t k, F&& load) {
    if (auto v = get(k)) return *v;
    const std::int64_t v = load(k);
    put(k, v);
    return v;
  }

 private:
  const std::size_t cap_;
  std::mutex m_;
  std::list<std::pair<std::int64_t, std::int64_t>> order_;
  std::unordered_map<std::int64_t, std::list<std::pair<std::int64_t, std::int64_t>>::iterator> map_;
};

// ---- traces ------------------------------------------------------------------------------

std::vector<std::int64_t> zipf_trace(bool with_scans) {
  constexpr int kKeys = 100'000;
  constexpr int kAccesses = 1'000'000;
  std::vector<double> cdf(kKeys);
  double sum = 0;
  for (int i = 0; i < kKeys; ++i) {
    sum += 1.0 / std::pow(i + 1, 0.9);
    cdf[static_cast<std::size_t>(i)] = sum;
  }
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> u(0, sum);
  std::vector<std::int64_t> out;
  out.reserve(kAccesses + kAccesses / 4);
  std::int64_t scan_key = 1'000'000'000;
  for (int i = 0; i < kAccesses; ++i) {
    const double x = u(rng);
    // Key ranks are scrambled so popularity does not follow key order.
    const auto rank = std::lower_bound(cdf.begin(), cdf.end(), x) - cdf.begin();
    out.push_back(static_cast<std::int64_t>(rank) * 2654435761LL % 1'000'003);
    if (with_scans && i % 20'000 == 19'999) {
      for (int s = 0; s < 5'000; ++s)
        out.push_back(scan_key++);
    }
  }
  return out;
}

const std::vector<std::int64_t>& trace(int which) {
  static const std::vector<std::int64_t> zipf = zipf_trace(false);
  static const std::vector<std::int64_t> zipf_scan = zipf_trace(true);
  return which == 0 ? zipf : zipf_scan;
}

void hit_ratio(benchmark::State& state) {
  const auto policy =
      state.range(0) == 0 ? weft::eviction_policy::lru : weft::eviction_policy::tiny_lfu;
  const auto& t = trace(static_cast<int>(state.range(1)));
  const auto size = static_cast<std::size_t>(state.range(2));
  double ratio = 0;
  for (auto _ : state) {
    weft::cache<std::int64_t, std::int64_t> c({.max_size = size, .policy = policy, .shards = 1});
    for (std::int64_t k : t) {
      if (!c.get(k)) c.put(k, k);
    }
    ratio = c.stats().hit_ratio();
  }
  state.counters["hit_ratio"] = ratio;
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(t.size()));
}

// ---- get throughput, hit-heavy -------------------------------------------------------

constexpr std::int64_t kPresent = 8192;

weft::cache<std::int64_t, std::int64_t>* g_weft_cache = nullptr;
mutex_lru* g_mutex_lru = nullptr;

template <class C>
void fill(C& c) {
  for (std::int64_t k = 0; k < kPresent; ++k)
    c.put(k, k);
}

void get_hit_weft(benchmark::State& state) {
  if (state.thread_index() == 0) {
    g_weft_cache = new weft::cache<std::int64_t, std::int64_t>(
        {.max_size = 2 * kPresent,
         .policy =
             state.range(0) == 0 ? weft::eviction_policy::lru : weft::eviction_policy::tiny_lfu});
    fill(*g_weft_cache);
  }
  std::uint64_t x = 0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(state.thread_index() + 1);
  for (auto _ : state) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    benchmark::DoNotOptimize(g_weft_cache->get(static_cast<std::int64_t>((x >> 33) % kPresent)));
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    delete g_weft_cache;
  }
}

void get_hit_mutex_lru(benchmark::State& state) {
  if (state.thread_index() == 0) {
    g_mutex_lru = new mutex_lru(2 * kPresent);
    fill(*g_mutex_lru);
  }
  std::uint64_t x = 0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(state.thread_index() + 1);
  for (auto _ : state) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    benchmark::DoNotOptimize(g_mutex_lru->get(static_cast<std::int64_t>((x >> 33) % kPresent)));
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    delete g_mutex_lru;
  }
}

// ---- a spinning two-party barrier: both threads start each round together --------------

struct round_barrier {
  std::atomic<std::int64_t> arrived{0};
  // Round r (0, 1, ...) of `parties` threads: returns once all have arrived.
  void wait(std::int64_t round, int parties) {
    arrived.fetch_add(1, std::memory_order_acq_rel);
    const std::int64_t target = (round + 1) * parties;
    while (arrived.load(std::memory_order_acquire) < target) {
      std::this_thread::yield();
    }
  }
};
round_barrier* g_barrier = nullptr;

// ---- stampede ------------------------------------------------------------------------------

std::atomic<std::int64_t> g_loads{0};
std::atomic<std::int64_t> g_entered{0};  // get_or_load calls begun, over all rounds

// The loader of round k: it waits (up to 2 ms) until every thread has begun its
// get_or_load of key k, so the calls really overlap — without it, on a loaded 2-core
// machine the second thread often arrived after the first had stored the value, and the
// rows measured sequential calls — then works for 20 us.
std::int64_t slow_load(std::int64_t k, int threads) {
  g_loads.fetch_add(1, std::memory_order_relaxed);
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(2);
  while (g_entered.load(std::memory_order_acquire) < (k + 1) * threads &&
         std::chrono::steady_clock::now() < give_up) {
    std::this_thread::yield();
  }
  const auto end = std::chrono::steady_clock::now() + std::chrono::microseconds(20);
  while (std::chrono::steady_clock::now() < end) {
  }
  return k;
}

// Both threads get_or_load the same new key in each round, released together by a
// barrier; the loader waits for both calls to have begun (see slow_load). A cache with
// stampede protection loads each key once (loads_per_key 1), one without twice.
template <class C>
void stampede(benchmark::State& state, C*& shared) {
  std::int64_t k = 0;
  const int threads = state.threads();
  for (auto _ : state) {
    g_barrier->wait(k, threads);
    g_entered.fetch_add(1, std::memory_order_acq_rel);
    benchmark::DoNotOptimize(shared->get_or_load(
        k++, [threads](const std::int64_t& key) { return slow_load(key, threads); }));
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    state.counters["loads_per_key"] = benchmark::Counter(static_cast<double>(g_loads.load()) /
                                                         static_cast<double>(state.iterations()));
  }
}

// Setup and teardown run on one thread, outside the timed threads (Setup/Teardown hooks).
weft::cache<std::int64_t, std::int64_t>* g_stampede_weft = nullptr;
mutex_lru* g_stampede_peer = nullptr;
void stampede_setup(const benchmark::State&) {
  g_loads = 0;
  g_entered = 0;
  g_barrier = new round_barrier;
  g_stampede_weft = new weft::cache<std::int64_t, std::int64_t>(weft::cache_options{});
  g_stampede_peer = new mutex_lru(10'000);
}
void stampede_teardown(const benchmark::State&) {
  delete g_barrier;
  delete g_stampede_weft;
  delete g_stampede_peer;
}
void stampede_weft(benchmark::State& state) {
  stampede(state, g_stampede_weft);
}
void stampede_mutex_lru(benchmark::State& state) {
  stampede(state, g_stampede_peer);
}

// ---- singleflight -------------------------------------------------------------------------

weft::singleflight<int, int>* g_group = nullptr;

void singleflight_setup(const benchmark::State&) {
  g_entered = 0;
  g_group = new weft::singleflight<int, int>();
  g_barrier = new round_barrier;
}
void singleflight_teardown(const benchmark::State&) {
  delete g_group;
  delete g_barrier;
}

// shared: the threads call together (a barrier per round), and the flight's fn waits
// (up to 2 ms) until every thread has begun its call of the round, then works for 20 us,
// so the others join it (as in the stampede rows).
void singleflight_calls(benchmark::State& state) {
  const bool shared = state.range(0) == 1;
  const int key = shared ? 0 : state.thread_index();
  const int threads = state.threads();
  std::int64_t mine = 0;
  std::int64_t round = 0;
  for (auto _ : state) {
    if (shared) {
      g_barrier->wait(round++, threads);
      g_entered.fetch_add(1, std::memory_order_acq_rel);
    }
    const auto r = g_group->run(key, [shared, round, threads] {
      if (shared) {
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(2);
        while (g_entered.load(std::memory_order_acquire) < round * threads &&
               std::chrono::steady_clock::now() < give_up) {
          std::this_thread::yield();
        }
        const auto end = std::chrono::steady_clock::now() + std::chrono::microseconds(20);
        while (std::chrono::steady_clock::now() < end) {
        }
      }
      return 1;
    });
    mine += r.shared ? 1 : 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["shared_fraction"] =
      benchmark::Counter(static_cast<double>(mine) / static_cast<double>(state.iterations()),
                         benchmark::Counter::kAvgThreads);
}

// ---- memory per entry ------------------------------------------------------------------

void bytes_per_entry(benchmark::State& state) {
  const auto policy =
      state.range(0) == 0 ? weft::eviction_policy::lru : weft::eviction_policy::tiny_lfu;
  const std::int64_t n = state.range(1);
  double per_entry = 0;
  double after_clear = 0;
  double fixed = 0;
  for (auto _ : state) {
    const std::int64_t before = g_heap.load();
    auto* c = new weft::cache<std::int64_t, std::int64_t>(
        {.max_size = static_cast<std::size_t>(n), .policy = policy, .shards = 1});
    const std::int64_t empty = g_heap.load();
    for (std::int64_t k = 0; k < n; ++k)
      c->put(k, k);
    const std::int64_t full = g_heap.load();
    c->clear();
    const std::int64_t cleared = g_heap.load();
    delete c;
    fixed = static_cast<double>(empty - before);
    per_entry = static_cast<double>(full - empty) / n - 16.0;
    after_clear = static_cast<double>(cleared - empty);
  }
  state.counters["overhead_bytes_per_entry"] = per_entry;
  state.counters["fixed_bytes"] = fixed;  // shards, sketch
  state.counters["after_clear"] = after_clear;
}

BENCHMARK(hit_ratio)
    ->ArgNames({"policy", "trace", "size"})
    ->ArgsProduct({{0, 1}, {0, 1}, {100, 1000, 10000}})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(get_hit_weft)
    ->Name("get_hit/weft")
    ->ArgNames({"policy"})
    ->Arg(0)
    ->Arg(1)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();
BENCHMARK(get_hit_mutex_lru)->Name("get_hit/mutex_lru")->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(stampede_weft)
    ->Name("stampede/weft")
    ->Threads(2)
    ->UseRealTime()
    ->Setup(stampede_setup)
    ->Teardown(stampede_teardown);
BENCHMARK(stampede_mutex_lru)
    ->Name("stampede/mutex_lru")
    ->Threads(2)
    ->UseRealTime()
    ->Setup(stampede_setup)
    ->Teardown(stampede_teardown);
BENCHMARK(singleflight_calls)
    ->Name("singleflight")
    ->ArgNames({"shared"})
    ->Arg(0)
    ->Arg(1)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime()
    ->Setup(singleflight_setup)
    ->Teardown(singleflight_teardown);
// Sizes: 100,000 (the table's row), and 1,000 and 70,000 — just past a growth of the hash
// table's slot array, where the slots per entry are at their most.
BENCHMARK(bytes_per_entry)
    ->ArgNames({"policy", "entries"})
    ->ArgsProduct({{0, 1}, {1'000, 70'000, 100'000}})
    ->Iterations(1);

}  // namespace
