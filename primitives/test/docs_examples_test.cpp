// The examples of docs/primitives.md, compiled and run: keep the two in sync.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

#include "weft/cache.hpp"
#include "weft/channel.hpp"
#include "weft/context.hpp"
#include "weft/select.hpp"
#include "weft/singleflight.hpp"
#include "weft/sync.hpp"

namespace {

TEST(DocsExamples, Channel) {
  weft::channel<int> jobs(16);  // buffered
  weft::channel<int> results;   // unbuffered (rendezvous)

  weft::thread worker([jobs, results] {  // handles are cheap shared copies, like Go's chan
    for (int j : jobs) {                 // ends when jobs is closed and drained
      results.send(j * j);
    }
    results.close();
  });
  for (int j = 1; j <= 3; ++j) {
    jobs.send(j);
  }
  jobs.close();
  int sum = 0;
  while (std::optional<int> r = results.recv()) {  // nullopt: closed and drained
    sum += *r;
  }
  worker.join();
  EXPECT_EQ(sum, 1 + 4 + 9);
}

TEST(DocsExamples, Select) {
  weft::channel<int> numbers(1);
  weft::channel<std::string> words;  // nobody receives: its send case never fires
  numbers.send(7);
  int got = 0;
  std::size_t fired =
      weft::select(weft::recv(numbers, [&](std::optional<int> v) { got = v.value_or(-1); }),
                   weft::send(words, std::string("hi"), [] { /* a receiver took it */ }),
                   weft::timeout(std::chrono::seconds(1), [] { /* nothing for 1 s */ }));
  EXPECT_EQ(fired, 0u);
  EXPECT_EQ(got, 7);
}

TEST(DocsExamples, Context) {
  auto [ctx, cancel] = weft::with_timeout(weft::background(), std::chrono::seconds(5));
  auto [child, cancel_child] = weft::with_cancel(ctx);
  weft::channel<int> work;

  weft::thread worker([child = child, work] {
    while (auto job = work.recv(child)) {  // stops when closed or cancelled
      // ... use *job ...
    }
  });
  int callbacks = 0;
  auto stop = child.after_cancel([&] { ++callbacks; });
  cancel();  // cancels ctx and, through it, child
  worker.join();
  EXPECT_EQ(child.err(), weft::context_errc::cancelled);
  cancel_child();  // releasing a done context is harmless
  EXPECT_EQ(callbacks, 1);
  EXPECT_FALSE(stop.stop());
}

// docs/caches.md
TEST(DocsExamples, SingleflightAndCache) {
  using namespace std::chrono_literals;
  struct profile {
    std::string name;
  };
  int queries = 0;
  auto load_profile = [&](const std::string& id) {
    ++queries;
    return profile{"user " + id};
  };

  weft::singleflight<std::string, profile> group;
  auto [p, shared] = group.run("42", [&] { return load_profile("42"); });
  // p.name == "user 42"; shared == false: nobody else asked meanwhile

  weft::cache<std::string, profile> profiles({.max_size = 10'000,  // entries
                                              .expire_after_write = 5min});
  profile a = profiles.get_or_load("42", load_profile);  // a miss: loads and stores
  profile b = profiles.get_or_load("42", load_profile);  // a hit
  profiles.put("7", profile{"seven"});
  std::optional<profile> c = profiles.get("7");
  profiles.erase("7");
  weft::cache_stats s = profiles.stats();  // hits 2, misses 1, loads 1, ...

  EXPECT_EQ(p.name, "user 42");
  EXPECT_FALSE(shared);
  EXPECT_EQ(a.name, "user 42");
  EXPECT_EQ(b.name, "user 42");
  EXPECT_EQ(c->name, "seven");
  EXPECT_EQ(queries, 2);
  EXPECT_EQ(s.hits, 2u);
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.loads, 1u);
  EXPECT_FALSE(profiles.get("7").has_value());
}

}  // namespace
