// variants.cpp — the broken components and their fixed twins (see variants.hpp).
//
// Each component is a template on `Fixed`; the two versions differ only inside one
// `if constexpr (Fixed)`, which marks the bug. Rounds are tiny (three threads, a handful
// of operations), so without injected delays the threads rarely overlap at all: thread
// start-up takes tens of microseconds, the racy window a few nanoseconds.
#include "variants.hpp"

#include <deque>
#include <mutex>

#include "weft/assert.hpp"
#include "weft/channel.hpp"
#include "weft/sync.hpp"

namespace weft::stress_variants {

namespace {

// Called after a round's last join: if another thread failed the round, unwind it here
// while its objects are alive, not from a destructor that uses the facade (a channel's)
// after the body returns, which would terminate (see stress/test/stress_suite.hpp).
void unwind_if_failed() {
  weft::this_thread::yield();
}

// ---- check_then_act: a ticket dispenser --------------------------------------------

// Hands out at most `limit` tickets to any number of threads.
template <bool Fixed>
class ticket_dispenser {
 public:
  explicit ticket_dispenser(int limit) : limit_(limit) {}

  bool try_take() {
    if constexpr (Fixed) {
      // Test and take in one step: the CAS fails if another thread took one meanwhile.
      int n = issued_.load();
      while (n < limit_) {
        if (issued_.compare_exchange_weak(n, n + 1)) return true;
      }
      return false;
    } else {
      // BUG: check-then-act. Two threads can both see limit - 1 and both take a ticket.
      if (issued_.load() < limit_) {
        issued_.fetch_add(1);
        return true;
      }
      return false;
    }
  }

  int issued() const { return issued_.load(); }

 private:
  const int limit_;
  weft::atomic<int> issued_{0};
};

template <bool Fixed>
void check_then_act_round() {
  constexpr int kLimit = 6;
  constexpr int kTriesPerThread = 3;  // 3 threads: 9 tries for 6 tickets
  ticket_dispenser<Fixed> d(kLimit);
  weft::atomic<int> taken{0};
  auto worker = [&] {
    for (int i = 0; i < kTriesPerThread; ++i) {
      if (d.try_take()) taken.fetch_add(1);
    }
  };
  weft::thread a(worker);
  weft::thread b(worker);
  worker();
  a.join();
  b.join();
  unwind_if_failed();
  WEFT_ASSERT(taken.load() == kLimit && d.issued() == kLimit);
}

// ---- lost_wakeup: a single-consumer queue whose consumer sleeps when idle ------------

// push() only notifies when the consumer said it sleeps (saving a futex call per item).
template <bool Fixed>
class sleepy_queue {
 public:
  void push(int v) {
    bool wake = false;
    {
      std::lock_guard<weft::mutex> g(m_);
      items_.push_back(v);
      if constexpr (Fixed) wake = sleeping_;
    }
    if constexpr (!Fixed) wake = sleeping_flag_.load();
    if (wake) cv_.notify_one();
  }

  int pop() {
    if constexpr (Fixed) {
      // The check and the wait are one critical section: a push either comes before
      // the check (the item is seen) or after the wait began (its notify wakes us).
      std::unique_lock<weft::mutex> lk(m_);
      while (items_.empty()) {
        sleeping_ = true;
        cv_.wait(lk);
      }
      sleeping_ = false;
      return take();
    } else {
      for (;;) {
        {
          std::lock_guard<weft::mutex> g(m_);
          if (!items_.empty()) return take();
        }
        // BUG: the lock is not held from the check above to the wait below. A push in
        // between sees sleeping_flag_ == false, or notifies before we wait: its wake-up
        // is lost, and if it was the last push the consumer sleeps forever.
        sleeping_flag_.store(true);
        {
          std::unique_lock<weft::mutex> lk(m_);
          cv_.wait(lk);
        }
        sleeping_flag_.store(false);
      }
    }
  }

 private:
  int take() {  // m_ held
    const int v = items_.front();
    items_.pop_front();
    return v;
  }

  weft::mutex m_;
  weft::condition_variable cv_;
  std::deque<int> items_;               // guarded by m_
  bool sleeping_ = false;               // guarded by m_ (fixed)
  weft::atomic<bool> sleeping_flag_{};  // (broken)
};

template <bool Fixed>
void lost_wakeup_round() {
  constexpr int kItems = 3;
  sleepy_queue<Fixed> q;
  weft::thread producer([&] {
    for (int i = 0; i < kItems; ++i) {
      q.push(i);
    }
  });
  for (int i = 0; i < kItems; ++i) {
    const int v = q.pop();
    WEFT_ASSERT(v == i);
  }
  producer.join();
  unwind_if_failed();
}

// ---- publish_early: a double-checked lazy value -------------------------------------

int expensive_computation() {
  return 42;
}

template <bool Fixed>
class lazy_value {
 public:
  int get() {
    if (ready_.load(std::memory_order_acquire)) return value_.load(std::memory_order_relaxed);
    std::lock_guard<weft::mutex> g(m_);
    if (!ready_.load(std::memory_order_relaxed)) {
      if constexpr (Fixed) {
        value_.store(expensive_computation(), std::memory_order_relaxed);
        ready_.store(true, std::memory_order_release);
      } else {
        // BUG: publishes before it initialises. A thread on the fast path that sees
        // ready_ == true reads the value before it is written (0). The memory orders are
        // right; the order of the statements is not.
        ready_.store(true, std::memory_order_release);
        value_.store(expensive_computation(), std::memory_order_relaxed);
      }
    }
    return value_.load(std::memory_order_relaxed);
  }

