// A user's program: consumes weft through <weft/weft.hpp> and the weft::weft target, and
// uses the sync facade the way the README shows.
#include <weft/weft.hpp>

#include <cstdio>
#include <mutex>
#include <vector>

int main() {
  constexpr int kThreads = 4;
  constexpr int kIncrements = 1000;

  weft::atomic<int> hits{0};
  weft::mutex m;
  int guarded = 0;  // protected by m

  std::vector<weft::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        hits.fetch_add(1, std::memory_order_relaxed);
        std::lock_guard<weft::mutex> lock(m);
        ++guarded;
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }

  const int expected = kThreads * kIncrements;
  std::printf("weft consumer: atomic=%d guarded=%d expected=%d\n", hits.load(), guarded, expected);

  // The model checker links and runs from the consumer's build too.
  weft::model::options opts;
  opts.strategy = weft::model::strategy::dfs;
  opts.preemption_bound = -1;
  opts.max_schedules = 100000;
  opts.use_environment = false;
  const auto report = weft::model::check(opts, [] {
    weft::atomic<int> n{0};
    weft::thread t([&] { n.fetch_add(1); });
    n.fetch_add(1);
    t.join();
    WEFT_ASSERT(n.load() == 2);
  });
  std::printf("%s", report.to_string().c_str());
  return hits.load() == expected && guarded == expected && report.ok() && report.exhausted ? 0 : 1;
}
