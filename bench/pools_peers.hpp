// pools_peers.hpp — the peers weft's pools are measured against (pools_bench.cpp,
// pools_icount.cpp): what a user would otherwise write by hand.
//
//   mutex_cv_pool      the classic thread pool: one std::mutex + std::condition_variable
//                      around a std::deque<std::function<void()>> (progschj/ThreadPool);
//                      submit_with_future() adds a std::future per task, as
//                      BS::thread_pool's submit_task does — the peer of weft's task_handle
//   mutex_deque_pool   a resource pool: std::mutex + std::condition_variable + a deque of
//                      free resources; a returned resource goes to whoever locks first
//   fifo_handoff_pool  the same, fair: a returned resource is handed to the longest
//                      waiter (each waits on its own condition variable), as weft does
//   fifo_semaphore     a weighted semaphore served first come, first served (the rule of
//                      weft::weighted_semaphore and Go's x/sync/semaphore): std::mutex +
//                      a deque of waiters, each on its own condition variable; a release
//                      hands permits to the waiters at the head while their requests fit
//   naive_limiter      a token bucket as x/time/rate is shaped: mutex, steady_clock, double
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace pools_bench {

class mutex_cv_pool {
 public:
  explicit mutex_cv_pool(int workers) {
    for (int i = 0; i < workers; ++i) {
      threads_.emplace_back([this] { work(); });
    }
  }
  ~mutex_cv_pool() {
    {
      std::lock_guard<std::mutex> g(m_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_)
      t.join();
  }
  void submit(std::function<void()> f) {
    {
      std::lock_guard<std::mutex> g(m_);
      q_.push_back(std::move(f));
    }
    cv_.notify_one();
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> f;
      {
        std::unique_lock<std::mutex> lk(m_);
        cv_.wait(lk, [&] { return stop_ || !q_.empty(); });
        if (q_.empty()) return;
        f = std::move(q_.front());
        q_.pop_front();
      }
      f();
    }
  }
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> q_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

// A task through the classic pool with its result in a std::future (std::packaged_task).
template <class F>
auto submit_with_future(mutex_cv_pool& pool, F f) -> std::future<decltype(f())> {
  using R = decltype(f());
  auto task = std::make_shared<std::packaged_task<R()>>(std::move(f));
  std::future<R> result = task->get_future();
  pool.submit([task] { (*task)(); });
  return result;
}

struct resource {
  std::uint64_t uses = 0;
};

class mutex_deque_pool {
 public:
  explicit mutex_deque_pool(int size) {
    for (int i = 0; i < size; ++i) {
      owned_.push_back(std::make_unique<resource>());
      free_.push_back(owned_.back().get());
    }
  }
  resource* acquire() {
    std::unique_lock<std::mutex> lk(m_);
    cv_.wait(lk, [&] { return !free_.empty(); });
    resource* r = free_.back();
    free_.pop_back();
    return r;
  }
  void release(resource* r) {
    {
      std::lock_guard<std::mutex> g(m_);
      free_.push_back(r);
    }
    cv_.notify_one();
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<resource*> free_;
  std::vector<std::unique_ptr<resource>> owned_;
};

// Fair: FIFO waiters, each returned resource handed to the longest waiter.
class fifo_handoff_pool {
 public:
  explicit fifo_handoff_pool(int size) {
    for (int i = 0; i < size; ++i) {
      owned_.push_back(std::make_unique<resource>());
      free_.push_back(owned_.back().get());
    }
  }
  resource* acquire() {
    std::unique_lock<std::mutex> lk(m_);
    if (!free_.empty() && waiters_.empty()) {
      resource* r = free_.back();
      free_.pop_back();
      return r;
    }
    waiter w;
    waiters_.push_back(&w);
    w.cv.wait(lk, [&] { return w.got != nullptr; });
    return w.got;
  }
  void release(resource* r) {
    std::unique_lock<std::mutex> lk(m_);
    if (waiters_.empty()) {
      free_.push_back(r);
      return;
    }
    waiter* w = waiters_.front();
    waiters_.pop_front();
    w->got = r;
    w->cv.notify_one();
  }

 private:
  struct waiter {
    std::condition_variable cv;
    resource* got = nullptr;
  };
  std::mutex m_;
  std::deque<resource*> free_;
  std::deque<waiter*> waiters_;
  std::vector<std::unique_ptr<resource>> owned_;
};

// FIFO, weighted: while anyone waits, acquirers queue behind them; a release grants the
// head's request (and the next ones') as soon as it fits and wakes exactly those waiters.
class fifo_semaphore {
 public:
  explicit fifo_semaphore(std::int64_t size) : free_(size) {}
  void acquire(std::int64_t n) {
    std::unique_lock<std::mutex> lk(m_);
    if (waiters_.empty() && free_ >= n) {
      free_ -= n;
      return;
    }
    waiter w;
    w.n = n;
    waiters_.push_back(&w);
    w.cv.wait(lk, [&] { return w.granted; });
  }
  void release(std::int64_t n) {
    std::lock_guard<std::mutex> g(m_);
    free_ += n;
    while (!waiters_.empty() && waiters_.front()->n <= free_) {
      waiter* w = waiters_.front();
      waiters_.pop_front();
      free_ -= w->n;
      w->granted = true;
      w->cv.notify_one();  // under the lock: w lives in the waiter's frame
    }
  }

 private:
  struct waiter {
    std::int64_t n = 0;
    bool granted = false;
    std::condition_variable cv;
  };
  std::mutex m_;
  std::int64_t free_;
  std::deque<waiter*> waiters_;
};

class naive_limiter {
 public:
  naive_limiter(double per_second, double burst)
      : rate_(per_second), burst_(burst), tokens_(burst) {}
  bool allow() {
    std::lock_guard<std::mutex> g(m_);
    const auto now = std::chrono::steady_clock::now();
    tokens_ =
        std::min(burst_, tokens_ + std::chrono::duration<double>(now - last_).count() * rate_);
    last_ = now;
    if (tokens_ < 1) return false;
    tokens_ -= 1;
    return true;
  }

 private:
  std::mutex m_;
  const double rate_, burst_;
  double tokens_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

}  // namespace pools_bench
