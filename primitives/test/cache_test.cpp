// Unit tests of weft::cache: one test per rule of weft/cache.hpp. Expiry, refresh, load
// time and concurrent loads run on virtual time (a single-schedule model check), so "5
// minutes later" and "while the loader runs" are exact, never real-time luck.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "scenario_driver.hpp"
#include "weft/cache.hpp"
#include "weft/errors.hpp"
#include "weft/gtest.hpp"
#include "weft/model.hpp"
#include "weft/sync.hpp"

namespace {

using namespace std::chrono_literals;
using weft::scenarios::on_virtual_time;

void sleep_ms(int ms) {
  weft::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

weft::cache_options lru(std::size_t n) {
  return {.max_size = n, .policy = weft::eviction_policy::lru, .shards = 1};
}

TEST(Cache, PutGetEraseClear) {
  weft::cache<int, std::string> c(lru(10));
  EXPECT_FALSE(c.get(1).has_value());
  c.put(1, "one");
  c.put(2, "two");
  EXPECT_EQ(c.get(1), "one");
  c.put(1, "uno");  // replaces
  EXPECT_EQ(c.get(1), "uno");
  EXPECT_EQ(c.size(), 2u);
  EXPECT_TRUE(c.erase(1));
  EXPECT_FALSE(c.erase(1));
  EXPECT_FALSE(c.get(1).has_value());
  c.clear();
  EXPECT_EQ(c.size(), 0u);
  EXPECT_FALSE(c.get(2).has_value());
  const auto s = c.stats();
  EXPECT_EQ(s.hits, 2u);
  EXPECT_EQ(s.misses, 3u);
}

TEST(Cache, LruEvictsTheLeastRecentlyUsed) {
  weft::cache<int, int> c(lru(3));
  c.put(1, 1);
  c.put(2, 2);
  c.put(3, 3);
  EXPECT_TRUE(c.get(1).has_value());  // 2 is now the least recent
  c.put(4, 4);
  EXPECT_EQ(c.size(), 3u);
  EXPECT_FALSE(c.get(2).has_value());
  EXPECT_TRUE(c.get(1).has_value());
  EXPECT_TRUE(c.get(3).has_value());
  EXPECT_TRUE(c.get(4).has_value());
  EXPECT_EQ(c.stats().evictions, 1u);
}

TEST(Cache, SizeNeverExceedsTheBound) {
  for (auto policy : {weft::eviction_policy::lru, weft::eviction_policy::tiny_lfu}) {
    for (std::size_t shards : {1u, 4u}) {
      weft::cache<int, int> c({.max_size = 100, .policy = policy, .shards = shards});
      for (int i = 0; i < 5000; ++i) {
        c.put(i * 7919 % 1000, i);
        if (i % 3 == 0) (void)c.get(i % 200);
        ASSERT_LE(c.size(), 100u);
      }
      EXPECT_GE(c.size(), 90u);  // and it is used
    }
  }
}

TEST(Cache, TinyLfuKeepsHotKeysThroughAScan) {
  weft::cache<int, int> c({.max_size = 100, .shards = 1});
  for (int round = 0; round < 20; ++round) {
    for (int k = 0; k < 50; ++k) {
      if (!c.get(k)) c.put(k, k);
    }
  }
  for (int k = 1000; k < 11000; ++k) {
    c.put(k, k);  // a scan of one-hit wonders
  }
  int hot_left = 0;
  for (int k = 0; k < 50; ++k) {
    hot_left += c.get(k).has_value() ? 1 : 0;
  }
  EXPECT_GE(hot_left, 45);
  weft::cache<int, int> l(lru(100));
  for (int k = 0; k < 50; ++k) {
    l.put(k, k);
  }
  for (int k = 1000; k < 11000; ++k) {
    l.put(k, k);
  }
  EXPECT_FALSE(l.get(0).has_value());  // LRU lost them all
}

TEST(Cache, AWeigherBoundsTheTotalWeight) {
  weft::cache<int, std::string> c(
      {.max_size = 10, .policy = weft::eviction_policy::lru, .shards = 1},
      [](const int&, const std::string& v) { return v.size(); });
  c.put(1, "aaaa");
  c.put(2, "bbbb");
  EXPECT_EQ(c.weight(), 8u);
  c.put(3, "cccc");  // 12 > 10: the least recent goes
  EXPECT_EQ(c.weight(), 8u);
  EXPECT_FALSE(c.get(1).has_value());
  c.put(4, std::string(11, 'x'));  // heavier than the whole cache: not kept
  EXPECT_FALSE(c.get(4).has_value());
  EXPECT_LE(c.weight(), 10u);
}

TEST(Cache, ExpireAfterWriteIsExactOnVirtualTime) {
  on_virtual_time([] {
    weft::cache<int, int> c({.max_size = 10, .shards = 1, .expire_after_write = 5min});
    c.put(1, 1);
    weft::this_thread::sleep_for(5min - 1ns);
    EXPECT_EQ(c.get(1), 1);  // reads do not extend a write deadline
    weft::this_thread::sleep_for(1ns);
    EXPECT_FALSE(c.get(1).has_value());
    EXPECT_EQ(c.stats().expirations, 1u);
    EXPECT_EQ(c.size(), 0u);
  });
}

TEST(Cache, ExpireAfterAccessIsExtendedByReads) {
  on_virtual_time([] {
    weft::cache<int, int> c({.max_size = 10, .shards = 1, .expire_after_access = 10s});
    c.put(1, 1);
    c.put(2, 2);
    for (int i = 0; i < 5; ++i) {
      weft::this_thread::sleep_for(9s);
      EXPECT_EQ(c.get(1), 1);
    }
    EXPECT_EQ(c.size(), 2u);  // 2 expired long ago, but nobody looked
    EXPECT_EQ(c.cleanup(), 1u);
    weft::this_thread::sleep_for(10s);
    EXPECT_FALSE(c.get(1).has_value());
  });
}

TEST(Cache, GetOrLoadLoadsOnceAndStores) {
  on_virtual_time([] {
    weft::cache<int, std::string> c(lru(10));
    int loads = 0;
    auto loader = [&](const int& k) {
      ++loads;
      sleep_ms(5);
      return std::to_string(k);
    };
    EXPECT_EQ(c.get_or_load(7, loader), "7");
    EXPECT_EQ(c.get_or_load(7, loader), "7");
    EXPECT_EQ(c.get_or_load(8, [] { return std::string("eight"); }), "eight");  // loader()
    EXPECT_EQ(loads, 1);
    const auto s = c.stats();
    EXPECT_EQ(s.loads, 2u);
    EXPECT_EQ(s.misses, 2u);
    EXPECT_EQ(s.hits, 1u);
    EXPECT_EQ(s.load_time, 5ms);
  });
}

TEST(Cache, AStampedeCallsTheLoaderOnce) {
  on_virtual_time([] {
    weft::cache<int, int> c({.max_size = 100, .shards = 2});
    weft::atomic<int> loads{0};
    auto loader = [&](const int&) {
      loads.fetch_add(1);
      sleep_ms(10);
      return 42;
    };
    std::vector<weft::thread> herd;
    herd.reserve(5);
    for (int i = 0; i < 5; ++i) {
      herd.emplace_back([&] { EXPECT_EQ(c.get_or_load(1, loader), 42); });
    }
    for (auto& t : herd) {
      t.join();
    }
    EXPECT_EQ(loads.load(), 1);
    EXPECT_EQ(c.get(1), 42);
  });
}

TEST(Cache, LoaderExceptionsReachEveryCallerAndAreNotCached) {
  on_virtual_time([] {
    weft::cache<int, int> c(lru(10));
    weft::atomic<int> loads{0};
    auto failing = [&](const int&) -> int {
      loads.fetch_add(1);
      sleep_ms(10);
      throw std::runtime_error("db down");
    };
    weft::thread t([&] { EXPECT_THROW(c.get_or_load(1, failing), std::runtime_error); });
    EXPECT_THROW(c.get_or_load(1, failing), std::runtime_error);
    t.join();
    EXPECT_EQ(loads.load(), 1);
    EXPECT_FALSE(c.get(1).has_value());
    EXPECT_EQ(c.get_or_load(1, [](const int&) { return 5; }), 5);  // loads again
    EXPECT_EQ(c.stats().load_failures, 1u);
  });
}

TEST(Cache, AWriteDuringALoadWins) {
  on_virtual_time([] {
    weft::cache<int, int> c(lru(10));
    weft::thread writer([&] {
      sleep_ms(5);
      c.put(1, 2);  // while the loader runs
    });
    EXPECT_EQ(c.get_or_load(1,
                            [](const int&) {
                              sleep_ms(10);
                              return 1;
                            }),
              1);  // the loading caller gets the loaded value...
    writer.join();
    EXPECT_EQ(c.get(1), 2);  // ...but the newer put stays

    weft::thread eraser([&] {
      sleep_ms(5);
      (void)c.erase(3);
    });
    EXPECT_EQ(c.get_or_load(3,
                            [](const int&) {
                              sleep_ms(10);
                              return 3;
                            }),
              3);
    eraser.join();
    EXPECT_FALSE(c.get(3).has_value());  // the erase is not undone

    weft::thread clearer([&] {
      sleep_ms(5);
      c.clear();
    });
    (void)c.get_or_load(4, [](const int&) {
      sleep_ms(10);
      return 4;
    });
    clearer.join();
    EXPECT_EQ(c.size(), 0u);
  });
}

TEST(Cache, ARecursiveLoaderThrows) {
  weft::cache<int, int> c(lru(10));
  EXPECT_THROW(c.get_or_load(
                   1, [&](const int& k) { return c.get_or_load(k, [](const int&) { return 0; }); }),
               weft::singleflight_recursion);
  EXPECT_EQ(c.get_or_load(1, [&](const int&) { return c.get_or_load(2, [] { return 2; }); }),
            2);  // other keys are fine
}

TEST(Cache, RefreshAfterWriteReloadsOnceAndServesStaleMeanwhile) {
  on_virtual_time([] {
    weft::cache<int, int> c({.max_size = 10, .shards = 1, .refresh_after_write = 1min});
    weft::atomic<int> version{1};
    auto loader = [&](const int&) {
      sleep_ms(10);
      return version.load();
    };
    EXPECT_EQ(c.get_or_load(1, loader), 1);
    weft::this_thread::sleep_for(1min);
    version.store(2);
    weft::thread other([&] {
      sleep_ms(1);
      EXPECT_EQ(c.get_or_load(1, loader), 1);  // stale, without waiting
    });
    EXPECT_EQ(c.get_or_load(1, loader), 2);  // the refreshing caller gets the new one
    other.join();
    EXPECT_EQ(c.get(1), 2);
    EXPECT_EQ(c.stats().loads, 2u);
    // a failing refresh keeps the old value
    weft::this_thread::sleep_for(1min);
    EXPECT_EQ(c.get_or_load(1, [](const int&) -> int { throw std::runtime_error("x"); }), 2);
    EXPECT_EQ(c.get(1), 2);
    EXPECT_EQ(c.stats().load_failures, 1u);
  });
}

TEST(Cache, InvalidOptionsAreMisuse) {
  EXPECT_THROW((weft::cache<int, int>({.max_size = 0})), weft::cache_misuse);
  EXPECT_THROW((weft::cache<int, int>({.max_size = 10, .shards = 3})), weft::cache_misuse);
  EXPECT_THROW((weft::cache<int, int>({.max_size = 10, .expire_after_write = -1s})),
               weft::cache_misuse);
  weft::cache<int, int> c({.max_size = 10});  // automatic shards: at least 64 entries each
  EXPECT_EQ(c.shard_count(), 1u);
  weft::cache<int, int> big({.max_size = 1 << 20, .shards = 8});
  EXPECT_EQ(big.shard_count(), 8u);
}

// Real threads hammering a small cache: bounded, and every value read is one written.
TEST(Cache, RealThreadsKeepTheBoundAndTheValues) {
  weft::cache<int, int> c({.max_size = 64, .shards = 4});
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::uint32_t x = 12345u + static_cast<std::uint32_t>(t);
      for (int i = 0; i < 20000; ++i) {
        x = x * 1664525u + 1013904223u;
        const int k = static_cast<int>((x >> 8) % 200);
        switch ((x >> 24) % 4) {
          case 0:
            c.put(k, k * 10);
            break;
          case 1:
            (void)c.erase(k);
            break;
          case 2:
            if (c.get_or_load(k, [](const int& key) { return key * 10; }) != k * 10) ++wrong;
            break;
          default:
            if (auto v = c.get(k); v && *v != k * 10) ++wrong;
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(c.size(), 64u);
}

}  // namespace
