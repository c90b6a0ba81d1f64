// weft_demo — the sync facade on real threads.
//
// Code under test is written against weft:: types instead of std:: ones; outside a checker
// they behave exactly like their std:: counterparts, which is what this program shows:
//   1. counters: threads bump a weft::atomic and a mutex-guarded weft::var;
//   2. hand-off: a producer and a consumer pass items through a bounded queue built from
//      weft::mutex and weft::condition_variable;
//   3. choices: weft::model::choose outside model mode is a seeded, reproducible choice.
// It prints what it did and exits non-zero if any result is wrong.
#include <weft/weft.hpp>

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <deque>
#include <mutex>
#include <vector>

namespace {

bool counters(int threads, int increments) {
  weft::atomic<long> hits{0};
  weft::mutex m;
  weft::var<long> guarded{0};  // protected by m

  const auto start = weft::clock::now();
  std::vector<weft::thread> workers;
  workers.reserve(static_cast<std::size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int i = 0; i < increments; ++i) {
        hits.fetch_add(1, std::memory_order_relaxed);
        std::lock_guard<weft::mutex> lock(m);
        guarded = guarded + 1;
      }
    });
  }
  for (auto& w : workers) {
    w.join();
  }
  const auto elapsed =
      std::chrono::duration_cast<std::chrono::microseconds>(weft::clock::now() - start);

  const long expected = static_cast<long>(threads) * increments;
  const bool ok = hits.load() == expected && guarded.load() == expected;
  std::printf(
      "counters: %d threads x %d increments -> atomic %ld, mutex-guarded %ld "
      "(expected %ld) in %lld us: %s\n",
      threads, increments, hits.load(), guarded.load(), expected,
      static_cast<long long>(elapsed.count()), ok ? "ok" : "WRONG");
  return ok;
}

// A bounded FIFO queue: the classic two-condition-variable monitor.
class bounded_queue {
 public:
  explicit bounded_queue(std::size_t capacity) : capacity_(capacity) {}

  void push(int value) {
    std::unique_lock<weft::mutex> lock(m_);
    not_full_.wait(lock, [&] { return items_.size() < capacity_; });
    items_.push_back(value);
    not_empty_.notify_one();
  }

  int pop() {
    std::unique_lock<weft::mutex> lock(m_);
    not_empty_.wait(lock, [&] { return !items_.empty(); });
    const int value = items_.front();
    items_.pop_front();
    not_full_.notify_one();
    return value;
  }

 private:
  weft::mutex m_;
  weft::condition_variable not_full_;
  weft::condition_variable not_empty_;
  std::deque<int> items_;  // guarded by m_
  std::size_t capacity_;
};

bool hand_off(int items, std::size_t capacity) {
  bounded_queue queue(capacity);
  long sum = 0;
  bool in_order = true;
  weft::thread consumer([&] {
    for (int i = 0; i < items; ++i) {
      const int v = queue.pop();
      in_order = in_order && v == i;
      sum += v;
    }
  });
  weft::thread producer([&] {
    for (int i = 0; i < items; ++i) {
      queue.push(i);
    }
  });
  producer.join();
  consumer.join();

  const long expected = static_cast<long>(items) * (items - 1) / 2;
  const bool ok = sum == expected && in_order;
  std::printf(
      "hand-off: %d items through a queue of capacity %zu -> sum %ld (expected %ld), "
      "%s: %s\n",
      items, capacity, sum, expected, in_order ? "in order" : "OUT OF ORDER", ok ? "ok" : "WRONG");
  return ok;
}

bool choices(int n) {
  std::vector<int> histogram(3, 0);
  for (int i = 0; i < n; ++i) {
    ++histogram[weft::model::choose(3)];
  }
  bool ok = true;
  for (int h : histogram) {
    ok = ok && h > 0;
  }
  std::printf(
      "choices: weft::model::choose(3) x %d outside model mode -> %d / %d / %d "
      "(seeded by WEFT_SEED): %s\n",
      n, histogram[0], histogram[1], histogram[2], ok ? "ok" : "WRONG");
  return ok;
}

}  // namespace

int main() {
#if defined(WEFT_NATIVE)
  std::puts("weft demo (native facade: plain std:: types)");
#else
  std::puts("weft demo (instrumented facade, no checker active: plain std:: behaviour)");
#endif
  bool ok = counters(4, 20000);
  ok = hand_off(20000, 8) && ok;
  ok = choices(3000) && ok;
  std::puts(ok ? "weft demo: all results correct" : "weft demo: WRONG results");
  return ok ? 0 : 1;
}
