// Relacy tests of weft::singleflight (weft/singleflight.hpp). The map of flights is
// guarded by a mutex; what is lock-free is the flight's completion —
//
//   call::done     stored (release) by the leader after it wrote the outcome, loaded
//                  (acquire) by flight::ready() and by waiters leaving a timed or
//                  cancelled wait: whoever sees it set sees the outcome and every effect
//                  of fn
//   call::leader   the leader's identity, read without the lock to refuse a recursive
//                  call on the leader's own flight
//
// plus the waiters' sleep on the flight's done-channel (parker_relacy_test.cpp). A
// caller that got a flight's result must see what fn did (Relacy's race detector checks
// a var fn writes); the usage mutant reads it without going through the flight.
#include <weft/relacy.hpp>

#include <chrono>
#include <optional>
#include <stdexcept>

#include "weft/errors.hpp"
#include "weft/singleflight.hpp"

namespace {

using namespace std::chrono_literals;

// ---- 1. two callers of one key: fn runs once or twice (two flights one after the
//         other), every caller gets its flight's value and sees its side effect --------

// Each flight writes its own slot (flights of one key may run one after the other, and
// a caller reads after its flight ended) and returns the slot's index.

template <bool ThroughTheFlight>
struct two_callers {
  static constexpr int threads = 2;
  weft::singleflight<int, int> group;
  weft::var<int> slots[2];
  weft::atomic<int> runs{0};

  void thread(int index) {
    if (!ThroughTheFlight && index == 1) {
      (void)slots[0].load();  // the mutant: no call, so nothing orders this after fn
      return;
    }
    auto [k, shared] = group.run(1, [this] {
      const int mine = runs.fetch_add(1, std::memory_order_relaxed);
      slots[mine].store(42);
      return mine;
    });
    (void)shared;
    WEFT_ASSERT(k == 0 || k == 1);
    WEFT_ASSERT(slots[k].load() == 42);
  }
  void after() {
    const int n = runs.load(std::memory_order_relaxed);
    WEFT_ASSERT(n >= 1 && n <= (ThroughTheFlight ? 2 : 1));
  }
};

// ---- 2. an exception reaches every caller of the flight, after fn's effects ----------

struct exception_to_every_caller {
  static constexpr int threads = 2;
  weft::singleflight<int, int> group;
  weft::var<int> slots[2];
  weft::atomic<int> runs{0};

  void thread(int) {
    int k = -1;
    try {
      (void)group.run(1, [this]() -> int {
        const int mine = runs.fetch_add(1, std::memory_order_relaxed);
        slots[mine].store(1);
        throw std::runtime_error(mine == 0 ? "0" : "1");
      });
    } catch (const std::runtime_error& e) {
      k = e.what()[0] - '0';
    }
    WEFT_ASSERT(k == 0 || k == 1);
    WEFT_ASSERT(slots[k].load() == 1);
  }
};

// ---- 3. ready() publishes: a thread that polls a flight until ready() sees the
//         outcome and fn's effects (run_async: fn runs on the group's own thread) ------

struct ready_publishes {
  static constexpr int threads = 1;
  static constexpr int spawned_threads = 1;  // the group's thread that runs fn
  weft::var<int> side{0};
  std::optional<weft::singleflight<int, int>> group{std::in_place};

  void thread(int) {
    weft::flight<int> f = group->run_async(1, [this] {
      side.store(5);
      return 9;
    });
    while (!f.ready()) {
      weft::this_thread::yield();
    }
    WEFT_ASSERT(side.load() == 5);  // ordered by done's release/acquire alone
    WEFT_ASSERT(f.get().value == 9);
    group.reset();  // joins the group's thread
  }
};

// ---- 4. forget() during a flight: the old flight's caller and a new flight's caller
//         each get their own flight's value ---------------------------------------------

struct forget_during_flight {
  static constexpr int threads = 2;
  weft::singleflight<int, int> group;
  weft::var<int> old_value{0};
  weft::var<int> new_value{0};
  weft::atomic<bool> forgot{false};

  void thread(int index) {
    if (index == 0) {
      old_value.store(group.run(1, [] { return 1; }).value);
    } else {
      forgot.store(group.forget(1), std::memory_order_relaxed);
      new_value.store(group.run(1, [] { return 2; }).value);
    }
  }
  void after() {
    // Whatever the order, nobody gets a value no flight of theirs computed; and a
    // forgotten flight in progress means the two callers were in different flights.
    WEFT_ASSERT(old_value.load() == 1 || old_value.load() == 2);
    WEFT_ASSERT(new_value.load() == 1 || new_value.load() == 2);
    if (forgot.load(std::memory_order_relaxed)) {
      WEFT_ASSERT(old_value.load() == 1 && new_value.load() == 2);
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  using weft::relacy::fails_with;
  using weft::relacy::passes;
  return weft::relacy::test_main(
      argc, argv,
      {
          passes<two_callers<true>>("singleflight: two callers share fn's value and effects"),
          fails_with<two_callers<false>>("singleflight usage mutant: read without a call",
                                         rl::test_result_data_race),
          passes<exception_to_every_caller>("singleflight: fn's exception reaches every caller"),
          passes<ready_publishes>("singleflight: ready() publishes the outcome"),
          passes<forget_during_flight>("singleflight: forget() during a flight"),
      });
}
