// Stress suite of weft's singleflight and cache. Real threads, injected delays.
//
// Singleflight promises one fn per key at a time (until forget() detaches a flight) and
// that every caller of a flight gets that flight's outcome; a round runs callers of every
// form — run, run_for, run(ctx), run_async — on two keys, with throwing fns and a
// forget() racing them, and checks each caller's result against the flights that ran.
//
// The cache promises that a read returns a value stored for its key (never another key's,
// never a torn one), that get_or_load runs one loader per key at a time, that its bound
// holds once the operations have returned, and that its statistics add up; a round mixes
// every operation on a few keys of a cache smaller than the key set, under both
// policies, with and without expiry.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "stress_suite.hpp"
#include "weft/cache.hpp"
#include "weft/context.hpp"
#include "weft/singleflight.hpp"
#include "weft/stress.hpp"
#include "weft/sync.hpp"

namespace {

using namespace std::chrono_literals;
using weft::model::choose;
using weft::stress_suite::budget;
using weft::stress_suite::cancel_soon;
using weft::stress_suite::expect_clean;
using weft::stress_suite::passed;
using weft::stress_suite::short_timeout;
using weft::stress_suite::unwind_if_failed;

// Both mutants fail within the first few rounds (measured); 2000 leaves a wide margin.
weft::stress::options mutant_budget(std::string name) {
  return weft::stress_suite::mutant_budget(std::move(name), 2000, 20261207);
}

// The value of flight `id` of `key`: both are recoverable from it, so a caller can tell
// which flight its result came from.
constexpr int flight_value(int key, int id) {
  return id * 2 + key;
}

// What the fns of one round did, per key. Flights are numbered from 1 in start order.
struct flights_log {
  static constexpr int kKeys = 2;
  static constexpr int kMaxFlights = 64;
  weft::atomic<int> next_id{1};
  weft::atomic<int> running[kKeys] = {};       // fns of the key running now
  weft::atomic<int> forgets[kKeys] = {};       // forget() calls (made or about to be)
  weft::atomic<bool> threw[kMaxFlights] = {};  // flight id -> its fn threw
  weft::atomic<int> key_of[kMaxFlights] = {};  // flight id -> key + 1 (0: never ran)
  // Flight id -> the exception its fn threw, kept alive until the round ends. Every caller
  // of a flight catches the same exception object; without this the last one to finish
  // its catch frees it inside libsupc++, whose reference count ThreadSanitizer cannot see
  // (libstdc++ is not instrumented), and TSan reports the free as racing with another
  // caller's read of what(). Freed here, after the joins, it is ordered after every read.
  std::exception_ptr errors[kMaxFlights];  // written by the flight's fn before it throws
};

// Runs as fn: registers the flight, checks it is the only one of its key (unless a
// forget() made room for a second), maybe throws.
int run_flight(flights_log& log, int key) {
  const int id = log.next_id.fetch_add(1);
  WEFT_ASSERT(id < flights_log::kMaxFlights);
  log.key_of[id].store(key + 1);
  const int concurrent = log.running[key].fetch_add(1) + 1;
  // A second fn of one key may run only if the first was forgotten in the meantime.
  WEFT_ASSERT(concurrent == 1 || log.forgets[key].load() > 0);
  weft::this_thread::yield();  // let callers pile up on the flight
  log.running[key].fetch_sub(1);
  if (choose(4) == 0) {
    log.threw[id].store(true);
    log.errors[id] = std::make_exception_ptr(std::runtime_error(std::to_string(id)));
    std::rethrow_exception(log.errors[id]);
  }
  return flight_value(key, id);
}

// One caller's view of the flight it joined or led.
struct outcome {
  int key = 0;
  bool gave_up = false;  // run_for / run(ctx) returned nullopt
  int id = 0;            // the flight, from its value or its exception
  bool shared = false;
  bool error = false;
};

template <class Call>
outcome call_flight(int key, Call&& call) {
  outcome o;
  o.key = key;
  try {
    std::optional<weft::flight_result<int>> r = call();
    if (!r) {
      o.gave_up = true;
      return o;
    }
    o.id = r->value / 2;
    o.shared = r->shared;
    WEFT_ASSERT(r->value % 2 == key);  // another key's flight would be a mix-up
  } catch (const std::runtime_error& e) {
    o.error = true;
    o.id = std::stoi(e.what());
  }
  return o;
}

// Checks every caller's outcome against the log: the flight it names ran for its key,
// an error came from a flight that threw and a value from one that did not, and a flight
// whose result reached two callers was reported as shared to all of them.
std::string check_outcomes(const flights_log& log, const std::vector<outcome>& outcomes) {
  std::vector<int> receivers(flights_log::kMaxFlights, 0);
  for (const outcome& o : outcomes) {
    if (o.gave_up) continue;
    const std::string what =
        "a caller of key " + std::to_string(o.key) + " got flight " + std::to_string(o.id);
    if (o.id <= 0 || o.id >= flights_log::kMaxFlights || log.key_of[o.id].load() != o.key + 1) {
      return what + ", which never ran for that key";
    }
    if (o.error != log.threw[o.id].load()) {
      return what +
             (o.error ? " as an exception, but its fn returned" : " as a value, but its fn threw");
    }
    ++receivers[static_cast<std::size_t>(o.id)];
  }
  for (const outcome& o : outcomes) {
    if (o.gave_up || o.error) continue;
    if (receivers[static_cast<std::size_t>(o.id)] > 1 && !o.shared) {
      return "flight " + std::to_string(o.id) + " reached " +
             std::to_string(receivers[static_cast<std::size_t>(o.id)]) +
             " callers but one of them was told it was not shared";
    }
  }
  return {};
}

// A singleflight that forgot to deduplicate: every blocking caller runs its own fn (the
// mutant the suite must catch).
class no_dedupe_singleflight : public weft::singleflight<int, int> {
 public:
  template <class F>
  weft::flight_result<int> run(const int& /*key*/, F&& fn) {
    return {fn(), false};
  }
  template <class F>
  std::optional<weft::flight_result<int>> run(const int& key, const weft::context& /*ctx*/,
                                              F&& fn) {
    return run(key, std::forward<F>(fn));
  }
};

// Four threads call every form of singleflight on two keys — run, run_for with a short
// timeout, run(ctx) with a context cancelled mid-round, run_async — while one of them
// sometimes forgets a key. Each fn checks it is alone on its key; afterwards each
// caller's outcome is checked against the flights that ran, and no flight is left.
template <class Group>
void singleflight_round() {
  constexpr int kThreads = 4;
  constexpr int kCallsPerThread = 6;
  flights_log log;
  std::vector<std::vector<outcome>> outcomes(kThreads);
  auto [ctx, cancel] = weft::with_cancel(weft::background());
  {
    Group group;
    std::vector<weft::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&group, &log, &outcomes, t, ctx = ctx] {
        for (int i = 0; i < kCallsPerThread; ++i) {
          const int key = static_cast<int>(choose(flights_log::kKeys));
          auto fn = [&log, key] { return run_flight(log, key); };
          std::optional<outcome> o;
          switch (choose(5)) {
            case 0:
              o = call_flight(key, [&]() -> std::optional<weft::flight_result<int>> {
                return group.run(key, fn);
              });
              break;
            case 1:
              o = call_flight(key, [&] { return group.run_for(key, short_timeout(), fn); });
              break;
            case 2:
              o = call_flight(key, [&] { return group.run(key, ctx, fn); });
              break;
            case 3:
              o = call_flight(key, [&]() -> std::optional<weft::flight_result<int>> {
                return group.run_async(key, fn).get();
              });
              break;
            default:
              log.forgets[key].fetch_add(1);  // before: the next flight may start at once
              (void)group.forget(key);
              break;
          }
          if (o) outcomes[static_cast<std::size_t>(t)].push_back(*o);
        }
      });
    }
    weft::thread canceller = cancel_soon(cancel);
    for (auto& t : threads) {
      t.join();
    }
    canceller.join();
    unwind_if_failed();  // before ~singleflight joins the asynchronous flights' threads
    WEFT_ASSERT(group.in_flight() == 0);
  }
  std::vector<outcome> all;
  for (const auto& per_thread : outcomes) {
    all.insert(all.end(), per_thread.begin(), per_thread.end());
  }
  expect_clean(check_outcomes(log, all));
}

