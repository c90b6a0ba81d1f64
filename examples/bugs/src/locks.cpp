// Lock bugs: lock-order deadlocks, a self-deadlocking lock upgrade, a wrong lock, and two
// hand-made locks (ticket, Peterson) with the classic mistakes.
#include <array>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <utility>
#include <vector>

#include "weft/sync.hpp"
#include "weft_bugs/zoo.hpp"

namespace weft_bugs {

namespace {

// --- abba_deadlock -------------------------------------------------------------------
// Bug: transfer(from, to) locks `from` then `to`, so two opposite transfers lock the
// same two mutexes in opposite orders (lock-order inversion, "ABBA").
// weft reports: deadlock.
// Interleaving: T1 locks a; T0 locks b; T1 waits for b; T0 waits for a.
// Fix: one global lock order (by address).
struct account {
  weft::mutex m;
  weft::var<int> balance{100};  // guarded by m
};

void transfer(account& from, account& to, int amount, bool ordered) {
  account* first = &from;
  account* second = &to;
  if (ordered && std::less<account*>{}(second, first)) {
    std::swap(first, second);
  }
  std::lock_guard<weft::mutex> l1(first->m);
  std::lock_guard<weft::mutex> l2(second->m);
  from.balance = from.balance - amount;
  to.balance = to.balance + amount;
}

void abba(bool ordered) {
  account a;
  account b;
  weft::model::name(&a.m, "a");
  weft::model::name(&b.m, "b");
  weft::thread t([&] { transfer(a, b, 10, ordered); });
  transfer(b, a, 20, ordered);
  t.join();
  WEFT_ASSERT(a.balance + b.balance == 200);
}

// --- dining_philosophers -------------------------------------------------------------
// Bug: five philosophers each take their left fork, then their right one.
// weft reports: deadlock.
// Interleaving: every philosopher takes the left fork before any takes the right one.
// Fix: philosopher 4 takes its forks in the other order (lower-numbered fork first),
// which breaks the cycle.
void philosophers(bool ordered) {
  constexpr int n = 5;
  std::array<weft::mutex, n> forks;
  weft::atomic<int> meals{0};
  std::vector<weft::thread> diners;
  diners.reserve(n);
  for (int i = 0; i < n; ++i) {
    diners.emplace_back([&, i] {
      int first = i;
      int second = (i + 1) % n;
      if (ordered && second < first) {
        std::swap(first, second);
      }
      std::lock_guard<weft::mutex> l1(forks[first]);
      std::lock_guard<weft::mutex> l2(forks[second]);
      meals.fetch_add(1);
    });
  }
  for (auto& d : diners) {
    d.join();
  }
  WEFT_ASSERT(meals.load() == n);
}

// --- rw_upgrade_deadlock -------------------------------------------------------------
// Bug: on a cache miss the reader "upgrades" by taking the exclusive lock while still
// holding its shared lock; the exclusive lock waits for every reader, itself included.
// weft reports: deadlock.
// Interleaving: the reader takes the shared lock before the warmer fills the cache.
// Fix: drop the shared lock, take the exclusive one, re-check the cache.
struct cache {
  weft::shared_mutex m;
  weft::var<int> value{0};  // 0 = not computed yet; guarded by m
};

int cached_get(cache& c, bool fixed) {
  {
    std::shared_lock<weft::shared_mutex> r(c.m);
    if (c.value != 0) {
      return c.value;
    }
    if (!fixed) {
      std::unique_lock<weft::shared_mutex> w(c.m);  // BUG: upgrade while shared-locked
      c.value = 42;
      return c.value;
    }
  }
  std::unique_lock<weft::shared_mutex> w(c.m);
  if (c.value == 0) {
    c.value = 42;
  }
  return c.value;
}

void rw_upgrade(bool fixed) {
  cache c;
  weft::thread warmer([&] {
    std::unique_lock<weft::shared_mutex> w(c.m);
    if (c.value == 0) {
      c.value = 42;
    }
  });
  WEFT_ASSERT(cached_get(c, fixed) == 42);
  warmer.join();
}

// --- wrong_lock ----------------------------------------------------------------------
// Bug: one thread bumps the counter under data_lock, the other under stats_lock: each
// access is "locked", but not by the same lock, so nothing orders them.
// weft reports: data_race (on the weft::var counter).
// Interleaving: any — the two increments are never ordered by happens-before.
// Fix: both use data_lock.
void wrong_lock(bool fixed) {
  weft::mutex data_lock;
  weft::mutex stats_lock;
  weft::var<int> counter{0};  // meant to be guarded by data_lock
  weft::thread t([&] {
    std::lock_guard<weft::mutex> g(data_lock);
    counter = counter + 1;
  });
  {
    std::lock_guard<weft::mutex> g(fixed ? data_lock : stats_lock);  // BUG when !fixed
    counter = counter + 1;
  }
  t.join();
  WEFT_ASSERT(counter == 2);
}

// --- ticket_lock ---------------------------------------------------------------------
// Bug: a ticket lock that draws its ticket with a load and a store instead of one
// fetch_add, so two threads can draw the same ticket and both hold the lock.
// weft reports: assertion (two threads inside the critical section).
// Interleaving: T1 loads next=0; T2 loads next=0; both store 1 and both are served.
// Fix: next.fetch_add(1).
class ticket_lock {
 public:
  explicit ticket_lock(bool fixed) : fixed_(fixed) {}

