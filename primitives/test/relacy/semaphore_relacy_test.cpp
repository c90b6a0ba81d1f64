// Relacy test of weft::weighted_semaphore (weft/semaphore.hpp). Its lock-free parts: the
// fast path — one CAS on state_ per acquire and release while nobody waits — and those of
// every grant queue (detail/grant_queue.hpp):
// a release claims a blocked acquirer's waiter by CAS while the acquirer's timeout or
// context races to abort it, and a leaving acquirer checks without the lock whether it
// was granted (grant_case::dequeue). Used as a mutex by three acquirers — blocking, with
// a timeout, and with a context another thread cancels — the semaphore must give mutual
// exclusion with happens-before (Relacy's race detector checks the protected counter),
// never lose or duplicate a permit, and report each acquirer's outcome truthfully.
#include <weft/relacy.hpp>

#include <chrono>
#include <utility>

#include "weft/context.hpp"
#include "weft/semaphore.hpp"

namespace {

using namespace std::chrono_literals;

struct three_acquirers {
  static constexpr int threads = 3;
  weft::weighted_semaphore sem{1};
  std::pair<weft::context, weft::cancel_func> cc = weft::with_cancel(weft::background());
  weft::var<int> counter{0};  // protected by the semaphore
  weft::atomic<int> holders{0};
  weft::var<int> granted[3];

  void critical_section() {
    WEFT_ASSERT(holders.fetch_add(1, std::memory_order_relaxed) == 0);
    counter.store(counter.load() + 1);
    holders.fetch_sub(1, std::memory_order_relaxed);
  }

  void thread(int index) {
    bool got = false;
    if (index == 0) {
      sem.acquire(1);
      got = true;
    } else if (index == 1) {
      got = sem.acquire_for(1, 1ms);
      if (!got) WEFT_ASSERT(weft::clock::now() >= weft::clock::time_point(1ms));
    } else {
      got = sem.acquire(1, cc.first);
      if (!got) WEFT_ASSERT(cc.first.err() == weft::context_errc::cancelled);
    }
    if (got) {
      critical_section();
      sem.release(1);
    }
    granted[index].store(got ? 1 : 0);
    if (index == 0) cc.second();  // cancels acquirer 2 if it is still waiting
  }

  void after() {
    const int n = granted[0].load() + granted[1].load() + granted[2].load();
    WEFT_ASSERT(granted[0].load() == 1);
    WEFT_ASSERT(counter.load() == n);
    WEFT_ASSERT(sem.available() == 1);
    WEFT_ASSERT(sem.waiting() == 0);
  }
};

// The usage mutant: a thread that touches the protected counter without a permit.
struct unprotected {
  static constexpr int threads = 2;
  weft::weighted_semaphore sem{1};
  weft::var<int> counter{0};
  void thread(int index) {
    if (index == 0) {
      sem.acquire(1);
      counter.store(counter.load() + 1);
      sem.release(1);
    } else {
      counter.store(counter.load() + 1);
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  using weft::relacy::fails_with;
  using weft::relacy::iterations;
  using weft::relacy::passes;
  return weft::relacy::test_main(
      argc, argv,
      {
          passes<three_acquirers>("semaphore: blocking, timed and cancellable acquirers",
                                  iterations(50000)),
          fails_with<unprotected>("semaphore usage mutant: access without a permit",
                                  rl::test_result_data_race),
      });
}