TEST(CachesStress, SingleflightOneFlightPerKeyAndEveryCallerGetsItsOutcome) {
  EXPECT_TRUE(passed(weft::stress::run(budget("singleflight", 150),
                                       singleflight_round<weft::singleflight<int, int>>)));
}

TEST(CachesStress, SingleflightSuiteCatchesAGroupThatDoesNotDeduplicate) {
  const weft::stress::report r = weft::stress::run(mutant_budget("singleflight (no dedupe)"),
                                                   singleflight_round<no_dedupe_singleflight>);
  EXPECT_EQ(r.kind, weft::stress::failure::assertion) << r;
  EXPECT_NE(r.message.find("concurrent == 1"), std::string::npos) << r;
}

// run_async in a round that another thread has already failed: starting the flight's
// thread unwinds, and the flight must fail with that (for its joiners) and leave no
// thread record behind for the group's destructor to join — that used to terminate the
// process from ~singleflight instead of reporting the round's failure.
TEST(CachesStress, SingleflightRunAsyncInAnAbandonedRoundStillReports) {
  weft::stress::options o = mutant_budget("singleflight run_async after a failure");
  o.iterations = 3;
  const weft::stress::report r = weft::stress::run(o, [] {
    weft::singleflight<int, int> group;
    try {
      WEFT_ASSERT(false);  // fails the round; the catch-all swallows the unwinding
    } catch (...) {
    }
    (void)group.run_async(0, [] { return 1; }).get();
  });
  EXPECT_EQ(r.kind, weft::stress::failure::assertion) << r;
}

