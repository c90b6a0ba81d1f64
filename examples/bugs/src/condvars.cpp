// Condition-variable bugs: lost and stolen wake-ups, missing notifications, a broken
// barrier and a timed wait whose timeout is ignored.
#include <chrono>
#include <mutex>
#include <vector>

#include "weft/sync.hpp"
#include "weft_bugs/zoo.hpp"

namespace weft_bugs {

namespace {

using namespace std::chrono_literals;
using lock_t = std::unique_lock<weft::mutex>;

// --- lost_wakeup ---------------------------------------------------------------------
// Bug: the opener sets the (atomic) flag and notifies without holding the mutex, so it
// can do both between the waiter's check of the flag and its wait; the notify finds no
// waiter and is lost.
// weft reports: deadlock (the waiter sleeps forever; main waits to join it).
// Interleaving: waiter locks, reads open=false; opener stores true and notifies;
// waiter waits.
// Fix: set the flag while holding the mutex (the notify may stay outside).
struct gate {
  weft::mutex m;
  weft::condition_variable cv;
  weft::atomic<bool> open{false};
};

void lost_wakeup(bool fixed) {
  gate g;
  weft::thread waiter([&] {
    lock_t lk(g.m);
    while (!g.open.load()) {
      g.cv.wait(lk);
    }
  });
  if (fixed) {
    std::lock_guard<weft::mutex> lk(g.m);
    g.open.store(true);
  } else {
    g.open.store(true);  // BUG: not under g.m
  }
  g.cv.notify_all();
  waiter.join();
}

// --- if_not_while --------------------------------------------------------------------
// Bug: a consumer waits with `if (empty) wait` instead of `while (empty) wait`. After a
// wake-up the item may already be gone: another consumer took it first (a stolen
// wake-up), or the wake-up was spurious.
// weft reports: assertion (a consumer takes from an empty queue).
// Interleaving: C1 waits; P1 adds an item and notifies C1; C2 locks first and takes
// the item; C1 wakes to an empty queue.
// Fix: `while`.
struct counted_queue {
  weft::mutex m;
  weft::condition_variable cv;
  weft::var<int> items{0};  // guarded by m
};

void if_not_while(bool fixed) {
  counted_queue q;
  auto consume = [&] {
    lock_t lk(q.m);
    if (fixed) {
      while (q.items == 0) {
        q.cv.wait(lk);
      }
    } else if (q.items == 0) {  // BUG: `if`
      q.cv.wait(lk);
    }
    WEFT_ASSERT(q.items > 0);
    q.items = q.items - 1;
  };
  auto produce = [&] {
    std::lock_guard<weft::mutex> lk(q.m);
    q.items = q.items + 1;
    q.cv.notify_one();
  };
  weft::thread c1(consume);
  weft::thread c2(consume);
  weft::thread p1(produce);
  produce();
  c1.join();
  c2.join();
  p1.join();
  WEFT_ASSERT(q.items == 0);
}

// --- bounded_buffer_missing_notify ---------------------------------------------------
// Bug: a one-slot buffer whose take() forgets to signal not_full, so a producer that
// found the buffer full is never woken.
// weft reports: deadlock (producer waits on not_full, consumer on not_empty).
// Interleaving: producer puts item 1, finds the buffer full for item 2 and waits;
// consumer takes item 1 (no notify) and waits for item 2.
// Fix: take() notifies not_full.
struct one_slot_buffer {
  weft::mutex m;
  weft::condition_variable not_empty;
  weft::condition_variable not_full;
  weft::var<int> count{0};  // 0 or 1; guarded by m
  weft::var<int> value{0};  // guarded by m
};

void bounded_buffer(bool fixed) {
  one_slot_buffer b;
  weft::thread consumer([&] {
    for (int expect = 1; expect <= 2; ++expect) {
      lock_t lk(b.m);
      while (b.count == 0) {
        b.not_empty.wait(lk);
      }
      WEFT_ASSERT(b.value == expect);
      b.count = 0;
      if (fixed) {
        b.not_full.notify_one();  // BUG when !fixed: no notify
      }
    }
  });
  for (int v = 1; v <= 2; ++v) {
    lock_t lk(b.m);
    while (b.count == 1) {
      b.not_full.wait(lk);
    }
    b.value = v;
    b.count = 1;
    b.not_empty.notify_one();
  }
  consumer.join();
}

// --- semaphore_lost_signal -----------------------------------------------------------
// Bug: a counting semaphore from a mutex and a condition variable whose release()
// notifies only when the count goes from 0 to 1. Two releases before the first woken
// waiter runs wake one waiter; the second stays asleep with a permit available.
// weft reports: deadlock.
// Interleaving: W1 and W2 wait; main releases (0->1, notifies W1) and releases again
// (1->2, no notify); W1 takes a permit; W2 sleeps on with count 1.
// Fix: notify on every release.
// The same shape shipped in std::counting_semaphore: libc++ (llvm-project#46357) and
// libstdc++ (GCC bugs 98033, 104928, still in GCC 12) skip the wake-up when the count
// was already positive. libstdc++ 12's hung weft's semaphore benchmark peer
// (bench/pools_bench.cpp).
class semaphore {
 public:
  explicit semaphore(bool fixed) : fixed_(fixed) {}

