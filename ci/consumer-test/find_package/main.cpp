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
  return hits.load() == expected && guarded == expected ? 0 : 1;
}