// The value stored under `key` by write `id`: the key is recoverable, so a read can tell
// another key's value, and the id names the write (ids are unique per round).
constexpr std::int64_t cache_value(int key, std::int64_t id) {
  return id * 8 + key;
}

// A cache whose get_or_load is a get, a load and a put: no stampede protection (the
// mutant the suite must catch).
class unprotected_cache : public weft::cache<int, std::int64_t> {
 public:
  using weft::cache<int, std::int64_t>::cache;
  template <class Loader>
  std::int64_t get_or_load(const int& key, Loader&& loader) {
    if (auto v = get(key)) return *v;
    std::int64_t v = loader(key);
    put(key, v);
    return v;
  }
};

// Four threads get, put, erase, get_or_load (loaders that sometimes throw), clear and
// clean up on six keys of a cache of four, under LRU or W-TinyLFU, one or two shards,
// with or without a short expire-after-write or expire-after-access. Every value read is
// one that was written for its key; one loader per key runs at a time; at the end the
// bound holds and the statistics count exactly the reads and loads made.
template <class Cache>
void cache_round() {
  constexpr int kThreads = 4;
  constexpr int kOpsPerThread = 16;
  constexpr int kKeys = 6;
  constexpr std::size_t kMaxSize = 4;
  weft::cache_options opts{
      .max_size = kMaxSize,
      .policy = choose(2) == 0 ? weft::eviction_policy::lru : weft::eviction_policy::tiny_lfu,
      .shards = choose(2) == 0 ? 1U : 2U};
  switch (choose(3)) {
    case 0:
      opts.expire_after_write = 50us;
      break;
    case 1:
      opts.expire_after_access = 50us;
      break;
    default:
      break;
  }
  Cache cache(opts);
  weft::atomic<std::int64_t> next_write{1};
  weft::atomic<int> loading[kKeys] = {};
  weft::atomic<std::uint64_t> reads{0};         // get and get_or_load calls
  weft::atomic<std::uint64_t> loader_calls{0};  // that returned or threw
  std::vector<weft::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      auto check_read = [&](int key, std::int64_t v) {
        WEFT_ASSERT(v % 8 == key);  // another key's value: a mix-up
        WEFT_ASSERT(v / 8 > 0 && v / 8 < next_write.load());
      };
      for (int i = 0; i < kOpsPerThread; ++i) {
        const int key = static_cast<int>(choose(kKeys));
        switch (choose(8)) {
          case 0:
          case 1:
            reads.fetch_add(1);
            if (auto v = cache.get(key)) check_read(key, *v);
            break;
          case 2:
          case 3:
            cache.put(key, cache_value(key, next_write.fetch_add(1)));
            break;
          case 4:
            (void)cache.erase(key);
            break;
          case 5:
          case 6:
            reads.fetch_add(1);
            try {
              check_read(key, cache.get_or_load(key, [&](int k) {
                WEFT_ASSERT(k == key);
                // One loader per key at a time: the singleflight inside the cache.
                WEFT_ASSERT(loading[k].fetch_add(1) == 0);
                weft::this_thread::yield();
                loading[k].fetch_sub(1);
                loader_calls.fetch_add(1);
                if (choose(4) == 0) throw std::runtime_error("load failed");
                return cache_value(k, next_write.fetch_add(1));
              }));
            } catch (const std::runtime_error&) {
              // the loader's failure reaches its callers; nothing was stored
            }
            break;
          default:
            if (choose(4) == 0) {
              cache.clear();
            } else {
              (void)cache.cleanup();
            }
            break;
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  unwind_if_failed();
  WEFT_ASSERT(cache.size() <= kMaxSize);
  WEFT_ASSERT(cache.weight() <= kMaxSize);
  const weft::cache_stats s = cache.stats();
  if (s.hits + s.misses != reads.load() || s.loads + s.load_failures != loader_calls.load()) {
    expect_clean("stats: " + std::to_string(s.hits) + " hits + " + std::to_string(s.misses) +
                 " misses for " + std::to_string(reads.load()) + " reads; " +
                 std::to_string(s.loads) + " loads + " + std::to_string(s.load_failures) +
                 " failures for " + std::to_string(loader_calls.load()) + " loader calls");
  }
}

TEST(CachesStress, CacheReadsOnlyItsKeysValuesAndStaysBounded) {
  EXPECT_TRUE(
      passed(weft::stress::run(budget("cache", 150), cache_round<weft::cache<int, std::int64_t>>)));
}

TEST(CachesStress, CacheSuiteCatchesALoadingGetWithoutStampedeProtection) {
  const weft::stress::report r = weft::stress::run(mutant_budget("cache (no stampede protection)"),
                                                   cache_round<unprotected_cache>);
  EXPECT_EQ(r.kind, weft::stress::failure::assertion) << r;
  // Two loaders of one key at once, or — when a round ends before two overlap — loads
  // the cache's statistics never saw (the mutant loads outside the cache).
  EXPECT_TRUE(r.message.find("loading[k]") != std::string::npos ||
              r.message.find("stats:") != std::string::npos)
      << r;
}

}  // namespace