  void lock() {
    unsigned my = 0;
    if (fixed_) {
      my = next_.fetch_add(1, std::memory_order_relaxed);
    } else {
      my = next_.load(std::memory_order_relaxed);  // BUG: not atomic with the store
      next_.store(my + 1, std::memory_order_relaxed);
    }
    while (serving_.load(std::memory_order_acquire) < my) {
      weft::this_thread::yield();
    }
  }
  void unlock() { serving_.fetch_add(1, std::memory_order_release); }

 private:
  bool fixed_;
  weft::atomic<unsigned> next_{0};     // next ticket to hand out
  weft::atomic<unsigned> serving_{0};  // tickets below it have been served
};

void ticket(bool fixed) {
  ticket_lock lock(fixed);
  weft::atomic<int> inside{0};
  weft::var<int> counter{0};  // guarded by lock
  auto work = [&] {
    lock.lock();
    WEFT_ASSERT(inside.fetch_add(1) == 0);  // mutual exclusion
    counter = counter + 1;
    inside.fetch_sub(1);
    lock.unlock();
  };
  weft::thread t0(work);
  weft::thread t1(work);
  t0.join();
  t1.join();
  WEFT_ASSERT(counter == 2);
}

// --- peterson_plain_flags ------------------------------------------------------------
// Bug: Peterson's lock with plain (non-atomic) flags and turn: the algorithm is right
// for sequentially consistent memory, but plain variables are not that — the threads
// read and write them concurrently, which is a data race (undefined behaviour in C++;
// compilers may hoist the loads out of the spin loop).
// weft reports: data_race (on a flag or turn).
// Interleaving: T1 writes flag[0]; T2 reads flag[0] — no happens-before between them.
// Fix: seq_cst atomics (acquire/release is not enough: Peterson needs store-load order).
template <class Cell>
struct peterson {
  Cell flag[2];
  Cell turn;

  void lock(int me) {
    const int other = 1 - me;
    flag[me] = 1;
    turn = other;
    while (flag[other] == 1 && turn == other) {
      weft::this_thread::yield();
    }
  }
  void unlock(int me) { flag[me] = 0; }
};

template <class Cell>
void peterson_body() {
  peterson<Cell> p;
  weft::atomic<int> inside{0};
  weft::var<int> counter{0};  // guarded by p
  auto work = [&](int me) {
    p.lock(me);
    WEFT_ASSERT(inside.fetch_add(1) == 0);
    counter = counter + 1;
    inside.fetch_sub(1);
    p.unlock(me);
  };
  weft::thread t0(work, 0);
  weft::thread t1(work, 1);
  t0.join();
  t1.join();
  WEFT_ASSERT(counter == 2);
}

}  // namespace

void abba_deadlock_buggy() {
  abba(false);
}
void abba_deadlock_fixed() {
  abba(true);
}
void dining_philosophers_buggy() {
  philosophers(false);
}
void dining_philosophers_fixed() {
  philosophers(true);
}
void rw_upgrade_deadlock_buggy() {
  rw_upgrade(false);
}
void rw_upgrade_deadlock_fixed() {
  rw_upgrade(true);
}
void wrong_lock_buggy() {
  wrong_lock(false);
}
void wrong_lock_fixed() {
  wrong_lock(true);
}
void ticket_lock_buggy() {
  ticket(false);
}
void ticket_lock_fixed() {
  ticket(true);
}
void peterson_plain_flags_buggy() {
  peterson_body<weft::var<int>>();
}
void peterson_plain_flags_fixed() {
  peterson_body<weft::atomic<int>>();
}

}  // namespace weft_bugs
