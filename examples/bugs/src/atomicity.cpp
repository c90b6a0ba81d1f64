// Atomicity and order violations: check-then-act, use before initialisation, SCTBench's
// reorder_N and twostage_N shapes, and a check-then-take that throws.
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "weft/sync.hpp"
#include "weft_bugs/zoo.hpp"

namespace weft_bugs {

namespace {

// --- check_then_act ------------------------------------------------------------------
// Bug: withdraw() checks the balance and subtracts in two separate atomic operations,
// so two withdrawals can both pass the check and overdraw the account.
// weft reports: assertion (negative balance).
// Interleaving: T0 loads 100; T1 loads 100; both subtract 80.
// Fix: a compare-exchange loop (check and act in one atomic step).
bool withdraw(weft::atomic<int>& balance, int amount, bool fixed) {
  if (!fixed) {
    if (balance.load() < amount) {
      return false;
    }
    balance.fetch_sub(amount);  // BUG: the check above may be stale
    return true;
  }
  int current = balance.load();
  do {
    if (current < amount) {
      return false;
    }
  } while (!balance.compare_exchange_weak(current, current - amount));
  return true;
}

void check_then_act(bool fixed) {
  weft::atomic<int> balance{100};
  weft::thread t([&] { withdraw(balance, 80, fixed); });
  withdraw(balance, 80, fixed);
  t.join();
  WEFT_ASSERT(balance.load() >= 0);
}

// --- use_before_init -----------------------------------------------------------------
// Bug (order violation): main starts the worker and only then sets up the logger the
// worker uses, assuming the worker will not get that far so soon.
// weft reports: assertion (the worker finds no logger).
// Interleaving: the worker runs its first load before main publishes the logger.
// Fix: set up and publish the logger before starting the worker.
struct logger {
  weft::var<int> level{0};
};

void use_before_init(bool fixed) {
  logger storage;
  weft::atomic<logger*> current{nullptr};
  auto publish = [&] {
    storage.level = 2;
    current.store(&storage, std::memory_order_release);
  };
  if (fixed) {
    publish();
  }
  weft::thread worker([&] {
    logger* log = current.load(std::memory_order_acquire);
    WEFT_ASSERT(log != nullptr);
    WEFT_ASSERT(log->level == 2);
  });
  if (!fixed) {
    publish();  // BUG: the worker may already be running
  }
  worker.join();
}

// --- reorder_N -----------------------------------------------------------------------
// SCTBench's reorder shape: N-1 setters each write a pair (a = 1, b = -1) in two steps,
// one checker reads the pair and asserts it is either untouched or complete.
// weft reports: assertion (the checker sees a half-written pair).
// Interleaving: one preemption — the checker reads between a setter's two writes (or a
// setter writes the whole pair between the checker's two reads).
// Fix: setters and checker access the pair under one mutex.
template <int N>
void reorder(bool fixed) {
  weft::mutex m;
  weft::atomic<int> a{0};
  weft::atomic<int> b{0};
  auto guard = [&] {
    return fixed ? std::unique_lock<weft::mutex>(m) : std::unique_lock<weft::mutex>();
  };
  std::vector<weft::thread> threads;
  threads.reserve(N);
  for (int i = 0; i < N - 1; ++i) {
    threads.emplace_back([&] {
      auto lk = guard();
      a.store(1);
      b.store(-1);  // BUG when !fixed: the pair is not written atomically
    });
  }
  threads.emplace_back([&] {
    auto lk = guard();
    const int x = a.load();
    const int y = b.load();
    WEFT_ASSERT((x == 0 && y == 0) || (x == 1 && y == -1));
  });
  for (auto& t : threads) {
    t.join();
  }
}

// --- twostage_N ----------------------------------------------------------------------
// SCTBench's twostage shape: N-1 writers update data1 under lock1, then derive data2
// from it under lock2 — two critical sections for what must be one update. One reader
// reads both (also under the two locks separately) and checks data2 == data1 + 1.
// weft reports: assertion.
// Interleaving: the reader runs both of its sections between the first writer's two
// stages (sees data1 = 1, data2 = 0).
// Fix: writers and reader hold lock1 and lock2 (in that order) for the whole update.
template <int N>
void twostage(bool fixed) {
  weft::mutex lock1;
  weft::mutex lock2;
  weft::var<int> data1{0};  // guarded by lock1
  weft::var<int> data2{0};  // guarded by lock2
  std::vector<weft::thread> threads;
  threads.reserve(N);
  for (int i = 0; i < N - 1; ++i) {
    threads.emplace_back([&] {
      if (fixed) {
        std::lock_guard<weft::mutex> l1(lock1);
        std::lock_guard<weft::mutex> l2(lock2);
        data1 = 1;
        data2 = data1 + 1;
        return;
      }
      int stage1 = 0;
      {
        std::lock_guard<weft::mutex> l1(lock1);
        data1 = 1;
        stage1 = data1;
      }
      // BUG: the update is visible half-done here
      std::lock_guard<weft::mutex> l2(lock2);
      data2 = stage1 + 1;
    });
  }
  threads.emplace_back([&] {
    int d1 = 0;
    int d2 = 0;
    if (fixed) {
      std::lock_guard<weft::mutex> l1(lock1);
      std::lock_guard<weft::mutex> l2(lock2);
      d1 = data1;
      d2 = data2;
    } else {
      {
        std::lock_guard<weft::mutex> l1(lock1);
        d1 = data1;
      }
      std::lock_guard<weft::mutex> l2(lock2);
      d2 = data2;
    }
    if (d1 != 0) {
      WEFT_ASSERT(d2 == d1 + 1);
    }
  });
  for (auto& t : threads) {
    t.join();
  }
}

// --- job_queue_exception -------------------------------------------------------------
// Bug: workers check "queue not empty" in one critical section and take the job in
// another; two workers can see the one job, and the second take throws out_of_range,
// which escapes the thread.
// weft reports: uncaught_exception.
// Interleaving: W1 sees 1 job; W2 sees 1 job; W1 takes it; W2's take throws.
// Fix: check and take under one lock.
void job_queue(bool fixed) {
  weft::mutex m;
  weft::var<std::deque<int>> jobs;  // guarded by m
  weft::atomic<int> done{0};
  jobs.get_mut().push_back(7);
  auto work = [&] {
    if (fixed) {
      std::lock_guard<weft::mutex> lk(m);
      if (jobs.get().empty()) {
        return;
      }
      jobs.get_mut().pop_front();
      done.fetch_add(1);
      return;
    }
    bool has_job = false;
    {
      std::lock_guard<weft::mutex> lk(m);
      has_job = !jobs.get().empty();
    }
    if (!has_job) {
      return;
    }
    std::lock_guard<weft::mutex> lk(m);    // BUG: the check above may be stale
    const int job = jobs.get_mut().at(0);  // throws std::out_of_range when empty
    jobs.get_mut().pop_front();
    done.fetch_add(job > 0 ? 1 : 0);
  };
  weft::thread w1(work);
  weft::thread w2(work);
  w1.join();
  w2.join();
  WEFT_ASSERT(done.load() == 1);
}

}  // namespace

void check_then_act_buggy() {
  check_then_act(false);
}
void check_then_act_fixed() {
  check_then_act(true);
}
void use_before_init_buggy() {
  use_before_init(false);
}
void use_before_init_fixed() {
  use_before_init(true);
}
void reorder_10_buggy() {
  reorder<10>(false);
}
void reorder_10_fixed() {
  reorder<10>(true);
}
void reorder_20_buggy() {
  reorder<20>(false);
}
void reorder_20_fixed() {
  reorder<20>(true);
}
void twostage_100_buggy() {
  twostage<100>(false);
}
void twostage_100_fixed() {
  twostage<100>(true);
}
void job_queue_exception_buggy() {
  job_queue(false);
}
void job_queue_exception_fixed() {
  job_queue(true);
}

}  // namespace weft_bugs