 private:
  weft::mutex m_;
  weft::atomic<bool> ready_{false};
  weft::atomic<int> value_{0};
};

template <bool Fixed>
void publish_early_round() {
  lazy_value<Fixed> lazy;
  auto user = [&] { WEFT_ASSERT(lazy.get() == 42); };
  weft::thread a(user);
  weft::thread b(user);
  user();
  a.join();
  b.join();
  unwind_if_failed();
}

// ---- two_step: a transfer between two accounts --------------------------------------

// Two accounts, each with its own mutex. Locks are always taken a, then b.
template <bool Fixed>
class two_accounts {
 public:
  static constexpr int kTotal = 200;

  void transfer(bool a_to_b, int amount) {
    const int d = a_to_b ? amount : -amount;
    if constexpr (Fixed) {
      std::scoped_lock g(ma_, mb_);
      a_.store(a_.load() - d);
      b_.store(b_.load() + d);
    } else {
      // BUG: each step is locked, the pair is not: between the two, the money is in
      // neither account (or in both), and an audit in between sees the wrong total.
      {
        std::lock_guard<weft::mutex> g(ma_);
        a_.store(a_.load() - d);
      }
      {
        std::lock_guard<weft::mutex> g(mb_);
        b_.store(b_.load() + d);
      }
    }
  }

  int total() {
    std::scoped_lock g(ma_, mb_);
    return a_.load() + b_.load();
  }

 private:
  weft::mutex ma_, mb_;
  weft::var<int> a_{kTotal / 2};  // guarded by ma_
  weft::var<int> b_{kTotal / 2};  // guarded by mb_
};

template <bool Fixed>
void two_step_round() {
  constexpr int kTransfers = 3;
  two_accounts<Fixed> acct;
  weft::thread ab([&] {
    for (int i = 0; i < kTransfers; ++i) {
      acct.transfer(true, 10);
    }
  });
  weft::thread ba([&] {
    for (int i = 0; i < kTransfers; ++i) {
      acct.transfer(false, 7);
    }
  });
  for (int i = 0; i < kTransfers; ++i) {
    WEFT_ASSERT(acct.total() == two_accounts<Fixed>::kTotal);
  }
  ab.join();
  ba.join();
  unwind_if_failed();
  WEFT_ASSERT(acct.total() == two_accounts<Fixed>::kTotal);
}

// ---- last_one_out: workers close their results channel when the last one is done ----

template <bool Fixed>
void last_one_out_round() {
  constexpr int kWorkers = 3;
  weft::channel<int> results(kWorkers);
  weft::atomic<int> remaining{kWorkers};
  auto worker = [&](int i) {
    results.send(i * i);
    if constexpr (Fixed) {
      if (remaining.fetch_sub(1) == 1) results.close();
    } else {
      // BUG: decrements, then reads the count again. Two workers that finish together
      // both read 0 and both close: the second close throws weft::channel_closed.
      remaining.fetch_sub(1);
      if (remaining.load() == 0) results.close();
    }
  };
  weft::thread w0(worker, 0);
  weft::thread w1(worker, 1);
  weft::thread w2(worker, 2);
  int sum = 0;
  for (int v : results) {
    sum += v;
  }
  w0.join();
  w1.join();
  w2.join();
  unwind_if_failed();
  WEFT_ASSERT(sum == 0 + 1 + 4);
}

}  // namespace

const std::vector<variant>& all() {
  using weft::stress::failure;
  static const std::vector<variant> variants = {
      {"check_then_act", "ticket dispenser: tests the count, then takes a ticket",
       "assertion: more tickets than the limit", failure::assertion, &check_then_act_round<false>,
       &check_then_act_round<true>, 5},
      {"lost_wakeup", "queue: consumer checks for items and starts waiting in two steps",
       "hang: consumer waits for a wake-up that was lost", failure::hang, &lost_wakeup_round<false>,
       &lost_wakeup_round<true>, 0.3},
      {"publish_early", "double-checked lazy value: sets `ready` before storing the value",
       "assertion: a reader sees the uninitialised value", failure::assertion,
       &publish_early_round<false>, &publish_early_round<true>, 5},
      {"two_step", "transfer: two separately locked steps",
       "assertion: an audit sees a wrong total", failure::assertion, &two_step_round<false>,
       &two_step_round<true>, 5},
      {"last_one_out", "countdown: decrement, then re-read the count to close a channel",
       "uncaught_exception: channel closed twice", failure::uncaught_exception,
       &last_one_out_round<false>, &last_one_out_round<true>, 5},
  };
  return variants;
}

const variant* find(std::string_view name) {
  for (const variant& v : all()) {
    if (name == v.name) return &v;
  }
  return nullptr;
}

}  // namespace weft::stress_variants
