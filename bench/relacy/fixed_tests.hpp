// fixed_tests.hpp — small concurrent tests written once against the sync facade as
// fixed-thread tests (weft/fixed_threads.hpp), so that the same code is timed under weft's
// model mode (fixed_model_bench.cpp) and under Relacy (fixed_relacy_bench.cpp, compiled
// with -DWEFT_RELACY). Every test passes under both checkers.
//
//   publish     2 threads: a weft::var published by a release store, read after an
//               acquire load (the facade twin of relacy_bench's tiny_publication)
//   peterson    2 threads: Peterson's lock, seq_cst, one entry each
//   cas_mutex3  3 threads x (2 CAS-loop increments + 1 mutex section) (the twin of
//               relacy_bench's cas_mutex3)
//   parker      2 threads: weft::detail::parker handoff, the owner frees it on return
//   channel     2 threads: 2 values through a rendezvous weft::channel, then close
#pragma once

#include <atomic>
#include <mutex>

#include "weft/assert.hpp"
#include "weft/channel.hpp"
#include "weft/detail/parker.hpp"
#include "weft/sync.hpp"

namespace weft_bench_fixed {

struct publish {
  static constexpr int threads = 2;
  weft::atomic<int> flag{0};
  weft::var<int> data{0};
  void thread(int index) {
    if (index == 0) {
      data.store(42);
      flag.store(1, std::memory_order_release);
    } else if (flag.load(std::memory_order_acquire) == 1) {
      WEFT_ASSERT(data.load() == 42);
    }
  }
};

struct peterson {
  static constexpr int threads = 2;
  weft::atomic<int> flag[2];
  weft::atomic<int> turn{0};
  weft::var<int> shared{0};
  void thread(int i) {
    const int j = 1 - i;
    flag[i].store(1);
    turn.store(j);
    while (flag[j].load() == 1 && turn.load() == j) {
      weft::this_thread::yield();
    }
    shared.store(shared.load() + 1);
    flag[i].store(0);
  }
  void after() { WEFT_ASSERT(shared.load() == 2); }
};

struct cas_mutex3 {
  static constexpr int threads = 3;
  weft::atomic<int> counter{0};
  weft::mutex m;
  weft::var<int> shared{0};
  void thread(int) {
    for (int i = 0; i < 2; ++i) {
      int v = counter.load();
      while (!counter.compare_exchange_strong(v, v + 1)) {
      }
    }
    std::lock_guard<weft::mutex> g(m);
    shared.store(shared.load() + 1);
  }
  void after() {
    WEFT_ASSERT(counter.load() == 6);
    WEFT_ASSERT(shared.load() == 3);
  }
};

struct parker {
  static constexpr int threads = 2;
  weft::detail::parker* p = new weft::detail::parker;
  weft::var<int> value{0};
  void thread(int index) {
    if (index == 0) {
      value.store(1);
      p->unpark();
    } else {
      WEFT_ASSERT(p->park(nullptr));
      WEFT_ASSERT(value.load() == 1);
      delete p;
    }
  }
};

struct channel {
  static constexpr int threads = 2;
  weft::channel<int> ch;
  void thread(int index) {
    if (index == 0) {
      ch.send(1);
      ch.send(2);
      ch.close();
    } else {
      int expected = 1;
      for (int v : ch) {
        WEFT_ASSERT(v == expected++);
      }
      WEFT_ASSERT(expected == 3);
    }
  }
};

}  // namespace weft_bench_fixed
