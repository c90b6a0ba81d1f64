// The example of docs/stress.md ("Writing a stress suite for your component"), kept
// compiling and passing. Keep the two in sync.
#include <gtest/gtest.h>

#include <cstddef>
#include <deque>
#include <mutex>

#include "weft/stress.hpp"
#include "weft/sync.hpp"

// --- docs/stress.md: begin ---
// The component: a bounded blocking queue written on the sync facade.
class bounded_queue {
 public:
  explicit bounded_queue(std::size_t capacity) : capacity_(capacity) {}

  void push(int v) {
    std::unique_lock<weft::mutex> lk(m_);
    not_full_.wait(lk, [&] { return items_.size() < capacity_; });
    items_.push_back(v);
    not_empty_.notify_one();
  }

  int pop() {
    std::unique_lock<weft::mutex> lk(m_);
    not_empty_.wait(lk, [&] { return !items_.empty(); });
    const int v = items_.front();
    items_.pop_front();
    not_full_.notify_one();
    return v;
  }

 private:
  const std::size_t capacity_;
  weft::mutex m_;
  weft::condition_variable not_full_, not_empty_;
  std::deque<int> items_;  // guarded by m_
};

// The suite: two producers, one consumer; every item arrives once, in order per producer.
TEST(BoundedQueueStress, EveryItemOnceInProducerOrder) {
  weft::stress::options opts;
  opts.name = "bounded_queue";
  opts.iterations = 300;  // CI budget; nightly: WEFT_STRESS_ITERATIONS=0 WEFT_STRESS_SECONDS=600
  const auto report = weft::stress::run(opts, [] {
    constexpr int kPerProducer = 50;
    bounded_queue q(2);  // small: producers block often
    weft::thread p0([&] {
      for (int i = 0; i < kPerProducer; ++i) {
        q.push(i);  // producer 0 sends 0, 1, 2, ...
      }
    });
    weft::thread p1([&] {
      for (int i = 0; i < kPerProducer; ++i) {
        q.push(1000 + i);  // producer 1 sends 1000, 1001, ...
      }
    });
    int next0 = 0;
    int next1 = 1000;
    for (int i = 0; i < 2 * kPerProducer; ++i) {
      const int v = q.pop();
      int& next = v < 1000 ? next0 : next1;
      WEFT_ASSERT(v == next);  // nothing lost, duplicated or reordered
      ++next;
    }
    p0.join();
    p1.join();
  });
  EXPECT_TRUE(report.ok()) << report;  // on failure: kind, message, round, seed
}
// --- docs/stress.md: end ---