  void acquire() {
    lock_t lk(m_);
    while (count_ == 0) {
      cv_.wait(lk);
    }
    count_ = count_ - 1;
  }
  void release() {
    bool was_zero = false;
    {
      std::lock_guard<weft::mutex> lk(m_);
      was_zero = count_ == 0;
      count_ = count_ + 1;
    }
    if (fixed_ || was_zero) {
      cv_.notify_one();  // BUG when !fixed_: only on 0 -> 1
    }
  }

 private:
  bool fixed_;
  weft::mutex m_;
  weft::condition_variable cv_;
  weft::var<int> count_{0};  // permits; guarded by m_
};

void semaphore_body(bool fixed) {
  semaphore s(fixed);
  weft::thread w1([&] { s.acquire(); });
  weft::thread w2([&] { s.acquire(); });
  s.release();
  s.release();
  w1.join();
  w2.join();
}

// --- broken_barrier ------------------------------------------------------------------
// Bug: a reusable barrier whose waiters wait for "count back to 0" instead of for a
// new generation. A fast thread that passes the barrier and arrives at the next phase
// bumps the count before a slow thread has woken, and the slow one waits again.
// weft reports: deadlock.
// Interleaving: T2 arrives and waits; T1 arrives last (count 2 -> 0, notify_all),
// runs phase 1 and arrives again (count 1) and waits; T2 wakes, sees 1, waits again.
// Fix: a generation number; waiters wait for it to change.
class barrier {
 public:
  barrier(int parties, bool fixed) : parties_(parties), fixed_(fixed) {}

  void arrive_and_wait() {
    lock_t lk(m_);
    const int gen = generation_;
    count_ = count_ + 1;
    if (count_ == parties_) {
      count_ = 0;
      generation_ = generation_ + 1;
      cv_.notify_all();
    } else if (fixed_) {
      while (generation_ == gen) {
        cv_.wait(lk);
      }
    } else {
      while (count_ != 0) {  // BUG: count is reused by the next phase
        cv_.wait(lk);
      }
    }
  }

 private:
  int parties_;
  bool fixed_;
  weft::mutex m_;
  weft::condition_variable cv_;
  weft::var<int> count_{0};       // arrived in this generation; guarded by m_
  weft::var<int> generation_{0};  // guarded by m_
};

void barrier_body(bool fixed) {
  constexpr int phases = 2;
  barrier bar(2, fixed);
  weft::atomic<int> progress[2] = {0, 0};  // phases each thread has finished
  auto run = [&](int me) {
    for (int phase = 1; phase <= phases; ++phase) {
      progress[me].store(phase);
      bar.arrive_and_wait();
      WEFT_ASSERT(progress[1 - me].load() >= phase);  // nobody passed early
    }
  };
  weft::thread t0(run, 0);
  weft::thread t1(run, 1);
  t0.join();
  t1.join();
}

// --- ignored_timeout -----------------------------------------------------------------
// Bug: the caller waits 10 ms for a result and then uses it without looking at whether
// the wait timed out. The worker backs off for 100 ms when it finds the lock busy, so
// under some schedules the result is simply not there yet. (Virtual time: the 10 ms
// deadline fires only when nothing else can run.)
// weft reports: assertion (the result is used before it was produced).
// Interleaving: the caller locks; the worker's try_lock fails and it sleeps 100 ms; the
// caller waits 10 ms, times out and reads the empty result. A spurious wake-up also
// triggers it.
// Fix: wait with a predicate and handle the timeout (here: report "timed out").
struct result_box {
  weft::mutex m;
  weft::condition_variable cv;
  weft::var<bool> ready{false};  // guarded by m
  weft::var<int> value{0};       // guarded by m
};

void ignored_timeout(bool fixed) {
  result_box box;
  weft::thread worker([&] {
    lock_t lk(box.m, std::try_to_lock);
    if (!lk.owns_lock()) {  // busy: back off, then queue up
      weft::this_thread::sleep_for(100ms);
      lk.lock();
    }
    box.value = 42;
    box.ready = true;
    box.cv.notify_one();
  });
  weft::thread caller([&] {
    lock_t lk(box.m);
    bool timed_out = false;
    if (fixed) {
      timed_out = !box.cv.wait_for(lk, 10ms, [&] { return box.ready.load(); });
    } else if (!box.ready) {
      box.cv.wait_for(lk, 10ms);  // BUG: the result of the wait is ignored
    }
    if (!timed_out) {
      WEFT_ASSERT(box.value == 42);
    }
  });
  worker.join();
  caller.join();
}

}  // namespace

void lost_wakeup_buggy() {
  lost_wakeup(false);
}
void lost_wakeup_fixed() {
  lost_wakeup(true);
}
void if_not_while_buggy() {
  if_not_while(false);
}
void if_not_while_fixed() {
  if_not_while(true);
}
void bounded_buffer_missing_notify_buggy() {
  bounded_buffer(false);
}
void bounded_buffer_missing_notify_fixed() {
  bounded_buffer(true);
}
void semaphore_lost_signal_buggy() {
  semaphore_body(false);
}
void semaphore_lost_signal_fixed() {
  semaphore_body(true);
}
void broken_barrier_buggy() {
  barrier_body(false);
}
void broken_barrier_fixed() {
  barrier_body(true);
}
void ignored_timeout_buggy() {
  ignored_timeout(false);
}
void ignored_timeout_fixed() {
  ignored_timeout(true);
}

}  // namespace weft_bugs
