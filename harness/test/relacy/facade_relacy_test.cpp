// The sync facade's WEFT_RELACY flavour, one mapping at a time: every facade type does
// what its std:: counterpart does under Relacy's memory model, and every kind of bug
// Relacy can report through it is reported. Passing cases come with the failing ones
// that prove the check is live.
#include <weft/relacy.hpp>

#include <chrono>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>

namespace {

using namespace std::chrono_literals;
using weft::relacy::fails_with;
using weft::relacy::passes;

// ---- weft::atomic: memory orders reach Relacy ------------------------------------------

template <std::memory_order Store, std::memory_order Load>
struct publish {
  static constexpr int threads = 2;
  weft::atomic<int> flag{0};
  weft::var<int> data{0};
  void thread(int index) {
    if (index == 0) {
      data.store(42);
      flag.store(1, Store);
    } else if (flag.load(Load) == 1) {
      WEFT_ASSERT(data.load() == 42);
    }
  }
};

// Release/acquire through standalone fences around relaxed accesses.
template <bool Fences>
struct fenced_publish {
  static constexpr int threads = 2;
  weft::atomic<int> flag{0};
  weft::var<int> data{0};
  void thread(int index) {
    if (index == 0) {
      data.store(42);
      if (Fences) weft::atomic_thread_fence(std::memory_order_release);
      flag.store(1, std::memory_order_relaxed);
    } else if (flag.load(std::memory_order_relaxed) == 1) {
      if (Fences) weft::atomic_thread_fence(std::memory_order_acquire);
      WEFT_ASSERT(data.load() == 42);
    }
  }
};

// A CAS whose failure order (acquire) is stronger than its success order (relaxed), as
// C++17 allows: the failure path synchronizes with the release store it read.
template <std::memory_order Failure>
struct cas_failure_order {
  static constexpr int threads = 2;
  weft::atomic<int> flag{0};
  weft::var<int> data{0};
  void thread(int index) {
    if (index == 0) {
      data.store(42);
      flag.store(1, std::memory_order_release);
    } else {
      int expected = 0;
      if (!flag.compare_exchange_strong(expected, 2, std::memory_order_relaxed, Failure)) {
        WEFT_ASSERT(expected == 1);
        WEFT_ASSERT(data.load() == 42);
      }
    }
  }
};

// A test-and-set spinlock built on compare_exchange_weak.
template <std::memory_order Acquire, std::memory_order Release>
struct spinlock {
  static constexpr int threads = 2;
  weft::atomic<bool> locked{false};
  weft::var<int> counter{0};
  void thread(int) {
    bool expected = false;
    while (!locked.compare_exchange_weak(expected, true, Acquire, std::memory_order_relaxed)) {
      expected = false;
      weft::this_thread::yield();
    }
    counter.store(counter.load() + 1);
    locked.store(false, Release);
  }
  void after() { WEFT_ASSERT(counter.load() == 2); }
};

// compare_exchange_weak may fail spuriously under Relacy (explored); strong may not.
template <bool Weak>
struct cas_spurious {
  static constexpr int threads = 1;
  weft::atomic<int> x{0};
  void thread(int) {
    int expected = 0;
    WEFT_ASSERT(Weak ? x.compare_exchange_weak(expected, 1)
                     : x.compare_exchange_strong(expected, 1));
  }
};

struct rmw_counter {
  static constexpr int threads = 3;
  weft::atomic<unsigned> n{0};
  weft::atomic<int*> p{nullptr};
  int cells[4] = {};
  void thread(int) {
    n.fetch_add(1, std::memory_order_relaxed);
    n.fetch_or(0x100, std::memory_order_relaxed);
    (void)p.fetch_add(1, std::memory_order_relaxed);
  }
  void before() { p.store(cells); }
  void after() {
    WEFT_ASSERT((n.load() & 0xff) == 3);
    WEFT_ASSERT(n.load() & 0x100);
    WEFT_ASSERT(p.load() == cells + 3);
  }
};

// C++20 wait/notify (a yield loop under Relacy).
struct atomic_wait {
  static constexpr int threads = 2;
  weft::atomic<int> state{0};
  weft::var<int> data{0};
  void thread(int index) {
    if (index == 0) {
      data.store(7);
      state.store(1, std::memory_order_release);
      state.notify_one();
    } else {
      state.wait(0, std::memory_order_acquire);
      WEFT_ASSERT(data.load() == 7);
    }
  }
};

// ---- weft::mutex, weft::shared_mutex -----------------------------------------------------

template <bool Locked>
struct mutex_counter {
  static constexpr int threads = 2;
  weft::mutex m;
  weft::var<int> counter{0};
  void thread(int) {
    if (Locked) {
      std::lock_guard<weft::mutex> g(m);
      counter.store(counter.load() + 1);
    } else {
      counter.store(counter.load() + 1);
    }
  }
  void after() { WEFT_ASSERT(counter.load() == 2); }
};

struct lock_order_inversion {
  static constexpr int threads = 2;
  weft::mutex a, b;
  void thread(int index) {
    weft::mutex& first = index == 0 ? a : b;
    weft::mutex& second = index == 0 ? b : a;
    std::lock_guard<weft::mutex> g1(first);
    std::lock_guard<weft::mutex> g2(second);
  }
};

struct scoped_lock_both {  // std::scoped_lock's deadlock avoidance works on weft::mutex
  static constexpr int threads = 2;
  weft::mutex a, b;
  weft::var<int> n{0};
  void thread(int index) {
    if (index == 0) {
      std::scoped_lock g(a, b);
      n.store(n.load() + 1);
    } else {
      std::scoped_lock g(b, a);
      n.store(n.load() + 1);
    }
  }
};

struct unlock_not_owner {
  static constexpr int threads = 1;
  weft::mutex m;
  void thread(int) { m.unlock(); }
};

template <bool ReaderWrites>
struct readers_writer {
  static constexpr int threads = 3;
  weft::shared_mutex m;
  weft::var<int> value{0};
  void thread(int index) {
    if (index == 0) {
      std::unique_lock<weft::shared_mutex> g(m);
      value.store(value.load() + 1);
    } else {
      std::shared_lock<weft::shared_mutex> g(m);
      const int v = value.load();
      WEFT_ASSERT(v == 0 || v == 1);
      if (ReaderWrites) value.store(v);
    }
  }
};

// ---- weft::condition_variable ---------------------------------------------------------

enum class cv_use { correct, if_not_while, no_predicate };

template <cv_use Use>
struct cv_handoff {
  static constexpr int threads = 2;
  weft::mutex m;
  weft::condition_variable cv;
  weft::var<bool> ready{false};
  void thread(int index) {
    if (index == 0) {
      std::lock_guard<weft::mutex> g(m);
      ready.store(true);
      cv.notify_one();
    } else {
      std::unique_lock<weft::mutex> lk(m);
      if constexpr (Use == cv_use::correct) {
        cv.wait(lk, [&] { return ready.load(); });
      } else if constexpr (Use == cv_use::if_not_while) {
        if (!ready.load()) cv.wait(lk);  // a spurious wake-up gets through
      } else {
        cv.wait(lk);  // the notification may have come and gone: lost wake-up
      }
      WEFT_ASSERT(ready.load());
    }
  }
};

// A timed wait: either the item arrives or the wait times out, and then the clock has
// reached the deadline — both are legal, whichever Relacy picks.
struct cv_timed {
  static constexpr int threads = 2;
  weft::mutex m;
  weft::condition_variable cv;
  weft::var<bool> ready{false};
  void thread(int index) {
    if (index == 0) {
      std::lock_guard<weft::mutex> g(m);
      ready.store(true);
      cv.notify_all();
    } else {
      std::unique_lock<weft::mutex> lk(m);
      const auto deadline = weft::clock::now() + 1s;
      if (!cv.wait_until(lk, deadline, [&] { return ready.load(); })) {
        WEFT_ASSERT(weft::clock::now() >= deadline);
      }
      // A deadline in the past times out at once.
      WEFT_ASSERT(cv.wait_for(lk, 0ms) == std::cv_status::timeout);
    }
  }
};

// A program that is correct only if time behaves (the worker needs 50 ms, the waiter
// allows 1 s). Relacy has no time: any timed wait may time out at any moment, so this
// fails — a Relacy test must accept a timeout as a legal outcome (docs/relacy.md).
struct timing_dependent {
  static constexpr int threads = 2;
  weft::mutex m;
  weft::condition_variable cv;
  weft::var<bool> ready{false};
  void thread(int index) {
    if (index == 0) {
      weft::this_thread::sleep_for(50ms);
      std::lock_guard<weft::mutex> g(m);
      ready.store(true);
      cv.notify_one();
    } else {
      std::unique_lock<weft::mutex> lk(m);
      WEFT_ASSERT(cv.wait_for(lk, 1s, [&] { return ready.load(); }));
    }
  }
};

// ---- weft::clock, sleeps ----------------------------------------------------------------

struct logical_clock {
  static constexpr int threads = 2;
  void thread(int) {
    const auto t0 = weft::clock::now();
    weft::this_thread::sleep_for(10ms);
    WEFT_ASSERT(weft::clock::now() - t0 >= 10ms);
    weft::this_thread::sleep_until(t0);  // in the past: a yield
    WEFT_ASSERT(weft::clock::now() >= t0 + 10ms);
  }
  void before() { WEFT_ASSERT(weft::clock::now() == weft::clock::time_point{}); }
};

// A raw rl::test_suite has no per-iteration facade state: the clock refuses to run.
struct raw_suite_with_clock : rl::test_suite<raw_suite_with_clock, 1> {
  void thread(unsigned) { (void)weft::clock::now(); }
};

// ---- weft::thread ---------------------------------------------------------------------

enum class spawn_use { joined, read_before_join, not_joined, one_too_many };

template <spawn_use Use>
struct spawn {
  static constexpr int threads = 1;
  static constexpr int spawned_threads = 3;
  weft::var<int> data{0};
  void thread(int) {
    data.store(1);  // thread start synchronizes: the child may read this
    std::array<weft::thread, 2> ts;
    for (auto& t : ts) {
      t = weft::thread([this] { data.store(data.load() + 1); });
      if (Use != spawn_use::read_before_join) t.join();
    }
    if constexpr (Use == spawn_use::one_too_many) {
      for (int i = 0; i < 2; ++i) {
        weft::thread extra([] {});
        extra.join();
      }
    }
    if constexpr (Use == spawn_use::read_before_join) {
      WEFT_ASSERT(data.load() >= 1);
      for (auto& t : ts) {
        t.join();
      }
    }
    if constexpr (Use == spawn_use::not_joined) {
      weft::thread leaked([] {});  // destroyed while joinable
    }
    if constexpr (Use != spawn_use::not_joined) WEFT_ASSERT(data.load() == 3);
  }
};

// An exception escaping a thread fails the iteration instead of killing the process.
struct throwing_thread {
  static constexpr int threads = 2;
  void thread(int index) {
    if (index == 1) throw std::runtime_error("boom");
  }
};

// ---- weft::model::choose, WEFT_ASSERT, memory ------------------------------------------

struct choose_all {
  static constexpr int threads = 1;
  void thread(int) { WEFT_ASSERT(weft::model::choose(3) != 2); }  // Relacy tries 2 too
};

struct leak {
  static constexpr int threads = 1;
  int* p = nullptr;
  void thread(int) { p = new int(1); }  // kept, so the compiler cannot elide the allocation
};

struct double_delete {
  static constexpr int threads = 1;
  int* volatile p = nullptr;  // volatile: the optimizer may not elide the allocation
  void thread(int) {
    p = new int(1);
    // Relacy's operator new takes the memory from malloc(), its operator delete frees it.
    delete p;  // NOLINT(clang-analyzer-unix.MismatchedDeallocator)
    delete p;  // NOLINT: the bug under test
  }
};

// A facade object used after its owner freed it.
struct use_after_free {
  static constexpr int threads = 2;
  weft::atomic<int>* cell = new weft::atomic<int>(0);
  weft::atomic<int> done{0};
  void thread(int index) {
    if (index == 0) {
      cell->store(1, std::memory_order_relaxed);
      done.store(1, std::memory_order_release);
    } else {
      delete cell;  // without waiting for `done`
    }
  }
};

weft::relacy::options full() {
  weft::relacy::options o;
  o.scheduler = weft::relacy::scheduler::full;
  o.use_environment = false;
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  constexpr auto relaxed = std::memory_order_relaxed;
  constexpr auto acquire = std::memory_order_acquire;
  constexpr auto release = std::memory_order_release;
  constexpr auto seq_cst = std::memory_order_seq_cst;
  return weft::relacy::test_main(
      argc, argv,
      {
          passes<publish<release, acquire>>("atomic: release/acquire publication"),
          passes<publish<seq_cst, seq_cst>>("atomic: seq_cst publication"),
          fails_with<publish<relaxed, relaxed>>("atomic: relaxed publication",
                                                rl::test_result_data_race),
          fails_with<publish<release, relaxed>>("atomic: release without acquire",
                                                rl::test_result_data_race),
          passes<fenced_publish<true>>("fences: release/acquire fences"),
          fails_with<fenced_publish<false>>("fences: relaxed without fences",
                                            rl::test_result_data_race),
          passes<cas_failure_order<acquire>>("atomic: CAS failure order stronger than success"),
          fails_with<cas_failure_order<relaxed>>("atomic: CAS relaxed failure order",
                                                 rl::test_result_data_race),
          passes<spinlock<acquire, release>>("atomic: CAS spinlock acquire/release"),
          fails_with<spinlock<relaxed, relaxed>>("atomic: CAS spinlock relaxed",
                                                 rl::test_result_data_race),
          passes<cas_spurious<false>>("atomic: compare_exchange_strong never fails spuriously",
                                      full()),
          fails_with<cas_spurious<true>>("atomic: compare_exchange_weak may fail spuriously",
                                         rl::test_result_user_assert_failed),
          passes<rmw_counter>("atomic: fetch_add/fetch_or, pointer arithmetic"),
          passes<atomic_wait>("atomic: wait/notify"),
          passes<mutex_counter<true>>("mutex: protected counter"),
          fails_with<mutex_counter<false>>("mutex: unprotected counter", rl::test_result_data_race),
          fails_with<lock_order_inversion>("mutex: lock-order inversion", rl::test_result_deadlock),
          passes<scoped_lock_both>("mutex: std::scoped_lock of two"),
          fails_with<unlock_not_owner>("mutex: unlock without owning",
                                       rl::test_result_unlocking_mutex_wo_ownership),
          passes<readers_writer<false>>("shared_mutex: readers and a writer"),
          fails_with<readers_writer<true>>("shared_mutex: a reader that writes",
                                           rl::test_result_data_race),
          passes<cv_handoff<cv_use::correct>>("condition_variable: wait with predicate"),
          fails_with<cv_handoff<cv_use::if_not_while>>(
              "condition_variable: spurious wake-up explored", rl::test_result_user_assert_failed),
          fails_with<cv_handoff<cv_use::no_predicate>>(
              "condition_variable: lost (or spurious) wake-up",
              {rl::test_result_deadlock, rl::test_result_user_assert_failed}),
          passes<cv_timed>("condition_variable: timed wait, timeout moves the clock"),
          fails_with<timing_dependent>("quirk: timing-dependent program fails under Relacy",
                                       rl::test_result_user_assert_failed),
          passes<logical_clock>("clock: logical, sleeps advance it"),
          fails_with<raw_suite_with_clock>("clock: a raw rl::test_suite is refused",
                                           rl::test_result_user_assert_failed),
          passes<spawn<spawn_use::joined>>("thread: start and join synchronize"),
          fails_with<spawn<spawn_use::read_before_join>>("thread: read before join",
                                                         rl::test_result_data_race),
          fails_with<spawn<spawn_use::not_joined>>("thread: destroyed while joinable",
                                                   rl::test_result_user_assert_failed),
          fails_with<spawn<spawn_use::one_too_many>>("thread: more than the suite reserves",
                                                     rl::test_result_user_assert_failed),
          fails_with<throwing_thread>("thread: uncaught exception",
                                      rl::test_result_user_assert_failed),
          fails_with<choose_all>("choose: every value explored",
                                 rl::test_result_user_assert_failed),
          fails_with<leak>("memory: leak", rl::test_result_memory_leak),
          fails_with<double_delete>("memory: double delete", rl::test_result_double_free),
          fails_with<use_after_free>("memory: facade object used after free",
                                     rl::test_result_access_to_freed_memory),
      });
}
